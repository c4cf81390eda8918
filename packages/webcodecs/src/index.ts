export { VideoEncoder, type VideoEncoderInit, type EncoderDevice } from './video-encoder.js';
export {
  VideoFrame,
  VideoColorSpace,
  VideoFrameRect,
  type VideoFrameBufferInit,
  type VideoFrameInit,
  type VideoFrameCopyToOptions,
  type CudaDeviceMemory,
} from './video-frame.js';
export { EncodedVideoChunk, type EncodedVideoChunkInit } from './encoded-video-chunk.js';
export { VideoEncoderStream, encodeFrames, type VideoEncoderStreamOptions } from './streams.js';
export type { EncoderDeviceKind } from './device.js';
export type * from './types.js';
export { installWebCodecsGlobals } from './globals.js';
