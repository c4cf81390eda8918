/** Web Streams helpers: order, metadata, backpressure from encodeQueueSize and from a slow reader. */
import { ReadableStream, WritableStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';
import {
  encodeFrames,
  VideoEncoderStream,
  VideoFrame,
  type EncodedVideoChunk,
  type EncodedVideoChunkMetadata,
} from '../src/index.js';

const W = 128;
const H = 96;
const CONFIG = { codec: 'avc1.42001f', width: W, height: H };

function frame(i: number): VideoFrame {
  return new VideoFrame(new Uint8Array(W * H * 4).fill(i * 5), {
    format: 'BGRA',
    codedWidth: W,
    codedHeight: H,
    timestamp: i * 1000,
    duration: 1000,
  });
}

/** A source of `count` frames that records how many were pulled and the encoder's queue at each pull. */
function source(
  count: number,
  onPull: (i: number) => void = () => {},
): ReadableStream<VideoFrame> & { pulled: () => number } {
  let i = 0;
  const s = new ReadableStream<VideoFrame>(
    {
      pull(controller) {
        if (i === count) return controller.close();
        onPull(i);
        controller.enqueue(frame(i++));
      },
    },
    { highWaterMark: 0 },
  );
  return Object.assign(s, { pulled: () => i });
}

describe('VideoEncoderStream', () => {
  it('turns frames into chunks in order, with the decoderConfig given once to onMetadata', async () => {
    const metadata: EncodedVideoChunkMetadata[] = [];
    const stream = new VideoEncoderStream(CONFIG, { onMetadata: (m) => metadata.push(m) });
    const chunks: EncodedVideoChunk[] = [];
    await source(40)
      .pipeThrough(stream)
      .pipeTo(new WritableStream({ write: (c) => void chunks.push(c) }));
    expect(chunks.map((c) => c.timestamp)).toEqual(Array.from({ length: 40 }, (_, i) => i * 1000));
    expect(chunks[0]!.type).toBe('key');
    expect(metadata).toHaveLength(1);
    expect(metadata[0]!.decoderConfig!.codec).toMatch(/^avc1\./);
    expect(stream.encoder.state).toBe('closed');
  });

  it('keeps encodeQueueSize at most maxEncodeQueueSize + 1 while a fast producer writes', async () => {
    const seen: number[] = [];
    const stream = new VideoEncoderStream(CONFIG, { maxEncodeQueueSize: 1 });
    await source(60, () => seen.push(stream.encoder.encodeQueueSize))
      .pipeThrough(stream)
      .pipeTo(new WritableStream());
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
  });

  it('a slow reader stops the producer after a few frames; reading again drains everything', async () => {
    const src = source(100);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let written = 0;
    const done = src.pipeThrough(new VideoEncoderStream(CONFIG)).pipeTo(
      new WritableStream(
        {
          async write() {
            await gate;
            written++;
          },
        },
        { highWaterMark: 1 },
      ),
    );
    await new Promise((r) => setTimeout(r, 600));
    const pulledWhileBlocked = src.pulled();
    expect(pulledWhileBlocked).toBeGreaterThan(0);
    expect(pulledWhileBlocked).toBeLessThanOrEqual(12);
    release();
    await done;
    expect(written).toBe(100);
  });

  it('an encoder error errors the stream (prefer-hardware without NVIDIA → NotSupportedError)', async () => {
    const stream = new VideoEncoderStream({ ...CONFIG, hardwareAcceleration: 'prefer-hardware' });
    await expect(source(10).pipeThrough(stream).pipeTo(new WritableStream())).rejects.toMatchObject({
      name: 'NotSupportedError',
    });
  });
});

describe('encodeFrames', () => {
  it('yields { chunk, metadata } for an array of frames; the first carries decoderConfig', async () => {
    const got = [];
    for await (const { chunk, metadata } of encodeFrames([0, 1, 2, 3].map(frame), CONFIG))
      got.push([chunk.type, chunk.timestamp, metadata.decoderConfig !== undefined]);
    expect(got).toEqual([
      ['key', 0, true],
      ['delta', 1000, false],
      ['delta', 2000, false],
      ['delta', 3000, false],
    ]);
  });

  it('takes an async iterable', async () => {
    async function* frames() {
      for (let i = 0; i < 5; i++) yield frame(i);
    }
    let n = 0;
    for await (const { chunk } of encodeFrames(frames(), { ...CONFIG, avc: { format: 'annexb' } })) {
      expect(chunk.timestamp).toBe(n++ * 1000);
    }
    expect(n).toBe(5);
  });
});
