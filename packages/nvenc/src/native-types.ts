/**
 * Types of the native binding's JavaScript surface (packages/nvenc-native/BINDING.md).
 * Users never see these directly: NvencEncoder and probeDriver wrap them. Packets cross unchanged,
 * so the binding's packet is the public `Packet`.
 */
import type { Codec, FrameTimings, HostUpload, Packet, ResolvedEncoderOptions } from './types.js';

export interface LibraryOptions {
  cudaLibrary?: string;
  nvencLibrary?: string;
}

/** A CUDA device as the driver reports it. */
export interface NativeCudaDevice {
  index: number;
  name: string;
  computeCapability: string;
  totalMemory?: number;
}

export interface NativeProbeResult {
  abi: string;
  napiVersion: number;
  cuda: {
    library: string;
    loaded: boolean;
    error?: string;
    path?: string;
    initStatus?: string;
    driverVersion?: string;
    devices?: NativeCudaDevice[];
    /** The loaded libcuda is the software device's. */
    software?: boolean;
  };
  nvenc: {
    library: string;
    loaded: boolean;
    error?: string;
    path?: string;
    software?: boolean;
    softwareIdentity?: string;
    maxApiVersion?: string | null;
  };
  /** Set when NVIDIA's driver was asked for by soname but the software device answered: why it is refused. */
  softwareHoldsDriverName?: string;
}

export interface NativeOpenSessionProbeResult {
  status: number;
  statusName: string;
  meaning: string;
  apiVersion: string;
  structVersion: string;
  device: string;
}

/**
 * What the binding's Encoder constructor takes: the resolved options (options.ts fills every
 * default; the binding has none) plus the device's libraries and GPU. Optional fields mean "not
 * set" (the preset's value, no colour description, the GPU's primary context).
 */
export interface NativeEncoderOptions extends Omit<ResolvedEncoderOptions, 'fps' | 'device' | 'abi' | 'colour'> {
  cudaLibrary: string;
  nvencLibrary: string;
  gpu: number;
  cudaContext?: bigint;
  /** All four are required once a colour description is given. */
  colour?: Required<NonNullable<ResolvedEncoderOptions['colour']>>;
}

export type NativeFrame = { data: ArrayBufferView; pitch?: number } | { devicePtr: bigint; pitch: number };

export interface NativeEncodeOptions {
  forceKeyframe?: boolean;
  seq?: number;
  timestamp?: number;
  sei?: { type: number; payload: Uint8Array }[];
  startIntraRefresh?: number;
  /** use: bitmap of LTR slots (ltrUseFrameBitmap). */
  ltr?: { mark?: number; use?: number };
  qpMap?: Int8Array;
  qp?: number;
}

export interface NativeEncoderInfo {
  abi: string;
  device: string;
  software: boolean;
  width: number;
  height: number;
  codec: string;
  inputFormat: string;
  pitch: number;
  frameBytes: number;
  registeredResources: number;
  /** The method pageable frames use now ('auto' while the first frames are still being timed). */
  hostUpload: HostUpload;
}

export interface NativeReconfigureOptions {
  bitrate?: number;
  maxBitrate?: number;
  /** Frame rate as a fraction; both or neither. */
  fpsNum?: number;
  fpsDen?: number;
  width?: number;
  height?: number;
  forceKeyframe?: boolean;
}

/**
 * encodeFrameAsync's result (BINDING.md): per packet its Buffer, then keyframe, picture type
 * index, seq, timestamp, frameIndex and slices.
 */
export type NativeFlatPackets = (Buffer | number | boolean)[];

export interface NativeEncoder {
  encode(frame: NativeFrame, options?: NativeEncodeOptions): Packet[];
  encodeAsync(frame: NativeFrame, options?: NativeEncodeOptions): Promise<Packet[]>;
  /**
   * The per-frame fast path (BINDING.md): the frame as scalars (already validated), each packet's
   * fields written into `results` (keyframe 0/1, picture type index, seq, timestamp, frameIndex),
   * the packets' data as the value: null, one Buffer, an array of Buffers, or (when `results`
   * is too small) an array of packet objects.
   */
  encodeFrame(
    input: bigint | ArrayBufferView,
    pitch: number | undefined,
    seq: number | undefined,
    timestamp: number | undefined,
    forceKeyframe: boolean,
    results: Float64Array,
  ): Buffer | Buffer[] | Packet[] | null;
  /** encodeAsync() with encodeFrame's scalars; resolves with the packets in their flat form. */
  encodeFrameAsync(
    input: bigint | ArrayBufferView,
    pitch: number | undefined,
    seq: number | undefined,
    timestamp: number | undefined,
    forceKeyframe: boolean,
  ): Promise<NativeFlatPackets>;
  flush(): Packet[];
  flushAsync(): Promise<Packet[]>;
  reconfigure(options: NativeReconfigureOptions): void;
  /** reconfigure() on the worker thread, in order with the async calls; resolves with []. */
  reconfigureAsync(options: NativeReconfigureOptions): Promise<unknown>;
  getCapabilities(codec: Codec): Record<string, number>;
  sequenceHeaders(): Buffer;
  allocateHostFrame(): Buffer;
  releaseDevicePointer(ptr: bigint): boolean;
  /** nvEncInvalidateRefFrames for each caller timestamp still known; returns how many were. */
  invalidateReferences(timestamps: number[]): number;
  info(): NativeEncoderInfo;
  lastFrameTimings(): FrameTimings;
  /** Benchmark support: encodes `frame` `count` times from C++ on this session; µs per call. */
  benchNativeLoop(frame: NativeFrame, count: number): Float64Array;
  benchAsyncFloor(workUs: number): Promise<NativeFlatPackets>;
  close(): void;
  /** Ends the session on the worker thread after the queued calls; resolves with []. */
  closeAsync(): Promise<unknown>;
  readonly closed: boolean;
  /** Opens the session of `new Encoder(options, true)` on the worker thread (once). */
  openAsync(): Promise<void>;
}

export interface NativeEncoderConstructor {
  /** `deferOpen`: only check the options; `openAsync()` opens the session. */
  new (options: NativeEncoderOptions, deferOpen?: boolean): NativeEncoder;
}

/** The module object of one `nvenc_<abi>.node`. `Encoder` is absent in early builds. */
export interface NativeBinding {
  abi: string;
  napiVersion: number;
  probe(options?: LibraryOptions): NativeProbeResult;
  openSessionProbe(
    options: LibraryOptions & { gpu?: number; structVersion?: 'valid' | 'invalid' },
  ): NativeOpenSessionProbeResult;
  /** Loads and initialises a driver pair on a libuv pool thread (then probe() finds it cached). */
  loadDriverAsync?(options?: LibraryOptions): Promise<void>;
  Encoder?: NativeEncoderConstructor;
  /** Test-only helpers (CUDA allocations and copies); shape defined by BINDING.md. */
  _testing?: Record<string, unknown>;
}
