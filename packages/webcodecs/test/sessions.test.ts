/**
 * How VideoEncoder uses NVENC sessions: configure() opens one off the event loop
 * (NvencEncoder.open), isConfigSupported() answers from capabilities kept per device and codec,
 * and a per-frame quantizer changes the QP of the running session instead of opening another.
 */
import { NvencEncoder } from '@nvenc-ts/nvenc';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VideoEncoder, VideoFrame, type VideoEncoderConfig } from '../src/index.js';
import { turnsDuring } from '../../../scripts/test-support/event-loop.mjs';
import { encodeAll } from './helpers/encode.js';

const W = 128;
const H = 96;

/** A frame of noise (so the QP decides the size), seeded by n. */
function noise(n: number): VideoFrame {
  const data = new Uint8Array(W * H * 1.5);
  let s = n * 2654435761;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return new VideoFrame(data, { format: 'NV12', codedWidth: W, codedHeight: H, timestamp: n * 33_333 });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('configure()', () => {
  it('opens its session with NvencEncoder.open(): the event loop turns while the session opens', async () => {
    const open = vi.spyOn(NvencEncoder, 'open');
    const encoder = new VideoEncoder({ output: () => {}, error: () => {} });
    const { turns } = await turnsDuring(async () => {
      encoder.configure({ codec: 'avc1.640028', width: 1920, height: 1080 });
      await encoder.flush(); // the configure message has run once the flush behind it resolves
    });
    encoder.close();
    expect(open).toHaveBeenCalled();
    expect(turns).toBeGreaterThan(2);
  });

  it('a bitrate-only configure() reconfigures the session on its worker (reconfigureAsync), never the blocking reconfigure()', async () => {
    const sync = vi.spyOn(NvencEncoder.prototype, 'reconfigure');
    const async_ = vi.spyOn(NvencEncoder.prototype, 'reconfigureAsync');
    const open = vi.spyOn(NvencEncoder, 'open');
    const types: string[] = [];
    const encoder = new VideoEncoder({ output: (c) => types.push(c.type), error: () => {} });
    const config: VideoEncoderConfig = { codec: 'hvc1.1.6.L93.B0', width: W, height: H, bitrate: 200_000 };
    encoder.configure(config);
    for (let i = 0; i < 6; i++) {
      if (i === 3) encoder.configure({ ...config, bitrate: 800_000 });
      const f = noise(i);
      encoder.encode(f);
      f.close();
    }
    await encoder.flush();
    encoder.close();
    expect(open).toHaveBeenCalledTimes(1);
    expect(async_).toHaveBeenCalledWith({ bitrate: 800_000 });
    expect(sync).not.toHaveBeenCalled();
    expect(types).toHaveLength(6);
  });

  it('a reset() while the session opens drops it: no output, no error, state unconfigured, and the next configure works', async () => {
    const errors: DOMException[] = [];
    const encoder = new VideoEncoder({ output: () => {}, error: (e) => errors.push(e) });
    encoder.configure({ codec: 'avc1.42001f', width: W, height: H });
    const flushed = encoder.flush();
    encoder.reset(); // spec Reset: pending flushes reject with AbortError
    await expect(flushed).rejects.toMatchObject({ name: 'AbortError' });
    expect(encoder.state).toBe('unconfigured');
    const chunks: string[] = [];
    const again = new VideoEncoder({ output: (c) => chunks.push(c.type), error: (e) => errors.push(e) });
    again.configure({ codec: 'avc1.42001f', width: W, height: H });
    const frame = noise(1);
    again.encode(frame);
    frame.close();
    await again.flush();
    again.close();
    encoder.close();
    expect(chunks).toEqual(['key']);
    expect(errors).toEqual([]);
  });
});

describe('isConfigSupported()', () => {
  it('answers from capabilities kept per device and codec: many sizes, at most one capability session', async () => {
    const open = vi.spyOn(NvencEncoder, 'open');
    const answers: boolean[] = [];
    for (const [w, h] of [
      [176, 144],
      [640, 480],
      [1280, 720],
      [1920, 1080],
      [3840, 2160],
    ] as const)
      answers.push((await VideoEncoder.isConfigSupported({ codec: 'avc1.640033', width: w, height: h })).supported);
    expect(answers).toEqual([true, true, true, true, true]);
    // Once per process for (no-preference, h264, high): maybe already asked by an earlier test.
    expect(open.mock.calls.length).toBeLessThanOrEqual(1);
  });

  // Each row: a config and why the answer is what it is. configure() opens the real session; the
  // capability answer must agree with it.
  const table: [string, VideoEncoderConfig][] = [
    ['H.264 High at its level', { codec: 'avc1.64001f', width: 1280, height: 720 }],
    ['odd width (4:2:0 needs even sizes)', { codec: 'avc1.64001f', width: 321, height: 240 }],
    ['larger than the level allows', { codec: 'avc1.42000a', width: 1280, height: 720 }],
    ['HEVC Main', { codec: 'hvc1.1.6.L93.B0', width: 640, height: 360 }],
    ['AV1 Main 8-bit', { codec: 'av01.0.04M.08', width: 640, height: 360 }],
    ['quantizer mode', { codec: 'avc1.42001f', width: 320, height: 240, bitrateMode: 'quantizer' }],
    ['bitrate below what NVENC takes', { codec: 'avc1.42001f', width: 320, height: 240, bitrate: 10 }],
    ['prefer-software', { codec: 'avc1.42001f', width: 320, height: 240, hardwareAcceleration: 'prefer-software' }],
  ];
  it.each(table)('agrees with configure(): %s', async (_why, config) => {
    const { supported } = await VideoEncoder.isConfigSupported(config);
    const r = await encodeAll(config, []);
    expect(r.errors.map((e) => e.name)).toEqual(supported ? [] : ['NotSupportedError']);
  });
});

describe('per-frame quantizer (bitrateMode quantizer)', () => {
  it('changes the QP of the running session: one session for the whole stream, and the sizes follow the quantizer', async () => {
    const open = vi.spyOn(NvencEncoder, 'open');
    const frames = Array.from({ length: 12 }, (_, i) => noise(i));
    const config: VideoEncoderConfig = { codec: 'avc1.42001f', width: W, height: H, bitrateMode: 'quantizer' };
    const chunks: { type: string; bytes: number; config: boolean }[] = [];
    const encoder = new VideoEncoder({
      output: (chunk, metadata) =>
        chunks.push({ type: chunk.type, bytes: chunk.byteLength, config: metadata.decoderConfig !== undefined }),
      error: (e) => {
        throw e;
      },
    });
    encoder.configure(config);
    frames.forEach((f, i) => {
      encoder.encode(f, { avc: { quantizer: i < 6 ? 18 : 42 } });
      f.close();
    });
    await encoder.flush();
    encoder.close();
    expect(open).toHaveBeenCalledTimes(1);
    const mean = (a: { bytes: number }[]): number => a.reduce((s, c) => s + c.bytes, 0) / a.length;
    expect(mean(chunks.slice(7))).toBeLessThan(mean(chunks.slice(1, 6)) / 2);
    // "Output EncodedVideoChunks": a decoderConfig only when the output config changes, and a change
    // only on a key chunk (the software device restarts libx264 at a QP change: a new IDR whose
    // PPS carries the new pic_init_qp; NVIDIA's NVENC changes the QP without one).
    expect(chunks[0]).toMatchObject({ type: 'key', config: true });
    for (const c of chunks.filter((x) => x.config)) expect(c.type).toBe('key');
  });

  it("AV1: the quantizer (0–63) follows NVENC's qindex scale, and the sizes follow the quantizer", async () => {
    const frames = Array.from({ length: 8 }, (_, i) => noise(i));
    const sizes: number[] = [];
    const encoder = new VideoEncoder({
      output: (chunk) => sizes.push(chunk.byteLength),
      error: (e) => {
        throw e;
      },
    });
    encoder.configure({ codec: 'av01.0.04M.08', width: W, height: H, bitrateMode: 'quantizer' });
    frames.forEach((f, i) => {
      encoder.encode(f, { av1: { quantizer: i < 4 ? 10 : 50 } });
      f.close();
    });
    await encoder.flush();
    encoder.close();
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    // Quantizer 50 (qindex 200) against 10 (qindex 40): far fewer bytes. Two bugs gave equal
    // sizes before: encode() read the quantizer member of the codec before the queued configure()
    // had set it (avc's, for every codec), and the software device clamped NVENC's AV1 qindex
    // (0–255) to SVT-AV1's 0–63 qp instead of scaling it (qindex 40 and 200 both became 63).
    expect(mean(sizes.slice(5))).toBeLessThan(mean(sizes.slice(0, 4)) * 0.75);
  });

  it('without a quantizer in the options the frame keeps the QP in use', async () => {
    const frames = Array.from({ length: 6 }, (_, i) => noise(i));
    const r = await encodeAll({ codec: 'avc1.42001f', width: W, height: H, bitrateMode: 'quantizer' }, frames);
    expect(r.errors).toEqual([]);
    expect(r.chunks.map((c) => c.type)).toEqual(['key', 'delta', 'delta', 'delta', 'delta', 'delta']);
  });
});
