import {
  EncodedVideoChunk,
  VideoEncoder,
  type EncodedVideoChunkMetadata,
  type VideoEncoderConfig,
  type VideoFrame,
} from '../../src/index.js';

export interface Encoded {
  chunks: { type: string; timestamp: number; bytes: Uint8Array }[];
  metadata: EncodedVideoChunkMetadata[];
  errors: DOMException[];
  encoder: VideoEncoder;
}

/** Encodes frames (closing them) with one VideoEncoder, flushes, closes; collects everything. */
export async function encodeAll(
  config: VideoEncoderConfig,
  frames: VideoFrame[],
  keyFrames: number[] = [],
  beforeClose: (encoder: VideoEncoder) => void = () => {},
): Promise<Encoded> {
  const out: Encoded = { chunks: [], metadata: [], errors: [], encoder: undefined as unknown as VideoEncoder };
  out.encoder = new VideoEncoder({
    output: (chunk: EncodedVideoChunk, metadata) => {
      const bytes = new Uint8Array(chunk.byteLength);
      chunk.copyTo(bytes);
      out.chunks.push({ type: chunk.type, timestamp: chunk.timestamp, bytes });
      out.metadata.push(metadata);
    },
    error: (e) => out.errors.push(e),
  });
  out.encoder.configure(config);
  frames.forEach((f, i) => {
    out.encoder.encode(f, { keyFrame: keyFrames.includes(i) });
    f.close();
  });
  try {
    await out.encoder.flush();
  } catch {
    // errors are in out.errors
  }
  beforeClose(out.encoder);
  // Each open encoder holds an NVENC session (the software device allows 8, like consumer GPUs).
  if (out.encoder.state !== 'closed') out.encoder.close();
  return out;
}
