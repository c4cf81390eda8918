/**
 * Web Streams over VideoEncoder (node:stream/web in Node, the same globals in browsers):
 * a TransformStream<VideoFrame, EncodedVideoChunk> whose writes wait while the encoder's
 * encodeQueueSize is above a limit, and an async iterator of { chunk, metadata }.
 */
import { ReadableStream, TransformStream } from 'node:stream/web';
import type { EncodedVideoChunk } from './encoded-video-chunk.js';
import type { EncodedVideoChunkMetadata, VideoEncoderConfig } from './types.js';
import { VideoEncoder } from './video-encoder.js';
import type { VideoFrame } from './video-frame.js';

/** Options of `VideoEncoderStream`. */
export interface VideoEncoderStreamOptions {
  /** Writes wait while encodeQueueSize is above this (default 2): the encoder paces the producer. */
  maxEncodeQueueSize?: number;
  /** Close each frame once it is queued for encoding (default true; the encoder keeps its own clone). */
  closeFrames?: boolean;
  /** Called with every chunk's metadata that carries something (the first chunk's decoderConfig). */
  onMetadata?: (metadata: EncodedVideoChunkMetadata, chunk: EncodedVideoChunk) => void;
}

function encodeTransformer<T>(
  config: VideoEncoderConfig,
  options: VideoEncoderStreamOptions,
  wrap: (chunk: EncodedVideoChunk, metadata: EncodedVideoChunkMetadata) => T,
  expose: (encoder: VideoEncoder) => void,
): ConstructorParameters<typeof TransformStream<VideoFrame, T>>[0] {
  const limit = options.maxEncodeQueueSize ?? 2;
  const closeFrames = options.closeFrames ?? true;
  let encoder: VideoEncoder;
  let failure: DOMException | undefined;
  let wake: (() => void) | null = null;
  // A function, not an inline check: the error callback sets `failure` while transform() awaits.
  const rethrow = (): void => {
    if (failure !== undefined) throw failure;
  };
  const waitForDequeue = (): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
      encoder.addEventListener('dequeue', () => resolve(), { once: true });
    });
  return {
    start(controller) {
      encoder = new VideoEncoder({
        output: (chunk, metadata) => {
          if (options.onMetadata && (metadata.decoderConfig || metadata.svc)) options.onMetadata(metadata, chunk);
          controller.enqueue(wrap(chunk, metadata));
        },
        error: (error) => {
          failure = error;
          controller.error(error);
          wake?.();
        },
      });
      expose(encoder);
      encoder.configure(config);
    },
    async transform(frame) {
      rethrow();
      try {
        encoder.encode(frame);
      } finally {
        if (closeFrames) frame.close();
      }
      while (encoder.encodeQueueSize > limit && failure === undefined) await waitForDequeue();
      rethrow();
    },
    async flush() {
      await encoder.flush();
      encoder.close();
    },
  };
}

/** `frames.pipeThrough(new VideoEncoderStream(config))` → EncodedVideoChunks, paced by the encoder. */
export class VideoEncoderStream extends TransformStream<VideoFrame, EncodedVideoChunk> {
  #encoder: VideoEncoder | undefined;
  constructor(config: VideoEncoderConfig, options: VideoEncoderStreamOptions = {}) {
    let encoder: VideoEncoder | undefined;
    super(
      encodeTransformer(
        config,
        options,
        (chunk) => chunk,
        (e) => (encoder = e),
      ),
      { highWaterMark: 1 },
      { highWaterMark: options.maxEncodeQueueSize ?? 2 },
    );
    this.#encoder = encoder;
  }
  /** The VideoEncoder behind the stream (its state, encodeQueueSize and encoderDevice). */
  get encoder(): VideoEncoder {
    return this.#encoder!;
  }
}

/** Encodes frames from any (async) iterable; yields each chunk with its metadata. */
export async function* encodeFrames(
  frames: AsyncIterable<VideoFrame> | Iterable<VideoFrame>,
  config: VideoEncoderConfig,
  options: VideoEncoderStreamOptions = {},
): AsyncGenerator<{ chunk: EncodedVideoChunk; metadata: EncodedVideoChunkMetadata }, void, undefined> {
  const transform = new TransformStream(
    encodeTransformer(
      config,
      options,
      (chunk, metadata) => ({ chunk, metadata }),
      () => {},
    ),
    { highWaterMark: 1 },
    { highWaterMark: options.maxEncodeQueueSize ?? 2 },
  );
  yield* ReadableStream.from(frames).pipeThrough(transform);
}
