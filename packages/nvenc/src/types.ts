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
export type ColourPrimariesName =
  'bt709' | 'bt601' | 'smpte170m' | 'bt470bg' | 'bt2020' | 'srgb' | 'display-p3' | 'unspecified';

/** Named transfer characteristics (H.273 codes in `TRANSFER_CHARACTERISTICS`). */
export type TransferName =
  'bt709' | 'bt601' | 'smpte170m' | 'bt2020' | 'srgb' | 'linear' | 'pq' | 'hlg' | 'unspecified';

/** Named matrix coefficients (H.273 codes in `MATRIX_COEFFICIENTS`). */
export type MatrixName = 'rgb' | 'bt709' | 'bt601' | 'smpte170m' | 'bt470bg' | 'bt2020' | 'unspecified';

/** NVENC multipass (`NV_ENC_RC_PARAMS::multiPass`): a first pass per picture before the real one. */
export type Multipass = 'disabled' | 'quarter-resolution' | 'full-resolution';
/** Which B-frames other pictures may reference (`useBFramesAsRef`, caps `supportBframeRefMode`). */
export type BFrameRefMode = 'disabled' | 'each' | 'middle';
/**
 * How a per-frame `qpMap` is read (`NV_ENC_RC_PARAMS::qpMapMode`): 'delta' = signed QP offsets
 * added to rate control's QP; 'emphasis' = emphasis levels (caps `supportEmphasisLevelMap`).
 */
export type QpMapMode = 'off' | 'delta' | 'emphasis';

/**
 * Slices per picture (`sliceMode`/`sliceModeData`): a count, or a limit per slice. Every packet
 * says how many slices it carries (`Packet.slices`).
 */
export type SlicesOption =
  | number
  /** Each slice at most this many bytes (MTU-sized packets; caps `supportDynamicSliceMode`). */
  | { maxBytes: number }
  /** Each slice at most this many macroblocks (H.264) / CTUs (HEVC). */
  | { macroblocks: number }
  /** Each slice at most this many macroblock / CTU rows. */
  | { rows: number };
/** Slice mode names of `SlicesOption`, NVENC's sliceMode 3, 1, 0 and 2. */
export type SliceMode = 'count' | 'maxBytes' | 'macroblocks' | 'rows';

/** The `intraRefresh` option: gradual decoder refresh instead of periodic IDRs. */
export interface IntraRefreshOptions {
  /** Pictures between the starts of two refresh waves (`intraRefreshPeriod`), 2 or more. */
  period: number;
  /**
   * Pictures one wave takes to refresh the whole picture (`intraRefreshCnt`), 1 .. period − 1.
   * A decoder joining anywhere shows a clean picture at most `count` pictures later.
   */
  count: number;
}

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

/**
 * Options of `new NvencEncoder(options)`. Every field but `width` and `height` is optional; the
 * defaults suit browser decoders at low latency. Unknown fields are an `InvalidOptionError`.
 */
export interface EncoderOptions {
  /** Picture width in pixels. Required; even, 2–16384 (the device may allow less: `getCapabilities().widthMax`). */
  width: number;
  /** Picture height in pixels. Required; even, 2–16384 (4:2:0 output needs even sizes, also for RGB input). */
  height: number;
  /** Output codec. Default `'h264'`; `'av1'` needs NVENC API 12.0+ (the 12.1 ABI) and an AV1-capable GPU. */
  codec?: Codec;
  /** Speed/quality preset, `'p1'` (fastest) … `'p7'` (best). Default `'p4'`. */
  preset?: Preset;
  /** Tuning. Default `'ull'` (ultra low latency); `'lossless'` implies `rateControl: 'cqp'` with QP 0. */
  tuning?: Tuning;
  /** Profile. Default `'auto'` (chosen from codec and input format); must belong to the codec. */
  profile?: Profile;
  /** Rate control. Default `'cbr'` (`'cqp'` with `tuning: 'lossless'`). */
  rateControl?: RateControl;
  /** Target bits per second, 1000–2 000 000 000. Default 5 Mbit/s × area / (1920×1080), at least 100 kbit/s. */
  bitrate?: number;
  /** Peak bits per second for `'vbr'`, ≥ `bitrate`, at most 2 000 000 000. Default: the driver's. */
  maxBitrate?: number;
  /** VBV buffer in bits, 1–2³¹−1. Default: the driver's; `bitrate / fps` gives one-frame VBV, the lowest latency. */
  vbvBufferSize?: number;
  /** Constant QP for `'cqp'`: 0–51 (AV1 0–255), one number or per picture type. Default 23 (AV1 100; lossless 0). */
  qp?: number | { i: number; p: number; b?: number };
  /** Frames per second: a number > 0 and ≤ 1000 (29.97 becomes 30000/1001) or an exact `{ num, den }`. Default 30. */
  fps?: number | { num: number; den: number };
  /** Frames between keyframes (≥ 1), or `'infinite'`. Default `'infinite'`: only the first frame and forced ones. */
  gop?: number | 'infinite';
  /** Frames between IDRs (≥ 1), or `'infinite'`. Default: `gop`. */
  idrPeriod?: number | 'infinite';
  /** B-frames between reference frames, 0–4. Default 0 (browsers and low latency want none). */
  bFrames?: number;
  /** Pixel format of the frames you pass. Default `'bgra'`; `'p010'` not with h264, `'yuv444'` not with av1. */
  inputFormat?: InputFormat;
  /** VUI colour description (names or H.273 codes). Default: not signalled. */
  colour?: ColourOptions;
  /** Pipeline depth d, 0–16: `encode()` returns the packet of frame k − d. Default 0. */
  extraOutputDelay?: number;
  /** Parameter sets (SPS/PPS, and VPS) on every IDR, for late-joining decoders. Default true. */
  repeatSpsPps?: boolean;
  /** Signal zero reorder delay (VUI bitstream_restriction). Default true when `bFrames` is 0; not with B-frames. */
  zeroReorderDelay?: boolean;
  /**
   * Gradual intra refresh instead of periodic IDRs (`enableIntraRefresh`): a band of intra blocks
   * sweeps the picture, so no picture is much larger than the rest (smooth bitrate for
   * streaming). H.264/HEVC, no B-frames (NVENC ignores it with B-frames). Pair with gop
   * 'infinite'. Default: off. Checked against caps `supportIntraRefresh`.
   */
  intraRefresh?: IntraRefreshOptions | false;
  /** Slices per picture: 1–256, or { maxBytes: 64–1048576 } / { macroblocks } / { rows }. Default 1. */
  slices?: SlicesOption;
  /**
   * Spatial adaptive quantisation (`enableAQ`): lower QP in flat areas, higher in busy ones.
   * `true` = driver's strength; { strength: 1 (gentle) – 15 (aggressive) } (`aqStrength`). Default false.
   */
  spatialAq?: boolean | { strength: number };
  /** Temporal AQ (`enableTemporalAQ`): lower QP for blocks later pictures reference. Caps `supportTemporalAq`. Default false. */
  temporalAq?: boolean;
  /**
   * Lookahead depth in pictures, 0 (off) – 32 (`enableLookahead`, `lookaheadDepth`): rate control
   * sees future pictures. Adds that many pictures of output delay. Picture types stay where the
   * GOP options put them (adaptive I/B decisions are off). Caps `supportLookahead`. Default 0.
   */
  lookahead?: number;
  /**
   * A first pass per picture at quarter or full resolution before the real one
   * (`NV_ENC_RC_PARAMS::multiPass`): better bit distribution, slower. Default: the preset's.
   */
  multipass?: Multipass;
  /** Weighted prediction (`enableWeightedPrediction`) for fades; not with B-frames. Caps `supportWeightedPrediction`. Default false. */
  weightedPrediction?: boolean;
  /** B-frames as references (`useBFramesAsRef`); needs bFrames ≥ 1. Caps `supportBframeRefMode`. Default 'disabled'. */
  bFrameRefMode?: BFrameRefMode;
  /** Maximum reference frames (H.264 `maxNumRefFrames`, HEVC `maxNumRefFramesInDPB`), 0 (driver decides) – 16. Default 0. */
  maxReferenceFrames?: number;
  /** Enables per-frame `qpMap` (H.264): see `QpMapMode`. Default 'off'. */
  qpMap?: QpMapMode;
  /**
   * Long-term reference frames (`enableLTR`, `ltrNumFrames`), 0 (off) – the caps' `numMaxLtrFrames`;
   * frames are marked and used per encode (`EncodeOptions.ltr`). H.264/HEVC. Default 0.
   */
  longTermReferences?: number;
  /**
   * A CUDA stream (`CUstream` as a bigint) for the encoder's input and output
   * (`nvEncSetIOCudaStreams`): NVENC waits for work queued on it before reading a frame, so a
   * renderer on that stream needs no device-wide sync. Default: none.
   */
  cudaStream?: bigint;
  /**
   * How pageable host Buffers reach the GPU: 'direct' (the driver's pageable copy), 'staged'
   * (row chunks copied into pinned memory by a small thread pool while the chunks already copied
   * travel to the GPU) or 'auto' (default: times both on the first frames and keeps the faster).
   * Pinned frames from allocateHostFrame() and device memory are not affected.
   */
  hostUpload?: HostUpload;
  /** Which CUDA and NVENC. Default `'auto'`: NVIDIA's driver, never the software device by itself. */
  device?: DeviceOption;
  /** Force an NVENC ABI (`'11.1'`, `'12.1'`); env `NVENC_ABI` does the same. Default: the probe's choice. */
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
  /** Absent: off. */
  intraRefresh?: IntraRefreshOptions;
  slices: { mode: SliceMode; value: number };
  spatialAq: boolean;
  /** 0 = the driver's strength. */
  aqStrength: number;
  temporalAq: boolean;
  lookahead: number;
  /** Absent: the preset's. */
  multipass?: Multipass;
  weightedPrediction: boolean;
  bFrameRefMode: BFrameRefMode;
  maxReferenceFrames: number;
  qpMap: QpMapMode;
  longTermReferences: number;
  cudaStream?: bigint;
  hostUpload: HostUpload;
  device: DeviceOption;
  abi?: string;
}

/** Options of `encoder.reconfigure()`: only what is given changes. */
export interface ReconfigureOptions {
  /** New target bits per second, 1000–2 000 000 000. No new IDR. */
  bitrate?: number;
  /** New peak bits per second, 1000–2 000 000 000. No new IDR. */
  maxBitrate?: number;
  /** New frame rate, as in `EncoderOptions.fps` (29.97, 12.5, `{ num, den }`). No new IDR. */
  fps?: number | { num: number; den: number };
  /** New width, even, up to the width the session opened with. The next frame is an IDR. */
  width?: number;
  /** New height, even, up to the height the session opened with. The next frame is an IDR. */
  height?: number;
  /** Make the next frame an IDR. Default false. */
  forceKeyframe?: boolean;
}

/** Per-frame options of `encode()` / `encodeAsync()`. */
export interface EncodeOptions {
  /** Encode this frame as an IDR (with SPS/PPS). Default false. */
  forceKeyframe?: boolean;
  /** Caller's sequence number, an integer 0–2⁵³−1, returned on this frame's packet. Default: a running count. */
  seq?: number;
  /** Caller's timestamp (any finite number), returned on this frame's packet. Default 0. */
  timestamp?: number;
  /** SEI messages to insert (H.264/HEVC): `type` 0–255 and the payload bytes. Default none. */
  sei?: { type: number; payload: Uint8Array }[];
  /**
   * Start an intra refresh wave now, taking this many pictures (`forceIntraRefreshWithFrameCnt`),
   * 1–1024; e.g. after a viewer reported loss. No B-frames.
   */
  startIntraRefresh?: number;
  /**
   * Long-term references (needs `longTermReferences` > 0): `mark` stores this picture in LTR slot
   * 0 .. longTermReferences − 1 (`ltrMarkFrame`); `use` lists the slots it may reference (`ltrUseFrames`).
   */
  ltr?: { mark?: number; use?: number[] };
  /**
   * Per-block QP map for this picture (needs `qpMap` 'delta' or 'emphasis'): one value per 16×16
   * macroblock in raster order, `encoder.qpMapLength` values (ceil(w/16) × ceil(h/16)); delta
   * values −51..51, emphasis levels 0..5.
   */
  qpMap?: Int8Array;
  /**
   * Constant QP from this picture on (needs `rateControl: 'cqp'`): 0–51 (H.264, HEVC), 0–255
   * (AV1). When it differs from the session's, NVENC's rate control is reconfigured before this
   * picture (`nvEncReconfigureEncoder`, without reset or IDR: the sequence goes on). Runs in
   * order with the other calls, on the worker thread for encodeAsync().
   */
  qp?: number;
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
  /** CUDA device ordinal, 0 … (GPUs − 1). Default 0. */
  gpu?: number;
  /**
   * An existing CUcontext (a non-zero bigint) to encode in, instead of the GPU's primary context.
   * The caller owns it: it must outlive the encoder, and `close()` does not destroy it.
   */
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
  /** Slices (H.264/HEVC) or tiles (AV1) in this access unit, as NVENC reports them (`numSlices`). */
  slices: number;
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

// ---- capabilities ----

/**
 * What `NvencEncoder.getCapabilities(codec)` returns: NVENC's `nvEncGetEncodeCaps` answers under
 * camelCase names of their `NV_ENC_CAPS_*` constants. `supported` is always present; every other
 * field is present only when the driver answered that query (older drivers know fewer), so each
 * is optional. Flags are 0/1; limits are numbers.
 */
export interface NvencCapabilities {
  /** 1 when the device can encode the codec with this binary's ABI (AV1 needs ABI 12.0+), else 0 and nothing else is reported. */
  supported: 0 | 1;
  /** Largest width in pixels (NV_ENC_CAPS_WIDTH_MAX). */
  widthMax?: number;
  /** Largest height in pixels. */
  heightMax?: number;
  /** Smallest width in pixels. */
  widthMin?: number;
  /** Smallest height in pixels. */
  heightMin?: number;
  /** Most B-frames between reference frames (0: none). */
  numMaxBframes?: number;
  /** Bit mask of NV_ENC_PARAMS_RC_MODE values the device supports. */
  supportedRatecontrolModes?: number;
  support10bitEncode?: number;
  supportLosslessEncode?: number;
  supportYuv444Encode?: number;
  supportLookahead?: number;
  supportTemporalAq?: number;
  /** 0 on Linux: NVENC runs synchronously there. */
  asyncEncodeSupport?: number;
  /** `reconfigure({ width, height })` within the size the session opened with. */
  supportDynResChange?: number;
  /** `reconfigure({ bitrate })` without a new session. */
  supportDynBitrateChange?: number;
  supportDynForceConstqp?: number;
  supportDynRcmodeChange?: number;
  supportCustomVbvBufSize?: number;
  supportIntraRefresh?: number;
  /** Byte-limited slices (`slices: { maxBytes }`). */
  supportDynamicSliceMode?: number;
  supportBframeRefMode?: number;
  supportFieldEncoding?: number;
  supportMonochrome?: number;
  supportCabac?: number;
  supportSao?: number;
  supportTemporalSvc?: number;
  supportHierarchicalPframes?: number;
  supportHierarchicalBframes?: number;
  supportRefPicInvalidation?: number;
  supportWeightedPrediction?: number;
  supportMultipleRefFrames?: number;
  supportAlphaLayerEncoding?: number;
  supportEmphasisLevelMap?: number;
  supportMeonlyMode?: number;
  numMaxTemporalLayers?: number;
  numMaxLtrFrames?: number;
  /** NVENC engines on the GPU (sessions are spread over them). */
  numEncoderEngines?: number;
  singleSliceIntraRefresh?: number;
  /** Most macroblocks per picture. */
  mbNumMax?: number;
  /** Most macroblocks per second. */
  mbPerSecMax?: number;
  levelMax?: number;
  levelMin?: number;
  dynamicQueryEncoderCapacity?: number;
}
