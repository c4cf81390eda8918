import { describe, expect, it } from 'vitest';
import { H264EncoderBackend } from '../src/backend/nvenc-backend.js';
import { EncoderBackendRegistry, type BackendCandidate } from '../src/backend/registry.js';
import type { RawFrame } from '../src/backend/types.js';
import {
  BackendClosedError,
  InvalidFrameError,
  NoBackendAvailableError,
  UnsupportedFrameError,
} from '../src/errors.js';
import { fakeEngine } from './helpers/fake-engine.js';

function bgra(seq: number, width = 64, height = 48, extra: Partial<RawFrame> = {}): RawFrame {
  return {
    seq,
    width,
    height,
    timestampUs: seq * 33_333,
    pixelFormat: 'bgra8',
    memory: 'cpu',
    data: new Uint8Array(width * height * 4),
    ...extra,
  };
}

describe('H264EncoderBackend', () => {
  it('makes the first frame a keyframe and tags it first-frame', async () => {
    const { engine } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    const [first] = await backend.encode(bgra(7));
    expect(first).toMatchObject({
      seq: 7,
      kind: 'video',
      keyframe: true,
      width: 64,
      height: 48,
      timestampUs: 7 * 33_333,
    });
    expect(first!.metadata.keyframeReason).toBe('first-frame');
    const [second] = await backend.encode(bgra(8));
    expect(second!.keyframe).toBe(false);
  });

  it('takes the codec string from the stream SPS', async () => {
    const { engine } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    const [p] = await backend.encode(bgra(0));
    expect(p!.codec).toBe('avc1.42c01f');
  });

  it('forces a keyframe when asked', async () => {
    const { engine } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    await backend.encode(bgra(0));
    await backend.encode(bgra(1));
    const [p] = await backend.encode(bgra(2), { forceKeyframe: true });
    expect(p!.keyframe).toBe(true);
    expect(p!.metadata.keyframeReason).toBe('requested');
  });

  it('inserts a periodic IDR every keyframeInterval frames', async () => {
    const { engine } = fakeEngine();
    const backend = new H264EncoderBackend(engine, { keyframeInterval: 3 });
    const keys: boolean[] = [];
    for (let i = 0; i < 8; i++) keys.push(...(await backend.encode(bgra(i))).map((p) => p.keyframe));
    expect(keys).toEqual([true, false, false, false, true, false, false, false]);
  });

  it('rebuilds the session on resize and starts it with a keyframe', async () => {
    const { engine, log } = fakeEngine();
    const backend = new H264EncoderBackend(engine, { pipelineDepth: 1 });
    await backend.encode(bgra(0, 64, 48));
    const out = await backend.encode(bgra(1, 128, 96));
    // The frame still in the old session's pipeline comes out first, at its own size.
    expect(out.map((p) => [p.seq, p.width])).toEqual([[0, 64]]);
    expect(log.closed).toBe(1);
    expect(log.opened.map((c) => [c.width, c.height])).toEqual([
      [64, 48],
      [128, 96],
    ]);
    const [resized] = await backend.encode(bgra(2, 128, 96));
    expect(resized).toMatchObject({ seq: 1, width: 128, keyframe: true });
    expect(resized!.metadata.keyframeReason).toBe('resize');
  });

  it('attributes every payload to its own frame through a pipeline of depth 2', async () => {
    const { engine } = fakeEngine();
    const backend = new H264EncoderBackend(engine, { pipelineDepth: 2 });
    const seen: number[] = [];
    for (const seq of [100, 101, 102, 103]) {
      for (const p of await backend.encode(bgra(seq, 64, 48, { timestampUs: seq * 10 }))) {
        expect(p.timestampUs).toBe(p.seq * 10);
        seen.push(p.seq);
      }
    }
    expect(seen).toEqual([100, 101]);
    seen.push(...(await backend.flush()).map((p) => p.seq));
    expect(seen).toEqual([100, 101, 102, 103]);
  });

  it('starts again with a keyframe after a flush', async () => {
    const { engine } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    await backend.encode(bgra(0));
    await backend.encode(bgra(1));
    await backend.flush();
    const [p] = await backend.encode(bgra(2));
    expect(p!.keyframe).toBe(true);
  });

  it('passes bgra8 and rgba8 to the encoder untouched, as bgra/rgba input', async () => {
    const { engine, log } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    const frame = bgra(0);
    const [p] = await backend.encode(frame);
    expect(log.opened[0]!.inputFormat).toBe('bgra');
    expect((log.frames[0]!.frame as { data: Uint8Array }).data).toBe(frame.data);
    expect(p!.metadata.inputConversion).toBe('none');
    await backend.encode({ ...bgra(1), pixelFormat: 'rgba8' });
    expect(log.opened[1]!.inputFormat).toBe('rgba');
  });

  it('converts rgb24 to bgra in a reused buffer', async () => {
    const { engine, log } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    const data = new Uint8Array(2 * 2 * 3).fill(0);
    data.set([10, 20, 30], 0);
    const [p] = await backend.encode({
      seq: 0,
      width: 2,
      height: 2,
      timestampUs: 0,
      pixelFormat: 'rgb24',
      memory: 'cpu',
      data,
    });
    expect(log.opened[0]!.inputFormat).toBe('bgra');
    expect([...log.frames[0]!.copy!.subarray(0, 4)]).toEqual([30, 20, 10, 255]);
    expect(p!.metadata.inputConversion).toBe('rgb24-to-bgra');
    await backend.encode({ seq: 1, width: 2, height: 2, timestampUs: 1, pixelFormat: 'rgb24', memory: 'cpu', data });
    const a = (log.frames[0]!.frame as { data: Uint8Array }).data;
    const b = (log.frames[1]!.frame as { data: Uint8Array }).data;
    expect(a.buffer).toBe(b.buffer);
  });

  it('interleaves yuv420p into nv12', async () => {
    const { engine, log } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 20, 21]);
    const [p] = await backend.encode({
      seq: 0,
      width: 4,
      height: 2,
      timestampUs: 0,
      pixelFormat: 'yuv420p',
      memory: 'cpu',
      data,
    });
    expect(log.opened[0]!.inputFormat).toBe('nv12');
    expect([...log.frames[0]!.copy!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 11, 21]);
    expect(p!.metadata.inputConversion).toBe('yuv420p-to-nv12');
  });

  it('passes CUDA bgra8 frames as a device pointer', async () => {
    const { engine, log } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    await backend.encode({ ...bgra(0), memory: 'cuda', data: { devicePtr: 0x7000n, pitch: 256 } });
    expect(log.frames[0]!.frame).toEqual({ devicePtr: 0x7000n, pitch: 256 });
  });

  it('refuses rgb24 in CUDA memory (no conversion kernel)', async () => {
    const { engine } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    await expect(
      backend.encode({ ...bgra(0), pixelFormat: 'rgb24', memory: 'cuda', data: { devicePtr: 1n, pitch: 192 } }),
    ).rejects.toBeInstanceOf(UnsupportedFrameError);
  });

  it('refuses a frame whose data is too short', async () => {
    const { engine } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    await expect(backend.encode({ ...bgra(0), data: new Uint8Array(10) })).rejects.toMatchObject({
      code: 'INVALID_FRAME',
    });
    await expect(backend.encode(bgra(0, 63, 48))).rejects.toBeInstanceOf(InvalidFrameError);
  });

  it('tags colour: defaults to BT.709 limited and rebuilds when it changes', async () => {
    const { engine, log } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    const [a] = await backend.encode(bgra(0));
    expect(a!.metadata.color).toEqual({ primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', range: 'limited' });
    expect(log.opened[0]!.colour).toEqual({ primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false });
    const [b] = await backend.encode(bgra(1, 64, 48, { color: { transfer: 'srgb', range: 'full' } }));
    expect(log.opened[1]!.colour).toEqual({ primaries: 'bt709', transfer: 'srgb', matrix: 'bt709', fullRange: true });
    expect(b).toMatchObject({
      keyframe: true,
      metadata: { keyframeReason: 'format-change', color: { transfer: 'srgb', range: 'full' } },
    });
  });

  it('rejects encode after close and closes the session once', async () => {
    const { engine, log } = fakeEngine();
    const backend = new H264EncoderBackend(engine);
    await backend.encode(bgra(0));
    await backend.close();
    await backend.close();
    expect(log.closed).toBe(1);
    await expect(backend.encode(bgra(1))).rejects.toBeInstanceOf(BackendClosedError);
  });
});

describe('EncoderBackendRegistry', () => {
  const candidate = (name: string, ok: boolean): BackendCandidate => ({
    name,
    probe: async () => (ok ? { ok: true, detail: `${name} works` } : { ok: false, reason: `${name} has no device` }),
    create: async (options) => new H264EncoderBackend(fakeEngine({ name }).engine, options),
  });

  it('picks the first candidate whose probe passes and says why', async () => {
    const lines: string[] = [];
    const registry = new EncoderBackendRegistry()
      .register(candidate('nvenc', false))
      .register(candidate('nvenc-software', true));
    const selection = await registry.select({ log: (l) => lines.push(l) });
    expect(selection.name).toBe('nvenc-software');
    expect(selection.backend.name).toBe('nvenc-software');
    expect(selection.attempts).toEqual([{ name: 'nvenc', reason: 'nvenc has no device' }]);
    expect(lines[0]).toMatch(/nvenc-software.*skipped nvenc: nvenc has no device/);
  });

  it('prefers hardware when it can run', async () => {
    const registry = new EncoderBackendRegistry()
      .register(candidate('nvenc', true))
      .register(candidate('nvenc-software', true));
    expect((await registry.select()).name).toBe('nvenc');
  });

  it('throws NoBackendAvailableError listing every answer when none can run', async () => {
    const registry = new EncoderBackendRegistry().register(candidate('nvenc', false));
    await expect(registry.select()).rejects.toBeInstanceOf(NoBackendAvailableError);
    await expect(registry.select()).rejects.toMatchObject({
      code: 'NO_BACKEND_AVAILABLE',
      attempts: [{ name: 'nvenc' }],
    });
  });
});

describe('countSlices', () => {
  it('counts coded-slice NAL units, not parameter sets or SEI', async () => {
    const { countSlices } = await import('../src/backend/nvenc-backend.js');
    const au = Buffer.from([
      0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x06, 5, 0, 0, 0, 1, 0x65, 0x88, 0x84, 0, 0, 1, 0x65, 0x88,
    ]);
    expect(countSlices(au)).toBe(2);
    expect(countSlices(Buffer.from([0, 0, 0, 1, 0x41, 0x9a, 0x10]))).toBe(1);
  });
});
