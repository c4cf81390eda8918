export type {
  RawFrame,
  RawPixelFormat,
  FrameMemory,
  CudaFrameData,
  FrameColor,
  EncodeFrameOptions,
  EncodedPayload,
  EncodedPayloadMetadata,
  EncoderBackend,
  VideoCodecFamily,
} from './backend/types.js';
export type {
  VideoEncoderEngine,
  EngineSession,
  EngineSessionConfig,
  EngineFrame,
  EnginePacket,
  EngineInputFormat,
  EngineColour,
} from './backend/engine.js';
export { H264EncoderBackend, type H264BackendOptions } from './backend/nvenc-backend.js';
export { createNvencEngine, type NvencEngineOptions } from './backend/nvenc-engine.js';
export {
  EncoderBackendRegistry,
  createEncoderBackend,
  defaultBackendRegistry,
  nvencHardwareCandidate,
  nvencSoftwareCandidate,
  type BackendCandidate,
  type BackendSelection,
  type ProbeVerdict,
  type SelectBackendOptions,
} from './backend/registry.js';
export { rgb24ToBgra, yuv420pToNv12 } from './backend/pixel-conversion.js';
export {
  RfbServer,
  type RfbServerOptions,
  type RfbServerEvents,
  type RfbKeyEvent,
  type RfbPointerEvent,
  type RfbClipboardEvent,
  type RfbListenAddresses,
  type RfbClientSnapshot,
} from './rfb/server.js';
export { DEFAULT_LIMITS, type RfbLimits } from './rfb/client-limits.js';
export type { RfbAuth, RfbClientInfo, RfbClientStats } from './rfb/connection-host.js';
export type { PixelFormat } from './rfb/client-parser.js';
export { defaultCursor, type CursorShape } from './rfb/encodings/cursor.js';
export type { RfbClientMode } from './rfb/connection-host.js';
export { Encoding, FenceFlags, H264Flags, SecurityType } from './rfb/constants.js';
export { vncAuthResponse } from './rfb/vnc-auth.js';
export { consoleLogger, silentLogger, type RfbLogger } from './rfb/logger.js';
export {
  RfbBackendError,
  RfbProtocolError,
  InvalidFrameError,
  UnsupportedFrameError,
  BackendClosedError,
  NoBackendAvailableError,
  EncoderFailedError,
  InvalidOptionError,
  ServerClosedError,
  type RfbBackendErrorCode,
  type RfbProtocolErrorCode,
} from './errors.js';
