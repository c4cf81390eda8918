/**
 * The WebCodecs dictionaries and enums this package implements, named as the W3C spec names them
 * (https://www.w3.org/TR/webcodecs/), so code typed against the DOM's lib types reads the same.
 */

export type CodecState = 'unconfigured' | 'configured' | 'closed';
export type HardwareAcceleration = 'no-preference' | 'prefer-hardware' | 'prefer-software';
export type AlphaOption = 'keep' | 'discard';
export type LatencyMode = 'quality' | 'realtime';
export type VideoEncoderBitrateMode = 'constant' | 'variable' | 'quantizer';
export type AvcBitstreamFormat = 'annexb' | 'avc';
export type HevcBitstreamFormat = 'annexb' | 'hevc';
export type EncodedVideoChunkType = 'key' | 'delta';
export type VideoPixelFormat = 'I420' | 'NV12' | 'RGBA' | 'RGBX' | 'BGRA' | 'BGRX';
export type VideoColorPrimaries = 'bt709' | 'bt470bg' | 'smpte170m' | 'bt2020' | 'smpte432';
export type VideoTransferCharacteristics = 'bt709' | 'smpte170m' | 'iec61966-2-1' | 'linear' | 'pq' | 'hlg';
export type VideoMatrixCoefficients = 'rgb' | 'bt709' | 'bt470bg' | 'smpte170m' | 'bt2020-ncl';

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

export interface VideoEncoderSupport {
  supported: boolean;
  config: VideoEncoderConfig;
}

export interface VideoColorSpaceInit {
  primaries?: VideoColorPrimaries | null;
  transfer?: VideoTransferCharacteristics | null;
  matrix?: VideoMatrixCoefficients | null;
  fullRange?: boolean | null;
}

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

export interface SvcOutputMetadata {
  temporalLayerId: number;
}

export interface EncodedVideoChunkMetadata {
  decoderConfig?: VideoDecoderConfig;
  svc?: SvcOutputMetadata;
}

export interface VideoEncoderEncodeOptions {
  keyFrame?: boolean;
  avc?: { quantizer?: number | null };
  hevc?: { quantizer?: number | null };
  av1?: { quantizer?: number | null };
}

export interface PlaneLayout {
  offset: number;
  stride: number;
}

export interface DOMRectInit {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
}

export type BufferSource = ArrayBuffer | ArrayBufferView;
