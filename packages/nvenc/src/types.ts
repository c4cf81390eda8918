/**
 * The public types of @nvenc-ts/nvenc, in one leaf module: it imports nothing, so any module (and
 * any package, with `import type`) can use them without pulling in runtime code. Defaults and
 * ranges are documented here and enforced in options.ts, their one owner.
 */

// ---- encoder options ----

export type Codec = 'h264' | 'hevc' | 'av1';

/** NVENC preset: 'p1' fastest … 'p7' best quality. */
export type Preset = 'p1' | 'p2' | 'p3' | 'p4' | 'p5' | 'p6' | 'p7';

/** NVENC tuning: 'ull' ultra low latency, 'll' low latency, 'hq' high quality, 'lossless'. */
export type Tuning = 'ull' | 'll' | 'hq' | 'lossless';

/** Codec profile; 'auto' lets the driver choose from codec and input format. */
export type Profile = 'auto' | 'baseline' | 'main' | 'high' | 'high444' | 'main10';

/** Rate control: constant bit rate, variable bit rate or constant QP. */
export type RateControl = 'cbr' | 'vbr' | 'cqp';

/** Pixel layout of the frames given to `encode()`. */
export type InputFormat = 'nv12' | 'yuv444' | 'bgra' | 'rgba' | 'p010';
/** How pageable host Buffers reach the GPU (EncoderOptions.hostUpload). */
export type HostUpload = 'auto' | 'direct' | 'staged';

/** Named colour primaries (H.273 codes in `COLOUR_PRIMARIES`). */
export type ColourPrimariesName = 'bt709' | 'bt601' | 'smpte170m' | 'bt470bg' | 'bt2020' | 'srgb' | 'display-p3' | 'unspecified';

/** Named transfer characteristics (H.273 codes in `TRANSFER_CHARACTERISTICS`). */
export type TransferName = 'bt709' | 'bt601' | 'smpte170m' | 'bt2020' | 'srgb' | 'linear' | 'pq' | 'hlg' | 'unspecified';

/** Named matrix coefficients (H.273 codes in `MATRIX_COEFFICIENTS`). */
export type MatrixName = 'rgb' | 'bt709' | 'bt601' | 'smpte170m' | 'bt470bg' | 'bt2020' | 'unspecified';

/** Colour description written into the stream's VUI / sequence header. */
export interface ColourOptions {
  /** Colour primaries: a name or an H.273 code (0–255). */
  primaries?: ColourPrimariesName | number;
  /** Transfer characteristics: a name or an H.273 code. */
  transfer?: TransferName | number;
  /** Matrix coefficients: a name or an H.273 code. */
  matrix?: MatrixName | number;
  /** Full (0–255) instead of limited (16–235) range. */
  fullRange?: boolean;
}

/** Options of `new NvencEncoder()`; only width and height are required. */
export interface EncoderOptions {
  width: number;
  height: number;
  /** Default 'h264'. */
  codec?: Codec;
  /** Default 'p4'. */
  preset?: Preset;
  /** Default 'ull' (ultra low latency). */
  tuning?: Tuning;
  /** Default 'auto' (chosen by the driver from codec and input format). */
  profile?: Profile;
  /** Default 'cbr'. */
  rateControl?: RateControl;
  /** Bits per second. Default 5 Mbit/s scaled by area relative to 1920×1080. */
  bitrate?: number;
  /** Peak bits per second (vbr). */
  maxBitrate?: number;
  /** VBV buffer size in bits (default: the driver's). bitrate / fps gives single-frame VBV for the lowest latency. */
  vbvBufferSize?: number;
  /** Constant QP for rateControl 'cqp' (one number, or per picture type). */
  qp?: number | { i: number; p: number; b?: number };
  /** Frames per second (number or exact rational). Default 30. */
  fps?: number | { num: number; den: number };
  /** Keyframe interval in frames, or 'infinite' (default: only the first frame and forced ones are keyframes). */
  gop?: number | 'infinite';
  /** IDR interval in frames (default = gop). */
  idrPeriod?: number | 'infinite';
  /** B-frames between reference frames. Default 0 (browsers and low latency want none). */
  bFrames?: number;
  /** Default 'bgra'. */
  inputFormat?: InputFormat;
  /** VUI colour description. Default: not signalled. */
  colour?: ColourOptions;
  /** Pipeline depth: encode() returns the packet of frame k-d. Default 0. */
  extraOutputDelay?: number;
  /** SPS/PPS (and VPS) on every IDR. Default true (late-joining decoders). */
  repeatSpsPps?: boolean;
  /** Signal zero reorder delay (VUI bitstream_restriction). Default true when bFrames is 0. */
  zeroReorderDelay?: boolean;
  /**
   * How pageable host Buffers reach the GPU: 'direct' (the driver's pageable copy), 'staged'
   * (row chunks copied into pinned memory by a small thread pool while the chunks already copied
   * travel to the GPU) or 'auto' (default: times both on the first frames and keeps the faster).
   * Pinned frames from allocateHostFrame() and device memory are not affected.
   */
  hostUpload?: HostUpload;
  /** Default 'auto' = the NVIDIA driver; never falls back to software by itself. */
  device?: DeviceOption;
  /** Force an NVENC ABI ('11.1', '12.1'); env NVENC_ABI does the same. */
  abi?: string;
}

/** Options after validation and defaults. */
export interface ResolvedEncoderOptions {
  width: number;
  height: number;
  codec: Codec;
  preset: Preset;
  tuning: Tuning;
  profile: Profile;
  rateControl: RateControl;
  bitrate: number;
  maxBitrate?: number;
  vbvBufferSize?: number;
  qp?: { i: number; p: number; b: number };
  fpsNum: number;
  fpsDen: number;
  fps: number;
  gop: number;
  idrPeriod: number;
  bFrames: number;
  inputFormat: InputFormat;
  colour?: { primaries?: number; transfer?: number; matrix?: number; fullRange?: boolean };
  extraOutputDelay: number;
  repeatSpsPps: boolean;
  zeroReorderDelay: boolean;
  hostUpload: HostUpload;
  device: DeviceOption;
  abi?: string;
}

/** What `reconfigure()` may change on an open encoder. */
export interface ReconfigureOptions {
  bitrate?: number;
  maxBitrate?: number;
  fps?: number | { num: number; den: number };
  width?: number;
  height?: number;
  /** Make the next frame an IDR. */
  forceKeyframe?: boolean;
}

/** Per-frame options of `encode()` / `encodeAsync()`. */
export interface EncodeOptions {
  /** Encode this frame as an IDR (with SPS/PPS). */
  forceKeyframe?: boolean;
  /** Caller's sequence number, returned on this frame's packet (default: a running count). */
  seq?: number;
  /** Caller's timestamp, returned on this frame's packet. */
  timestamp?: number;
  /** User-data SEI messages to insert (H.264/HEVC). */
  sei?: { type: number; payload: Uint8Array }[];
}

// ---- device selection ----

/** Which CUDA + NVENC implementation to use. */
export type DeviceOption =
  /** The NVIDIA driver (libcuda.so.1 + libnvidia-encode.so.1), GPU 0. Never falls back silently. */
  | 'auto'
  /** The software device of @nvenc-ts/software-device (tests, CI). */
  | 'software'
  | DeviceSelection;

/** An explicit device: GPU ordinal, CUDA context or library paths. */
export interface DeviceSelection {
  /** CUDA device ordinal (default 0). */
  gpu?: number;
  /** An existing CUcontext (as a bigint) to encode in, instead of the GPU's primary context. */
  cudaContext?: bigint;
  /** CUDA driver library, soname or absolute path (default libcuda.so.1). */
  cudaLibrary?: string;
  /** NVENC library, soname or absolute path (default libnvidia-encode.so.1). */
  nvencLibrary?: string;
}

/** Which implementation a device option resolves to; 'custom' means explicit library paths. */
export type DeviceKind = 'nvidia' | 'software' | 'custom';

// ---- frames ----

/** CUDA Array Interface (numba/CuPy/PyTorch convention, v2/v3), the parts we read. */
export interface CudaArrayInterface {
  data: readonly [ptr: number | bigint, readOnly: boolean];
  shape: readonly number[];
  strides?: readonly number[] | null;
  typestr: string;
  version?: number;
}

/** Typed arrays accepted as host frame memory (Uint16Array for P010). */
export type HostPixels = Uint8Array | Uint8ClampedArray | Uint16Array;

/** Everything `encode()` accepts. Pitches are in bytes. */
export type Frame =
  | HostPixels
  | { data: HostPixels; pitch?: number }
  | { devicePtr: bigint | number; pitch: number }
  | { __cuda_array_interface__: CudaArrayInterface }
  | CudaArrayInterface;

/** Size and plane layout of one frame of an input format (see `frameLayout()`). */
export interface FrameLayout {
  format: InputFormat;
  width: number;
  height: number;
  /** Bytes per pixel in the first plane's rows. */
  bytesPerPixel: number;
  /** Rows of all planes together, in units of the first plane's pitch. */
  rowsTotal: number;
  /** Bytes of one visible row of the first plane. */
  rowBytes: number;
  /** Tight pitch: rowBytes. */
  tightPitch: number;
  /** Size of a tightly packed frame. */
  frameBytes: number;
  /** Element size for CUDA arrays: 1 (u1) or 2 (u2, P010). */
  elementSize: 1 | 2;
}

// ---- packets and encoder state ----

/** Picture type of an encoded frame as NVENC reports it. */
export type PictureType = 'idr' | 'i' | 'p' | 'b' | 'bi' | 'unknown';

/** Where the last encode call spent its time, in microseconds. */
export interface FrameTimings {
  /** Host frame → encoder surface copy (0 for device input). */
  uploadUs: number;
  /** nvEncEncodePicture. */
  submitUs: number;
  /** nvEncLockBitstream (waiting for the engine), copying the packet out, unlock. */
  waitUs: number;
}

/** One encoded access unit (Annex B for H.264/HEVC, OBUs for AV1). */
export interface Packet {
  data: Buffer;
  keyframe: boolean;
  pictureType: PictureType;
  /** The `seq` passed with the frame (or the encoder's running count). */
  seq: number;
  /** The `timestamp` passed with the frame. */
  timestamp: number;
  /** Index of the frame in encode order since the session opened. */
  frameIndex: number;
}

/** What an open encoder runs on and with which settings (`NvencEncoder.info`). */
export interface EncoderInfo {
  /** NVENC ABI of the loaded binary, e.g. '12.1'. */
  abi: string;
  /** Path of the loaded native binary. */
  binary: string;
  /** GPU name (or the software device's). */
  device: string;
  /** 'nvidia', 'software' or 'custom' (explicit libraries). */
  deviceKind: DeviceKind;
  /** True when the NVENC library is the software device. */
  software: boolean;
  width: number;
  height: number;
  codec: Codec;
  inputFormat: ResolvedEncoderOptions['inputFormat'];
  /** Tight pitch of a host frame in bytes. */
  pitch: number;
  /** Bytes of one tightly packed host frame. */
  frameBytes: number;
  /** Cached CUDA device-pointer registrations. */
  registeredResources: number;
  /** How pageable Buffers are uploaded now: 'direct' or 'staged' ('auto' while the first frames are timed). */
  hostUpload: HostUpload;
  preset: ResolvedEncoderOptions['preset'];
  tuning: ResolvedEncoderOptions['tuning'];
  rateControl: ResolvedEncoderOptions['rateControl'];
  bitrate: number;
  fps: number;
  gop: number;
  extraOutputDelay: number;
}
