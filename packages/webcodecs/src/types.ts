/**
 * The WebCodecs dictionaries and enums this package implements, named as the W3C spec names them
 * (https://www.w3.org/TR/webcodecs/), so code typed against the DOM's lib types reads the same.
 */

export type CodecState = 'unconfigured' | 'configured' | 'closed';
/** WebCodecs hint: 'prefer-hardware' needs NVIDIA's NVENC, 'prefer-software' uses the software device. */
export type HardwareAcceleration = 'no-preference' | 'prefer-hardware' | 'prefer-software';
/** Whether alpha is kept or dropped (NVENC encodes no alpha: only 'discard' is supported). */
export type AlphaOption = 'keep' | 'discard';
/** 'realtime' favours latency over quality. */
export type LatencyMode = 'quality' | 'realtime';
/** WebCodecs bitrate mode: constant, variable or per-frame quantizer. */
export type VideoEncoderBitrateMode = 'constant' | 'variable' | 'quantizer';
/** H.264 output: Annex B start codes, or length-prefixed 'avc' with an avcC description. */
export type AvcBitstreamFormat = 'annexb' | 'avc';
/** HEVC output: Annex B start codes, or length-prefixed 'hevc' with an hvcC description. */
export type HevcBitstreamFormat = 'annexb' | 'hevc';
/** 'key' for a chunk a decoder can start at, 'delta' otherwise. */
export type EncodedVideoChunkType = 'key' | 'delta';
/** Pixel formats a VideoFrame can hold here. */
export type VideoPixelFormat = 'I420' | 'NV12' | 'RGBA' | 'RGBX' | 'BGRA' | 'BGRX';
/** WebCodecs colour primaries names. */
export type VideoColorPrimaries = 'bt709' | 'bt470bg' | 'smpte170m' | 'bt2020' | 'smpte432';
/** WebCodecs transfer characteristics names. */
export type VideoTransferCharacteristics = 'bt709' | 'smpte170m' | 'iec61966-2-1' | 'linear' | 'pq' | 'hlg';
/** WebCodecs matrix coefficients names. */
export type VideoMatrixCoefficients = 'rgb' | 'bt709' | 'bt470bg' | 'smpte170m' | 'bt2020-ncl';

/** `VideoEncoder.configure()` input (W3C WebCodecs VideoEncoderConfig). */
export interface VideoEncoderConfig {
  codec: string;
  width: number;
  height: number;
  displayWidth?: number;
  displayHeight?: number;
  bitrate?: number;
  framerate?: number;
  hardwareAcceleration?: HardwareAcceleration;
  alpha?: AlphaOption;
  scalabilityMode?: string;
  bitrateMode?: VideoEncoderBitrateMode;
  latencyMode?: LatencyMode;
  contentHint?: string;
  avc?: { format?: AvcBitstreamFormat };
  hevc?: { format?: HevcBitstreamFormat };
}

/** The answer of `VideoEncoder.isConfigSupported()`. */
export interface VideoEncoderSupport {
  supported: boolean;
  config: VideoEncoderConfig;
}

/** Colour space fields of a frame or a decoder configuration. */
export interface VideoColorSpaceInit {
  primaries?: VideoColorPrimaries | null;
  transfer?: VideoTransferCharacteristics | null;
  matrix?: VideoMatrixCoefficients | null;
  fullRange?: boolean | null;
}

/** The configuration a decoder needs for the chunks (first output metadata). */
export interface VideoDecoderConfig {
  codec: string;
  description?: ArrayBuffer;
  codedWidth?: number;
  codedHeight?: number;
  displayAspectWidth?: number;
  displayAspectHeight?: number;
  colorSpace?: VideoColorSpaceInit;
  hardwareAcceleration?: HardwareAcceleration;
}

/** Scalable-coding layer of a chunk. */
export interface SvcOutputMetadata {
  temporalLayerId: number;
}

/** Second argument of the output callback: decoderConfig with the first chunk after configure(). */
export interface EncodedVideoChunkMetadata {
  decoderConfig?: VideoDecoderConfig;
  svc?: SvcOutputMetadata;
}

/** Per-frame options of `VideoEncoder.encode()`. */
export interface VideoEncoderEncodeOptions {
  keyFrame?: boolean;
  avc?: { quantizer?: number | null };
  hevc?: { quantizer?: number | null };
  av1?: { quantizer?: number | null };
}

/** Offset and stride of one plane in a frame buffer. */
export interface PlaneLayout {
  offset: number;
  stride: number;
}

/** A rectangle in pixels. */
export interface DOMRectInit {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
}

/** Bytes as the DOM takes them: an ArrayBuffer or a view on one. */
export type BufferSource = ArrayBuffer | ArrayBufferView;
