/**
 * The encoder integration contract, shaped after pdum.rfb's `EncoderBackend` so a server can swap
 * encoders: raw frames in, encoded payloads out, with the frame's `seq` carried through.
 */

/** Pixel layouts a backend accepts. Byte order in memory: `bgra8` = B,G,R,A; `rgba8` = R,G,B,A; `rgb24` = R,G,B. */
export type RawPixelFormat = 'rgb24' | 'rgba8' | 'bgra8' | 'nv12' | 'yuv420p';

/** Where the frame's pixels live. */
export type FrameMemory = 'cpu' | 'cuda';

/** A frame in CUDA device memory: a device pointer and the row pitch in bytes. */
export interface CudaFrameData {
  devicePtr: bigint;
  pitch: number;
}

/** Colour description (H.273 names). Omitted fields default to BT.709, limited range. */
export interface FrameColor {
  primaries?: 'bt709' | 'bt601' | 'bt2020' | 'smpte170m' | 'srgb';
  transfer?: 'bt709' | 'srgb' | 'smpte170m' | 'pq' | 'hlg' | 'linear';
  matrix?: 'bt709' | 'bt601' | 'bt2020' | 'smpte170m' | 'rgb';
  range?: 'limited' | 'full';
}

/** A frame handed to `EncoderBackend.encode()` / `RfbServer.pushFrame()`. */
export interface RawFrame {
  /** Caller's sequence number; every payload produced from this frame carries it. */
  seq: number;
  width: number;
  height: number;
  /** Presentation time in microseconds. */
  timestampUs: number;
  pixelFormat: RawPixelFormat;
  memory: FrameMemory;
  /** `cpu`: tightly packed planes (or `pitch` bytes per row for packed RGB). `cuda`: device pointer + pitch. */
  data: Uint8Array | CudaFrameData;
  /** Bytes per row for packed RGB formats in CPU memory (default: tight). */
  pitch?: number;
  /** Device pixel ratio of the source (HiDPI); carried into the payload metadata. */
  pixelRatio?: number;
  color?: FrameColor;
}

/** Per-frame options of `EncoderBackend.encode()`. */
export interface EncodeFrameOptions {
  /** Make this frame an IDR (a client asked for a full update, or a new client joined). */
  forceKeyframe?: boolean;
}

/** Video codecs a backend can produce. */
export type VideoCodecFamily = 'h264' | 'hevc' | 'av1';

/** One encoded access unit and what it came from. */
export interface EncodedPayload {
  seq: number;
  kind: 'video';
  timestampUs: number;
  /** One access unit, Annex B (start codes), SPS/PPS in front of every keyframe. */
  payload: Buffer;
  width: number;
  height: number;
  /** RFC 6381 codec string read from the stream's own SPS, e.g. `avc1.42c01f`. */
  codec: string;
  keyframe: boolean;
  durationUs: number;
  metadata: EncodedPayloadMetadata;
}

/** How a payload was produced (backend, picture type, keyframe reason, conversion). */
export interface EncodedPayloadMetadata {
  /** Registry name of the backend that produced it (`nvenc`, `nvenc-software`, ...). */
  backend: string;
  /** NVENC picture type (`idr`, `p`, ...). */
  pictureType: string;
  /** Encoder's running frame counter (restarts when the session is rebuilt). */
  frameIndex: number;
  /** Why this frame is a keyframe, when it is one. */
  keyframeReason?: 'first-frame' | 'requested' | 'periodic' | 'resize' | 'format-change';
  /**
   * Coded slices in this access unit. Browser players that split the stream per slice NAL
   * (noVNC 1.7.0 does) need exactly 1.
   */
  sliceCount: number;
  /** What the input went through before NVENC: `none` or the CPU conversion used. */
  inputConversion: 'none' | 'rgb24-to-bgra' | 'yuv420p-to-nv12';
  pixelRatio?: number;
  color: Required<FrameColor>;
}

/** The contract a remote-framebuffer server drives. */
export interface EncoderBackend {
  /** Registry name (`nvenc`, `nvenc-software`, or a custom one). */
  readonly name: string;
  /** Encodes one frame. With a pipeline depth > 0 the payloads returned may belong to earlier frames (see `seq`). */
  encode(frame: RawFrame, options?: EncodeFrameOptions): Promise<EncodedPayload[]>;
  /** Drains frames still in the encoder pipeline. The next frame after a flush is a keyframe. */
  flush(): Promise<EncodedPayload[]>;
  /** Releases the encoder session; idempotent. */
  close(): Promise<void>;
}
