/**
 * Types of the native binding's JavaScript surface (packages/nvenc-native/BINDING.md).
 * Users never see these directly: NvencEncoder and probeDriver wrap them.
 */

export interface LibraryOptions {
  cudaLibrary?: string;
  nvencLibrary?: string;
}

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

export type NativeCodec = 'h264' | 'hevc' | 'av1';

export interface NativeEncoderOptions extends LibraryOptions {
  gpu?: number;
  cudaContext?: bigint;
  width: number;
  height: number;
  codec: NativeCodec;
  preset: 'p1' | 'p2' | 'p3' | 'p4' | 'p5' | 'p6' | 'p7';
  tuning: 'ull' | 'll' | 'hq' | 'lossless';
  profile?: 'auto' | 'baseline' | 'main' | 'high' | 'high444' | 'main10';
  rateControl: 'cbr' | 'vbr' | 'cqp';
  bitrate?: number;
  maxBitrate?: number;
  vbvBufferSize?: number;
  qp?: { i: number; p: number; b: number };
  fpsNum: number;
  fpsDen: number;
  gop: number;
  idrPeriod: number;
  bFrames: number;
  inputFormat: 'nv12' | 'yuv444' | 'bgra' | 'rgba' | 'p010';
  colour?: { primaries?: number; transfer?: number; matrix?: number; fullRange?: boolean };
  extraOutputDelay: number;
  repeatSpsPps: boolean;
  zeroReorderDelay: boolean;
}

export type NativeFrame = { data: ArrayBufferView; pitch?: number } | { devicePtr: bigint; pitch: number };

export interface NativeEncodeOptions {
  forceKeyframe?: boolean;
  seq?: number;
  timestamp?: number;
  sei?: { type: number; payload: Uint8Array }[];
}

export type PictureType = 'idr' | 'i' | 'p' | 'b' | 'bi' | 'unknown';

export interface NativePacket {
  data: Buffer;
  keyframe: boolean;
  pictureType: PictureType;
  seq: number;
  timestamp: number;
  frameIndex: number;
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
}

export interface NativeReconfigureOptions {
  bitrate?: number;
  maxBitrate?: number;
  fps?: number;
  width?: number;
  height?: number;
  forceKeyframe?: boolean;
}

/** Where the last encode call spent its time, in microseconds. */
export interface FrameTimings {
  /** Host frame → encoder surface copy (0 for device input). */
  uploadUs: number;
  /** nvEncEncodePicture. */
  submitUs: number;
  /** nvEncLockBitstream (waiting for the engine), copying the packet out, unlock. */
  waitUs: number;
}

export interface NativeEncoder {
  encode(frame: NativeFrame, options?: NativeEncodeOptions): NativePacket[];
  encodeAsync(frame: NativeFrame, options?: NativeEncodeOptions): Promise<NativePacket[]>;
  flush(): NativePacket[];
  flushAsync(): Promise<NativePacket[]>;
  reconfigure(options: NativeReconfigureOptions): void;
  getCapabilities(codec: NativeCodec): Record<string, number>;
  sequenceHeaders(): Buffer;
  allocateHostFrame(): Buffer;
  releaseDevicePointer(ptr: bigint): boolean;
  info(): NativeEncoderInfo;
  lastFrameTimings(): FrameTimings;
  close(): void;
  readonly closed: boolean;
}

export interface NativeEncoderConstructor {
  new (options: NativeEncoderOptions): NativeEncoder;
}

/** The module object of one `nvenc_<abi>.node`. `Encoder` is absent in early builds. */
export interface NativeBinding {
  abi: string;
  napiVersion: number;
  probe(options?: LibraryOptions): NativeProbeResult;
  openSessionProbe(
    options: LibraryOptions & { gpu?: number; structVersion?: 'valid' | 'invalid' },
  ): NativeOpenSessionProbeResult;
  Encoder?: NativeEncoderConstructor;
  /** Test-only helpers (CUDA allocations and copies); shape defined by BINDING.md. */
  _testing?: Record<string, unknown>;
}
