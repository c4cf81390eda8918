export type {
  Codec,
  Preset,
  Tuning,
  Profile,
  RateControl,
  InputFormat,
  ColourOptions,
  ColourPrimariesName,
  TransferName,
  MatrixName,
  EncoderOptions,
  ResolvedEncoderOptions,
  EncodeOptions,
  ReconfigureOptions,
  DeviceOption,
  DeviceSelection,
  DeviceKind,
  Frame,
  FrameLayout,
  CudaArrayInterface,
  HostPixels,
  Packet,
  PictureType,
  FrameTimings,
  EncoderInfo,
} from './types.js';
export { NvencEncoder } from './encoder.js';
export { DEFAULT_CUDA_LIBRARY, DEFAULT_NVENC_LIBRARY } from './device.js';
export {
  probeDriver,
  resolveDevice,
  selectAbi,
  MIN_DRIVER_FOR_ABI,
  type DeviceResolution,
  type ResolveDeviceOptions,
  type DriverReport,
  type ProbeOptions,
} from './probe.js';
export {
  codecString,
  parseAvcSps,
  parseHevcProfileTierLevel,
  parseAv1SequenceHeader,
  type AvcProfileLevel,
  type HevcProfileTierLevel,
  type Av1SequenceHeader,
} from './codec-string.js';
export {
  NvencError,
  DriverNotFoundError,
  NoEncodeDeviceError,
  AbiUnsupportedError,
  SessionLimitError,
  InvalidFrameError,
  InvalidOptionError,
  EncoderClosedError,
  BinaryNotFoundError,
  UnsupportedPlatformError,
  BitstreamParseError,
  fromNative,
  errorDocs,
  renderErrorDocs,
  type ErrorDoc,
  type NvencPhase,
} from './errors.js';
export {
  resolveEncoderOptions,
  defaultBitrate,
  INFINITE_GOP,
  COLOUR_PRIMARIES,
  TRANSFER_CHARACTERISTICS,
  MATRIX_COEFFICIENTS,
} from './options.js';
export { frameLayout } from './frame.js';
export { availableAbis, checkPlatform } from './native-binary.js';
export { softwareDeviceState, softwareDeviceLibraries, type SoftwareDeviceLibraries } from './software-device.js';
