// reconfigure() changes bitrate and frame rate of the running stream without a new IDR, as NVENC
// does; only a size change or forceKeyframe starts a new one. Proven on the software device's
// H.264 engine (libx264, reconfigured in place).
import { describe, expect, it } from 'vitest';
import { NvencEncoder } from '../src/encoder.js';
import { frameLayout } from '../src/frame.js';
import type { Packet } from '../src/types.js';
import { noiseFrame } from './helpers/pattern.js';
import { hasSoftwareDevice, softwareSkipReason } from './helpers/software.js';

const W = 320;
const H = 240;

function run(enc: NvencEncoder, from: number, count: number, size: [number, number] = [W, H]): Packet[] {
  const out: Packet[] = [];
  for (let i = from; i < from + count; i++)
    out.push(...enc.encode(noiseFrame(frameLayout('nv12', size[0], size[1]).frameBytes, i + 1), { seq: i }));
  return out;
}

const keyframeSeqs = (packets: Packet[]): number[] => packets.filter((p) => p.keyframe).map((p) => p.seq);
const open = (): NvencEncoder =>
  new NvencEncoder({
    width: W,
    height: H,
    inputFormat: 'nv12',
    codec: 'h264',
    bitrate: 150_000,
    fps: 30,
    device: 'software',
  });
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

describe.skipIf(!hasSoftwareDevice)(
  `reconfigure without an IDR${softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : ''}`,
  () => {
    it('a bitrate-only change takes effect with no new IDR', () => {
      using enc = open();
      const before = run(enc, 0, 20);
      enc.reconfigure({ bitrate: 1_500_000 });
      const after = [...run(enc, 20, 20), ...enc.flush()];
      expect(keyframeSeqs([...before, ...after])).toEqual([0]);
      const ratio = mean(after.slice(5).map((p) => p.data.length)) / mean(before.slice(5).map((p) => p.data.length));
      console.log(
        `bitrate-only reconfigure: bytes/frame ×${ratio.toFixed(2)} for ×10 bitrate, keyframes at ${keyframeSeqs([...before, ...after])}`,
      );
      expect(ratio).toBeGreaterThan(3);
    });

    it('an fps-only change (including 29.97 and { num, den }) keeps the stream going with no new IDR', () => {
      using enc = open();
      const packets = run(enc, 0, 10);
      enc.reconfigure({ fps: 15 });
      packets.push(...run(enc, 10, 10));
      enc.reconfigure({ fps: 29.97 });
      packets.push(...run(enc, 20, 5));
      enc.reconfigure({ fps: { num: 60, den: 1 }, bitrate: 300_000 });
      packets.push(...run(enc, 25, 5), ...enc.flush());
      expect(packets.map((p) => p.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(keyframeSeqs(packets)).toEqual([0]);
    });

    it('at half the frame rate the same bitrate buys about twice the bytes per frame', () => {
      // 2 Mbit/s: well above what even noise needs at the coarsest quantiser, so rate control decides.
      using enc = new NvencEncoder({
        width: W,
        height: H,
        inputFormat: 'nv12',
        codec: 'h264',
        bitrate: 2_000_000,
        fps: 30,
        device: 'software',
      });
      const at30 = run(enc, 0, 20);
      enc.reconfigure({ fps: 15 });
      const at15 = run(enc, 20, 20);
      const ratio = mean(at15.slice(5).map((p) => p.data.length)) / mean(at30.slice(5).map((p) => p.data.length));
      console.log(`fps-only reconfigure 30 → 15: bytes/frame ×${ratio.toFixed(2)}`);
      expect(keyframeSeqs([...at30, ...at15])).toEqual([0]);
      expect(ratio).toBeGreaterThan(1.5);
      expect(ratio).toBeLessThan(3);
    });

    it('a size change starts with an IDR, as on NVENC', () => {
      using enc = new NvencEncoder({
        width: W,
        height: H,
        inputFormat: 'nv12',
        codec: 'h264',
        bitrate: 500_000,
        device: 'software',
      });
      const packets = run(enc, 0, 5);
      enc.reconfigure({ width: 160, height: 120 });
      packets.push(...run(enc, 5, 5, [160, 120]), ...enc.flush());
      expect(keyframeSeqs(packets)).toEqual([0, 5]);
    });

    it('reconfigureAsync() runs on the worker in order with encodeAsync(): the same stream, no new IDR', async () => {
      using enc = open();
      const frames = (from: number, n: number): Promise<Packet[]>[] =>
        Array.from({ length: n }, (_, k) =>
          enc.encodeAsync(noiseFrame(frameLayout('nv12', W, H).frameBytes, from + k + 1), { seq: from + k }),
        );
      // Queued behind the first 20 encodes and ahead of the next 20, without waiting for either.
      const before = frames(0, 20);
      const change = enc.reconfigureAsync({ bitrate: 1_500_000 });
      const after = frames(20, 20);
      await change;
      expect(enc.options.bitrate).toBe(1_500_000);
      const a = (await Promise.all(before)).flat();
      const b = [...(await Promise.all(after)).flat(), ...(await enc.flushAsync())];
      expect(keyframeSeqs([...a, ...b])).toEqual([0]);
      const ratio = mean(b.slice(5).map((p) => p.data.length)) / mean(a.slice(5).map((p) => p.data.length));
      expect(ratio).toBeGreaterThan(3);
    });

    it('a size change by reconfigureAsync() applies to frames submitted after it, without awaiting it', async () => {
      using enc = open();
      const small = frameLayout('nv12', 160, 120).frameBytes;
      const first = enc.encodeAsync(noiseFrame(frameLayout('nv12', W, H).frameBytes, 1), { seq: 0 });
      const change = enc.reconfigureAsync({ width: 160, height: 120 });
      // The worker encodes this frame after the change: it is judged at the new size.
      const resized = enc.encodeAsync(noiseFrame(small, 2), { seq: 1 });
      expect(enc.qpMapLength).toBe(10 * 8);
      // A frame of the old size would be read as the new one (sheared): refused.
      await expect(enc.encodeAsync(noiseFrame(frameLayout('nv12', W, H).frameBytes, 3))).rejects.toMatchObject({
        name: 'InvalidFrameError',
      });
      await change;
      const packets = [...(await first), ...(await resized), ...(await enc.flushAsync())];
      expect(keyframeSeqs(packets)).toEqual([0, 1]);
    });

    it('a reconfigureAsync() the session rejects restores the previous size', async () => {
      using enc = open();
      // The software device's fault injection loses the device at the next picture: that encode
      // and the size change queued behind it both fail on the worker, after TypeScript applied it.
      process.env['NVENC_SOFT_FAULT'] = 'lost@1';
      try {
        const lost = enc.encodeAsync(noiseFrame(frameLayout('nv12', W, H).frameBytes, 1));
        const change = enc.reconfigureAsync({ width: 160, height: 120 });
        expect(enc.options.width).toBe(160);
        await expect(lost).rejects.toMatchObject({ code: 'NV_ENC_ERR_DEVICE_NOT_EXIST' });
        await expect(change).rejects.toMatchObject({ code: 'NV_ENC_ERR_DEVICE_NOT_EXIST' });
        expect([enc.options.width, enc.options.height]).toEqual([W, H]);
      } finally {
        delete process.env['NVENC_SOFT_FAULT'];
      }
    });

    it('reconfigureAsync() rejects with the typed error reconfigure() throws', async () => {
      using enc = open();
      await expect(enc.reconfigureAsync({ width: 100_000 })).rejects.toMatchObject({ name: 'InvalidOptionError' });
      enc.close();
      await expect(enc.reconfigureAsync({ bitrate: 1 })).rejects.toMatchObject({ name: 'EncoderClosedError' });
    });

    it('forceKeyframe asks for one: the next frame is an IDR', () => {
      using enc = open();
      const packets = run(enc, 0, 5);
      enc.reconfigure({ bitrate: 300_000, forceKeyframe: true });
      packets.push(...run(enc, 5, 5), ...enc.flush());
      expect(keyframeSeqs(packets)).toEqual([0, 5]);
    });
  },
);

describe.skipIf(!hasSoftwareDevice)(
  `per-frame constant QP${softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : ''}`,
  () => {
    const cqp = (qp: number): NvencEncoder =>
      new NvencEncoder({
        width: W,
        height: H,
        inputFormat: 'nv12',
        codec: 'h264',
        rateControl: 'cqp',
        qp,
        gop: 1000,
        device: 'software',
      });
    const frame = (i: number): Buffer => noiseFrame(frameLayout('nv12', W, H).frameBytes, i + 1);

    it('encode(frame, { qp }) changes the QP in the same session (nvEncReconfigureEncoder), in call order', async () => {
      using enc = cqp(20);
      const packets: Packet[] = [];
      for (let i = 0; i < 20; i++) packets.push(...(await enc.encodeAsync(frame(i), { seq: i, qp: i < 10 ? 20 : 40 })));
      packets.push(...(await enc.flushAsync()));
      expect(packets.map((p) => p.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      const at = (from: number, to: number): number =>
        mean(packets.filter((p) => p.seq > from && p.seq < to).map((p) => p.data.length));
      // QP 40 quantises about 10× coarser than QP 20 (the step doubles every 6): far fewer bytes.
      expect(at(10, 20)).toBeLessThan(at(0, 10) / 2);
      // libx264 cannot change its constant QP in place (x264_encoder_reconfig does not take
      // i_qp_constant), so the software device restarts its engine: a new IDR where the QP changed.
      // NVIDIA's NVENC applies a rate-control reconfigure without one; this is the device's limit.
      expect(keyframeSeqs(packets)).toEqual([0, 10]);
    });

    it('the same QP again is no change: no reconfigure, no IDR', () => {
      using enc = cqp(30);
      const packets: Packet[] = [];
      for (let i = 0; i < 8; i++) packets.push(...enc.encode(frame(i), { seq: i, qp: 30 }));
      packets.push(...enc.flush());
      expect(keyframeSeqs(packets)).toEqual([0]);
    });

    it('qp without rateControl cqp, or out of range, is an InvalidOptionError naming qp', () => {
      using vbr = open();
      expect(() => vbr.encode(frame(0), { qp: 30 })).toThrow(expect.objectContaining({ option: 'qp' }));
      using enc = cqp(30);
      expect(() => enc.encode(frame(0), { qp: 52 })).toThrow(expect.objectContaining({ option: 'qp' }));
    });
  },
);
