/** NvencEncoder behaviour on the software device: keyframes, pipelining, reconfigure, errors, async, lifetime. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codecString } from '../src/codec-string.js';
import { NvencEncoder, type Packet } from '../src/encoder.js';
import { EncoderClosedError, InvalidFrameError, InvalidOptionError, NvencError } from '../src/errors.js';
import { frameLayout } from '../src/frame.js';
import { resolveDevice } from '../src/probe.js';
import type { Codec } from '../src/options.js';
import { testingApi } from './helpers/device-memory.js';
import { ffprobeJson, hasFfmpeg, makeTempDir, probeFrames } from './helpers/ffmpeg.js';
import { noiseFrame, patternFrame } from './helpers/pattern.js';
import { hasSoftwareDevice, softwareLibraries, softwareSkipReason } from './helpers/software.js';

const W = 320;
const H = 240;
const EXTENSION: Record<Codec, string> = { h264: 'h264', hevc: 'hevc', av1: 'obu' };

function software(options: Partial<ConstructorParameters<typeof NvencEncoder>[0]> = {}): NvencEncoder {
  return new NvencEncoder({
    width: W,
    height: H,
    inputFormat: 'nv12',
    bitrate: 2_000_000,
    device: 'software',
    ...options,
  });
}

function codecSupported(codec: Codec): boolean {
  using enc = software();
  return enc.getCapabilities(codec)['supported'] === 1;
}

const skipNote = softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : '';

describe.skipIf(!hasSoftwareDevice || !hasFfmpeg())(`NvencEncoder on the software device${skipNote}`, () => {
  it('resolveDevice("software") opens a test session and reports it usable', () => {
    const r = resolveDevice('software');
    expect(r.device).toBe('software');
    expect(r.usable).toBe(true);
    expect(r.session?.status).toBe(0);
    expect(r.reason).toMatch(/^the software device: .*ABI \d+\.\d+$/);
  });

  describe('info and codec string', () => {
    it('reports the ABI, the software device and the frame layout', () => {
      using enc = software({ inputFormat: 'bgra' });
      const info = enc.info;
      expect(info.software).toBe(true);
      expect(info.deviceKind).toBe('software');
      expect(['11.1', '12.1']).toContain(info.abi);
      expect(info).toMatchObject({
        width: W,
        height: H,
        codec: 'h264',
        inputFormat: 'bgra',
        pitch: W * 4,
        frameBytes: W * H * 4,
      });
      expect(info.device.length).toBeGreaterThan(0);
    });

    it("codecString of the first packet equals the session's and names the requested profile", () => {
      using enc = software({ profile: 'baseline' });
      const [first] = enc.encode(patternFrame('nv12', W, H, 0));
      expect(first?.keyframe).toBe(true);
      const fromPacket = codecString(first!.data, 'h264');
      expect(fromPacket).toMatch(/^avc1\.42[0-9a-f]{4}$/);
      expect(enc.codecString()).toBe(fromPacket);
    });
  });

  describe('forced keyframes land on the asked frames', () => {
    for (const codec of ['h264', 'hevc', 'av1'] as Codec[]) {
      it(codec, (ctx) => {
        if (codec === 'av1')
          return ctx.skip(
            'software device limitation: SVT-AV1 holds pictures on its own threads, so a 1-in-1-out client gets every AV1 picture through a flush (an IDR); see packages/nvenc-software-device/README.md',
          );
        using tmp = makeTempDir();
        using enc = software({ codec });
        const forced = new Set([4, 9]);
        const packets: Packet[] = [];
        for (let i = 0; i < 12; i++)
          packets.push(...enc.encode(patternFrame('nv12', W, H, i), { forceKeyframe: forced.has(i) }));
        packets.push(...enc.flush());
        expect(packets.length).toBe(12);
        expect(packets.filter((p) => p.keyframe).map((p) => p.frameIndex)).toEqual([0, 4, 9]);
        const file = path.join(tmp.dir, `k.${EXTENSION[codec]}`);
        writeFileSync(file, Buffer.concat(packets.map((p) => p.data)));
        const decoded = probeFrames(file);
        expect(decoded.length).toBe(12);
        expect(decoded.flatMap((f, i) => (f.keyFrame ? [i] : []))).toEqual([0, 4, 9]);
      });
    }
  });

  it('av1 with the default rate control (CBR) opens', (ctx) => {
    if (!codecSupported('av1')) return ctx.skip('the software device reports no av1 support');
    using enc = software({ codec: 'av1' });
    expect(enc.encode(patternFrame('nv12', W, H, 0))[0]?.keyframe).toBe(true);
  });

  describe('pipelined seq attribution is exact', () => {
    for (const delay of [0, 1, 2, 3, 4]) {
      it(`extraOutputDelay ${delay}: frame k's call returns frame k-${delay}; flush returns the rest`, () => {
        using enc = software({ extraOutputDelay: delay });
        const N = 10;
        const returned: Packet[][] = [];
        for (let i = 0; i < N; i++) {
          returned.push(enc.encode(patternFrame('nv12', W, H, i), { seq: 1000 + i, timestamp: i * 33.3 }));
        }
        const tail = enc.flush();
        for (let i = 0; i < N; i++) {
          expect(returned[i]!.map((p) => p.seq)).toEqual(i < delay ? [] : [1000 + i - delay]);
        }
        expect(tail.map((p) => p.seq)).toEqual(Array.from({ length: delay }, (_, j) => 1000 + N - delay + j));
        const all = [...returned.flat(), ...tail];
        expect(all.map((p) => p.frameIndex)).toEqual(Array.from({ length: N }, (_, i) => i));
        expect(all.map((p) => p.timestamp)).toEqual(Array.from({ length: N }, (_, i) => i * 33.3));
      });
    }
  });

  it('one encode() call that returns several packets gives each its own fields', () => {
    // A resize drains the frames in flight; the next call returns them together.
    using enc = software({ extraOutputDelay: 2 });
    const first: Packet[] = [];
    for (let i = 0; i < 4; i++)
      first.push(...enc.encode(patternFrame('nv12', W, H, i), { seq: 500 + i, timestamp: i * 10 }));
    enc.reconfigure({ width: W / 2, height: H / 2 });
    const several = enc.encode(patternFrame('nv12', W / 2, H / 2, 4), { seq: 504, timestamp: 40 });
    expect(several.length).toBeGreaterThan(1);
    const all = [...first, ...several, ...enc.flush()];
    expect(all.map((p) => p.seq)).toEqual([500, 501, 502, 503, 504]);
    for (const p of all) {
      expect(Buffer.isBuffer(p.data) && p.data.length > 0).toBe(true);
      expect(p.timestamp).toBe((p.seq - 500) * 10);
      expect(p.keyframe).toBe(p.pictureType === 'idr');
    }
    expect(all[4]!.keyframe).toBe(true); // a new size starts with an IDR
    expect(Object.keys(several[0]!)).toEqual([
      'data',
      'keyframe',
      'pictureType',
      'seq',
      'timestamp',
      'frameIndex',
      'slices',
    ]);
  });

  it('reconfigure changes the output bitrate', () => {
    using enc = software({ bitrate: 150_000, fps: 30 });
    const bytes = frameLayout('nv12', W, H).frameBytes;
    const sizes: number[] = [];
    for (let i = 0; i < 40; i++) {
      if (i === 20) enc.reconfigure({ bitrate: 1_500_000 });
      for (const p of enc.encode(noiseFrame(bytes, i + 1))) sizes.push(p.data.length);
    }
    for (const p of enc.flush()) sizes.push(p.data.length);
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    const before = mean(sizes.slice(5, 20));
    const after = mean(sizes.slice(25, 40));
    console.log(
      `reconfigure: ${Math.round(before)} bytes/frame at 150 kbit/s → ${Math.round(after)} bytes/frame at 1.5 Mbit/s`,
    );
    expect(after / before).toBeGreaterThan(3);
    expect(enc.info.bitrate).toBe(1_500_000);
  });

  it('reconfigure takes the fps forms its type allows: 29.97, 12.5 and { num, den }', () => {
    using enc = software({ fps: 30 });
    const bytes = frameLayout('nv12', W, H).frameBytes;
    enc.encode(noiseFrame(bytes, 1));
    enc.reconfigure({ fps: 29.97 });
    expect([enc.info.fps, enc.options.fpsNum, enc.options.fpsDen]).toEqual([30000 / 1001, 30000, 1001]);
    enc.encode(noiseFrame(bytes, 2));
    enc.reconfigure({ fps: 12.5 });
    expect([enc.options.fpsNum, enc.options.fpsDen]).toEqual([25, 2]);
    enc.reconfigure({ fps: { num: 60000, den: 1001 } });
    expect([enc.options.fpsNum, enc.options.fpsDen]).toEqual([60000, 1001]);
    expect(enc.encode(noiseFrame(bytes, 3)).length).toBe(1);
  });

  it('reconfigure validates its options', () => {
    using enc = software();
    expect(() => enc.reconfigure({ bitrate: -1 })).toThrow(InvalidOptionError);
    expect(() => enc.reconfigure({ width: 321 })).toThrow(/even/);
    expect(() => enc.reconfigure({ fps: 0 })).toThrow(InvalidOptionError);
    expect(() => enc.reconfigure({ fps: { num: 30000, den: 0 } })).toThrow(/fps\.den/);
    expect(() => enc.reconfigure({ quality: 3 } as never)).toThrow(/Unknown reconfigure option quality/);
  });

  describe('bad inputs give typed errors and the next good frame still encodes', () => {
    it('sync: wrong size, bogus device pointer, bad options', () => {
      using tmp = makeTempDir();
      using enc = software();
      const layout = frameLayout('nv12', W, H);
      const packets: Packet[] = [...enc.encode(patternFrame('nv12', W, H, 0))];

      expect(() => enc.encode(Buffer.alloc(1000))).toThrow(InvalidFrameError);
      packets.push(...enc.encode(patternFrame('nv12', W, H, 1)));

      // Passes the TypeScript checks; the native layer finds it is not CUDA memory.
      let nativeErr: unknown;
      try {
        enc.encode({ devicePtr: 0x1234000n, pitch: layout.rowBytes });
      } catch (e) {
        nativeErr = e;
      }
      expect(nativeErr).toBeInstanceOf(InvalidFrameError);
      expect((nativeErr as NvencError).phase).toBe('input');
      expect((nativeErr as Error).message).toMatch(/not CUDA device memory/);
      packets.push(...enc.encode(patternFrame('nv12', W, H, 2)));

      expect(() => enc.encode(patternFrame('nv12', W, H, 3), { seq: -1 })).toThrow(InvalidOptionError);
      packets.push(...enc.encode(patternFrame('nv12', W, H, 3)));
      packets.push(...enc.flush());

      expect(packets.length).toBe(4);
      const file = path.join(tmp.dir, 'b.h264');
      writeFileSync(file, Buffer.concat(packets.map((p) => p.data)));
      expect(probeFrames(file).length).toBe(4);
    });

    it('async: a bad frame rejects with InvalidFrameError and the next one encodes', async () => {
      using enc = software();
      await expect(enc.encodeAsync(Buffer.alloc(10))).rejects.toBeInstanceOf(InvalidFrameError);
      await expect(enc.encodeAsync({ devicePtr: 0x1234000n, pitch: W })).rejects.toBeInstanceOf(InvalidFrameError);
      const packets = await enc.encodeAsync(patternFrame('nv12', W, H, 0));
      expect(packets.length).toBe(1);
      expect(packets[0]!.keyframe).toBe(true);
    });
  });

  it('encodeAsync keeps a 1 ms setInterval firing on time', async () => {
    const w = 640;
    const h = 360;
    using enc = new NvencEncoder({ width: w, height: h, inputFormat: 'bgra', device: 'software' });
    const frames = Array.from({ length: 4 }, (_, i) => patternFrame('bgra', w, h, i));
    const N = 60;

    const measure = async (run: () => Promise<void>): Promise<{ ticks: number; maxGap: number; elapsed: number }> => {
      let last = performance.now();
      let maxGap = 0;
      let ticks = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
        ticks++;
      }, 1);
      const start = performance.now();
      await new Promise((r) => setTimeout(r, 5));
      await run();
      const elapsed = performance.now() - start;
      clearInterval(timer);
      maxGap = Math.max(maxGap, performance.now() - last);
      return { ticks, maxGap, elapsed };
    };

    const asyncRun = await measure(async () => {
      for (let i = 0; i < N; i++) await enc.encodeAsync(frames[i % frames.length]!);
    });
    const syncRun = await measure(async () => {
      for (let i = 0; i < N; i++) enc.encode(frames[i % frames.length]!);
    });
    console.log(
      `setInterval(1 ms) during ${N} encodes of ${w}x${h} bgra: encodeAsync max gap ${asyncRun.maxGap.toFixed(1)} ms, ` +
        `${asyncRun.ticks} ticks in ${asyncRun.elapsed.toFixed(0)} ms; sync encode max gap ${syncRun.maxGap.toFixed(1)} ms, ` +
        `${syncRun.ticks} ticks in ${syncRun.elapsed.toFixed(0)} ms`,
    );
    expect(asyncRun.maxGap).toBeLessThan(50);
    expect(asyncRun.ticks).toBeGreaterThan(Math.max(20, asyncRun.elapsed / 10));
  });

  it('encodeAsync calls run in the order they were made', async () => {
    using enc = software();
    const promises = Array.from({ length: 6 }, (_, i) => enc.encodeAsync(patternFrame('nv12', W, H, i), { seq: i }));
    const results = await Promise.all(promises);
    expect(results.map((r) => r.map((p) => p.seq))).toEqual([[0], [1], [2], [3], [4], [5]]);
    expect((await enc.flushAsync()).length).toBe(0);
  });

  it('150 encodeAsync calls in flight (more than the binding pools) settle once each, in submission order', async () => {
    // Completions that finish while the event loop is busy are settled together in one batch;
    // the order in which the promises settle must still be the order of the calls.
    using enc = software();
    const frame = patternFrame('nv12', W, H, 0);
    const settledSeqs: number[] = [];
    const promises = Array.from({ length: 150 }, (_, i) =>
      enc.encodeAsync(frame, { seq: i, timestamp: i * 10 }).then((packets) => {
        for (const p of packets) settledSeqs.push(p.seq);
        return packets;
      }),
    );
    const results = await Promise.all(promises);
    expect(settledSeqs).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(results.map((r) => r[0]!.timestamp)).toEqual(Array.from({ length: 150 }, (_, i) => i * 10));
    expect(results[0]![0]!.keyframe).toBe(true);
    expect(results[0]![0]!.pictureType).toBe('idr');
    expect(results[1]![0]!.pictureType).toBe('p');
  });

  describe('lifetime', () => {
    it('close is idempotent and every later call throws EncoderClosedError', async () => {
      const enc = software();
      enc.encode(patternFrame('nv12', W, H, 0));
      enc.close();
      enc.close();
      expect(enc.closed).toBe(true);
      const frame = patternFrame('nv12', W, H, 1);
      for (const call of [
        () => enc.encode(frame),
        () => enc.flush(),
        () => enc.reconfigure({ bitrate: 1_000_000 }),
        () => enc.getCapabilities('h264'),
        () => enc.allocateHostFrame(),
        () => enc.sequenceHeaders(),
        () => enc.releaseDeviceFrame(1n),
        () => enc.info,
      ]) {
        expect(call).toThrow(EncoderClosedError);
      }
      await expect(enc.encodeAsync(frame)).rejects.toBeInstanceOf(EncoderClosedError);
      await expect(enc.flushAsync()).rejects.toBeInstanceOf(EncoderClosedError);
    });

    it('`using` closes the session at the end of the block', () => {
      const counters = (): number | undefined => testingApi().softwareCounters(softwareLibraries!)?.nvencSessions;
      const before = counters();
      let escaped: NvencEncoder;
      {
        using enc = software();
        escaped = enc;
        enc.encode(patternFrame('nv12', W, H, 0));
        if (before !== undefined) expect(counters()).toBe(before + 1);
      }
      expect(escaped.closed).toBe(true);
      expect(() => escaped.encode(patternFrame('nv12', W, H, 1))).toThrow(EncoderClosedError);
      if (before !== undefined) expect(counters()).toBe(before);
    });

    it('close() with async calls queued: each settles, either with packets or EncoderClosedError', async () => {
      const enc = software();
      const pending = Array.from({ length: 5 }, (_, i) => enc.encodeAsync(patternFrame('nv12', W, H, i)));
      enc.close();
      const settled = await Promise.allSettled(pending);
      for (const s of settled) {
        if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(EncoderClosedError);
        else expect(Array.isArray(s.value)).toBe(true);
      }
    });
  });

  it('the stream decodes as the requested codec and size', () => {
    using tmp = makeTempDir();
    using enc = software({ codec: 'hevc' });
    const data = Buffer.concat([...enc.encode(patternFrame('nv12', W, H, 0)), ...enc.flush()].map((p) => p.data));
    const file = path.join(tmp.dir, 'x.hevc');
    writeFileSync(file, data);
    const streams = ffprobeJson(file, '-show_entries stream=codec_name,width,height')['streams'] as unknown[];
    expect(streams[0]).toMatchObject({ codec_name: 'hevc', width: W, height: H });
  });
});
