export { NvencEncoder, type EncoderInfo, type Packet } from './encoder.js';
export {
  probeDriver,
  resolveDevice,
  selectAbi,
  MIN_DRIVER_FOR_ABI,
  DEFAULT_CUDA_LIBRARY,
  DEFAULT_NVENC_LIBRARY,
  type DeviceOption,
  type DeviceSelection,
  type DeviceKind,
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
  type CodecStringOptions,
} from './codec-string.js';
export type { NvencCapabilities } from './capabilities.js';
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
  isErrorCode,
  NVENC_PHASES,
  NVENC_STATUS_CODES,
  type ErrorDoc,
  type NvencPhase,
  type NvencErrorCode,
  type NvencPackageErrorCode,
  type NvencStatusCode,
} from './errors.js';
export {
  resolveEncoderOptions,
  defaultBitrate,
  INFINITE_GOP,
  COLOUR_PRIMARIES,
  TRANSFER_CHARACTERISTICS,
  MATRIX_COEFFICIENTS,
  type EncoderOptions,
  type ResolvedEncoderOptions,
  type EncodeOptions,
  type ReconfigureOptions,
  type ColourOptions,
  type Codec,
  type Preset,
  type Tuning,
  type Profile,
  type RateControl,
  type InputFormat,
} from './options.js';
export { frameLayout, type Frame, type FrameLayout, type CudaArrayInterface, type HostPixels } from './frame.js';
export { availableAbis, checkPlatform } from './native-binary.js';
export { softwareDeviceState, softwareDeviceLibraries, type SoftwareDeviceLibraries } from './software-device.js';
export type { FrameTimings, PictureType } from './native-types.js';
