/** Node-side behaviour the browser cannot show: devices, bitstream formats, frame layouts, colour. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NvencEncoder, SessionLimitError, splitAnnexB } from '@nvenc-ts/nvenc';
import { afterAll, describe, expect, it } from 'vitest';
import { VideoEncoder, VideoFrame, type VideoEncoderConfig } from '../src/index.js';
import { softwareDeviceBuffer } from './helpers/device-memory.js';
import { encodeAll } from './helpers/encode.js';
import { nvidiaUsable } from './helpers/nvidia.js';

const W = 64;
const H = 48;
const H264: VideoEncoderConfig = { codec: 'avc1.42001f', width: W, height: H };
const tmp = mkdtempSync(join(tmpdir(), 'webcodecs-encoder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A picture with structure (so the encoder's output depends on every plane): Y ramp, U/V bands. */
function yuv(x: number, y: number): [number, number, number] {
  return [16 + ((x * 3 + y * 2) % 200), 64 + ((x >> 2) % 4) * 32, 200 - ((y >> 2) % 4) * 32];
}

function nv12(timestamp = 0): VideoFrame {
  const data = new Uint8Array(W * H * 1.5);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = yuv(x, y)[0];
  for (let y = 0; y < H / 2; y++)
    for (let x = 0; x < W / 2; x++) {
      const [, u, v] = yuv(x * 2, y * 2);
      data[W * H + y * W + x * 2] = u;
      data[W * H + y * W + x * 2 + 1] = v;
    }
  return new VideoFrame(data, { format: 'NV12', codedWidth: W, codedHeight: H, timestamp });
}

function i420(timestamp = 0): VideoFrame {
  const data = new Uint8Array(W * H * 1.5);
  const q = (W / 2) * (H / 2);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = yuv(x, y)[0];
  for (let y = 0; y < H / 2; y++)
    for (let x = 0; x < W / 2; x++) {
      const [, u, v] = yuv(x * 2, y * 2);
      data[W * H + y * (W / 2) + x] = u;
      data[W * H + q + y * (W / 2) + x] = v;
    }
  return new VideoFrame(data, { format: 'I420', codedWidth: W, codedHeight: H, timestamp });
}

/** NV12 inside a larger, padded buffer: 8 pixels of border, a 96-byte stride, planes apart. */
function nv12Padded(timestamp = 0): VideoFrame {
  const cw = W + 16;
  const ch = H + 16;
  const stride = 96;
  const uvOffset = stride * ch + 32;
  const data = new Uint8Array(uvOffset + stride * (ch / 2)).fill(7);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[(y + 8) * stride + x + 8] = yuv(x, y)[0];
  for (let y = 0; y < H / 2; y++)
    for (let x = 0; x < W / 2; x++) {
      const [, u, v] = yuv(x * 2, y * 2);
      data[uvOffset + (y + 4) * stride + 8 + x * 2] = u;
      data[uvOffset + (y + 4) * stride + 8 + x * 2 + 1] = v;
    }
  return new VideoFrame(data, {
    format: 'NV12',
    codedWidth: cw,
    codedHeight: ch,
    timestamp,
    layout: [
      { offset: 0, stride },
      { offset: uvOffset, stride },
    ],
    visibleRect: { x: 8, y: 8, width: W, height: H },
  });
}

function rgb(format: 'RGBA' | 'RGBX' | 'BGRA' | 'BGRX', timestamp = 0): VideoFrame {
  const data = new Uint8Array(W * H * 4);
  for (let p = 0; p < W * H; p++) {
    const r = (p * 7) % 256;
    const g = (p >> 3) % 256;
    const b = 255 - ((p * 3) % 256);
    const x = format.endsWith('X') ? (p * 13) % 256 : 255; // the X byte must not matter
    data.set(format.startsWith('RGB') ? [r, g, b, x] : [b, g, r, x], p * 4);
  }
  return new VideoFrame(data, { format, codedWidth: W, codedHeight: H, timestamp });
}

describe('hardwareAcceleration', () => {
  it.skipIf(nvidiaUsable)(
    "prefer-hardware means NVIDIA's driver only: unsupported here, and configure closes with NotSupportedError naming it",
    async () => {
      const config = { ...H264, hardwareAcceleration: 'prefer-hardware' as const };
      expect((await VideoEncoder.isConfigSupported(config)).supported).toBe(false);
      const r = await encodeAll(config, []);
      expect(r.errors.map((e) => [e.name, e instanceof DOMException])).toEqual([['NotSupportedError', true]]);
      expect(r.errors[0]!.message).toMatch(/prefer-hardware needs the NVIDIA driver/);
      expect(r.encoder.state).toBe('closed');
    },
  );

  it('prefer-software uses the software device and says so', async () => {
    const r = await encodeAll({ ...H264, hardwareAcceleration: 'prefer-software' }, [nv12()]);
    expect(r.encoder.encoderDevice).toMatchObject({
      kind: 'software',
      software: true,
      name: 'nvenc-ts software CUDA device',
    });
    expect(r.chunks).toHaveLength(1);
  });

  it.skipIf(nvidiaUsable)(
    "prefer-software first does not keep NVIDIA's driver out of the process: prefer-hardware afterwards gets the driver's own answer",
    () => {
      // A fresh process: which library pair loads first decides who holds the libcuda.so.1 soname.
      const code = `
        import { VideoEncoder } from '@nvenc-ts/webcodecs';
        const base = { codec: 'avc1.42001f', width: 64, height: 48 };
        const soft = await VideoEncoder.isConfigSupported({ ...base, hardwareAcceleration: 'prefer-software' });
        const errors = [];
        const e = new VideoEncoder({ output() {}, error: (x) => errors.push(x.name + ': ' + x.message) });
        e.configure({ ...base, hardwareAcceleration: 'prefer-hardware' });
        await e.flush().catch(() => {});
        console.log(JSON.stringify({ soft: soft.supported, errors }));`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
        cwd: new URL('..', import.meta.url).pathname,
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout) as { soft: boolean; errors: string[] };
      expect(out.soft).toBe(true);
      expect(out.errors).toHaveLength(1);
      expect(out.errors[0]).toMatch(/^NotSupportedError: .*prefer-hardware needs the NVIDIA driver/);
      // Before: "NVIDIA's driver was asked for by name, but in this process libcuda.so.1 (...) is the software NVENC device".
      expect(out.errors[0]).not.toMatch(/software NVENC device/);
    },
  );

  it.skipIf(nvidiaUsable)(
    'no-preference falls back to the software device when no NVIDIA session opens, with the reason',
    async () => {
      const r = await encodeAll(H264, [nv12()]);
      expect(r.encoder.encoderDevice?.kind).toBe('software');
      expect(r.encoder.encoderDevice?.reason).toMatch(
        /^no-preference: NVIDIA not usable \(.+\); using the software device/,
      );
    },
  );
});

describe('isConfigSupported', () => {
  it('answers from a real session: false while the device is full, true once sessions are free (a full device is not cached)', async () => {
    const config: VideoEncoderConfig = { codec: 'avc1.4d401f', width: 96, height: 64, bitrate: 123_000 };
    const held: NvencEncoder[] = [];
    try {
      for (let i = 0; i < 64; i++) held.push(new NvencEncoder({ width: 64, height: 48, device: 'software' }));
      throw new Error('the software device never reported its session limit');
    } catch (err) {
      expect(err).toBeInstanceOf(SessionLimitError);
      expect((await VideoEncoder.isConfigSupported(config)).supported).toBe(false);
    } finally {
      for (const e of held) e.close();
    }
    expect((await VideoEncoder.isConfigSupported(config)).supported).toBe(true);
  });
});

describe('bitstream formats and decoderConfig', () => {
  it("avc format: length-prefixed NAL units without parameter sets, and an avcC holding the stream's SPS/PPS", async () => {
    const avc = await encodeAll({ ...H264, avc: { format: 'avc' } }, [nv12(0), nv12(1)]);
    const annexb = await encodeAll({ ...H264, avc: { format: 'annexb' } }, [nv12(0), nv12(1)]);
    const first = avc.chunks[0]!.bytes;
    const types: number[] = [];
    for (let at = 0; at < first.length;) {
      const len = new DataView(first.buffer, first.byteOffset + at).getUint32(0);
      types.push(first[at + 4]! & 0x1f);
      at += 4 + len;
      if (at === first.length) break;
      expect(at).toBeLessThan(first.length);
    }
    expect(types).not.toContain(7);
    expect(types).not.toContain(8);
    expect(types).toContain(5); // IDR slice
    const nals = splitAnnexB(annexb.chunks[0]!.bytes);
    const sps = nals.find((n) => (n[0]! & 0x1f) === 7)!;
    const pps = nals.find((n) => (n[0]! & 0x1f) === 8)!;
    const d = new Uint8Array(avc.metadata[0]!.decoderConfig!.description!);
    expect([d[0], d[1], d[4], d[5]! & 0x1f]).toEqual([1, sps[1], 0xff, 1]);
    expect(Array.from(d.subarray(8, 8 + sps.length))).toEqual(Array.from(sps));
    expect(Array.from(d.subarray(8 + sps.length + 3, 8 + sps.length + 3 + pps.length))).toEqual(Array.from(pps));
    expect(annexb.metadata[0]!.decoderConfig!.description).toBeUndefined();
    expect(avc.metadata[0]!.decoderConfig!.codec).toBe(annexb.metadata[0]!.decoderConfig!.codec);
    expect(avc.metadata[0]!.decoderConfig!.codec).toMatch(/^avc1\.42/);
  });

  it('hevc format: an hvcC with Main profile and VPS, SPS, PPS arrays; hev1 keeps its prefix', async () => {
    const r = await encodeAll({ codec: 'hev1.1.6.L93.B0', width: W, height: H }, [nv12()]);
    const dc = r.metadata[0]!.decoderConfig!;
    expect(dc.codec).toMatch(/^hev1\.1\.6\.L\d+\./);
    const d = new Uint8Array(dc.description!);
    expect([d[0], d[1]! & 0x1f, d[21]! & 3, d[22]]).toEqual([1, 1, 3, 3]);
    const arrayTypes: number[] = [];
    let at = 23;
    for (let i = 0; i < 3; i++) {
      arrayTypes.push(d[at]! & 0x3f);
      const count = (d[at + 1]! << 8) | d[at + 2]!;
      at += 3;
      for (let k = 0; k < count; k++) at += 2 + ((d[at]! << 8) | d[at + 1]!);
    }
    expect(arrayTypes).toEqual([32, 33, 34]);
    expect(at).toBe(d.length);
  });

  it('the colour space of YUV frames is signalled in the stream and reported in decoderConfig', async () => {
    const data = new Uint8Array(W * H * 1.5).fill(90);
    const bt601 = new VideoFrame(data, {
      format: 'I420',
      codedWidth: W,
      codedHeight: H,
      timestamp: 0,
      colorSpace: { primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: true },
    });
    const r = await encodeAll({ ...H264, avc: { format: 'annexb' } }, [bt601]);
    expect(r.metadata[0]!.decoderConfig!.colorSpace).toEqual({
      primaries: 'smpte170m',
      transfer: 'smpte170m',
      matrix: 'smpte170m',
      fullRange: true,
    });
    const file = join(tmp, 'bt601.h264');
    writeFileSync(file, r.chunks[0]!.bytes);
    const probe = spawnSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-show_entries',
        'stream=color_primaries,color_transfer,color_space,color_range',
        '-of',
        'csv=p=0',
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(probe.stdout.trim()).toBe('pc,smpte170m,smpte170m,smpte170m');
  });
});

describe('frames reach NVENC as the same picture whatever their layout', () => {
  it('NV12, I420 and padded/cropped NV12 of one picture encode to identical bytes', async () => {
    const a = await encodeAll(H264, [nv12()]);
    const b = await encodeAll(H264, [i420()]);
    const c = await encodeAll(H264, [nv12Padded()]);
    expect(a.errors).toEqual([]);
    expect(Buffer.from(b.chunks[0]!.bytes).equals(Buffer.from(a.chunks[0]!.bytes))).toBe(true);
    expect(Buffer.from(c.chunks[0]!.bytes).equals(Buffer.from(a.chunks[0]!.bytes))).toBe(true);
  });

  it('a frame of another format reopens the session after the old one is drained: every frame comes out, in order', async () => {
    const chunks: EncodedVideoChunk[] = [];
    const errors: string[] = [];
    const enc = new VideoEncoder({ output: (c) => chunks.push(c), error: (e) => errors.push(e.message) });
    enc.configure(H264);
    for (const make of [nv12, nv12, () => rgb('RGBA'), nv12]) {
      const f = make();
      enc.encode(f);
      f.close();
    }
    await enc.flush();
    enc.close();
    expect(errors).toEqual([]);
    expect(chunks).toHaveLength(4);
    // Each new session starts with a key chunk: frames 0, 2 (RGBA) and 3 (back to NV12).
    expect(chunks.map((c) => c.type)).toEqual(['key', 'delta', 'key', 'key']);
  });

  it('RGBA, RGBX, BGRA and BGRX of one picture encode to identical bytes (X ignored)', async () => {
    const results = [];
    for (const format of ['RGBA', 'RGBX', 'BGRA', 'BGRX'] as const)
      results.push((await encodeAll(H264, [rgb(format)])).chunks[0]!.bytes);
    for (const r of results.slice(1)) expect(Buffer.from(r).equals(Buffer.from(results[0]!))).toBe(true);
  });
});

describe('encode options', () => {
  it("bitrateMode 'quantizer': a lower avc.quantizer gives a larger picture", async () => {
    const sizes = [];
    for (const quantizer of [10, 45]) {
      const bytes: number[] = [];
      const enc = new VideoEncoder({
        output: (chunk) => bytes.push(chunk.byteLength),
        error: (e) => bytes.push(-1, e.code),
      });
      enc.configure({ ...H264, bitrateMode: 'quantizer' });
      const f = rgb('RGBA');
      enc.encode(f, { avc: { quantizer } });
      f.close();
      await enc.flush();
      enc.close();
      sizes.push(bytes[0]!);
    }
    expect(sizes[0]).toBeGreaterThan(sizes[1]! * 2);
  });

  it('an out-of-range quantizer is a TypeError', async () => {
    const enc = new VideoEncoder({ output: () => {}, error: () => {} });
    enc.configure({ ...H264, bitrateMode: 'quantizer' });
    const f = nv12();
    expect(() => enc.encode(f, { avc: { quantizer: 52 } })).toThrow(TypeError);
    f.close();
    enc.close();
  });
});

describe('VideoFrame', () => {
  it('transfer takes the buffer over without a copy (the caller’s ArrayBuffer is detached) and keeps its pixels', async () => {
    const buffer = new ArrayBuffer(W * H * 4 + 8);
    const view = new Uint8Array(buffer, 8);
    for (let i = 0; i < view.length; i++) view[i] = i & 0xff;
    const f = new VideoFrame(view, {
      format: 'RGBA',
      codedWidth: W,
      codedHeight: H,
      timestamp: 0,
      transfer: [buffer],
    });
    expect(buffer.byteLength).toBe(0);
    expect(f.allocationSize()).toBe(W * H * 4);
    // The frame reads the bytes the view showed (its offset kept), not the detached, empty view.
    const out = new Uint8Array(W * H * 4);
    await f.copyTo(out);
    expect(out.subarray(0, 4)).toEqual(new Uint8Array([0, 1, 2, 3]));
    expect(out[W * H * 4 - 1]).toBe((W * H * 4 - 1) & 0xff);
    f.close();
  });

  it('copyTo writes the visible rectangle tightly packed', async () => {
    const f = nv12Padded();
    const out = new Uint8Array(f.allocationSize());
    const layout = await f.copyTo(out);
    expect(layout).toEqual([
      { offset: 0, stride: W },
      { offset: W * H, stride: W },
    ]);
    const ref = nv12();
    const tight = new Uint8Array(ref.allocationSize());
    await ref.copyTo(tight);
    expect(Buffer.from(out).equals(Buffer.from(tight))).toBe(true);
    f.close();
    ref.close();
  });

  it('extension: a frame in CUDA device memory (pitched NV12) encodes to the same bytes as the host frame', async () => {
    const pitch = 128; // padded rows: NVENC reads the pitch, not the width
    const host = nv12();
    const tight = new Uint8Array(host.allocationSize());
    await host.copyTo(tight);
    const pitched = new Uint8Array(pitch * H * 1.5);
    for (let row = 0; row < H * 1.5; row++) pitched.set(tight.subarray(row * W, row * W + W), row * pitch);
    const memory = softwareDeviceBuffer(pitched.length);
    try {
      memory.upload(pitched);
      const device = new VideoFrame(
        { devicePtr: memory.ptr, pitch },
        { format: 'NV12', codedWidth: W, codedHeight: H, timestamp: 0 },
      );
      const fromDevice = await encodeAll(H264, [device], [], (encoder) =>
        expect(encoder.releaseCudaDeviceMemory(memory.ptr)).toBe(true),
      );
      const fromHost = await encodeAll(H264, [host]);
      expect(fromDevice.errors).toEqual([]);
      expect(Buffer.from(fromDevice.chunks[0]!.bytes).equals(Buffer.from(fromHost.chunks[0]!.bytes))).toBe(true);
    } finally {
      memory.free();
    }
  });

  it('extension: wraps CUDA device memory with a pitch, and refuses what NVENC cannot read', async () => {
    const f = new VideoFrame(
      { devicePtr: 0x7f00_0000_0000n, pitch: 256 },
      { format: 'NV12', codedWidth: W, codedHeight: H, timestamp: 5 },
    );
    expect(f.cudaDeviceMemory).toEqual({ devicePtr: 0x7f00_0000_0000n, pitch: 256 });
    expect(f.format).toBe('NV12');
    await expect(f.copyTo(new Uint8Array(10))).rejects.toThrow(/CUDA/);
    f.close();
    expect(
      () =>
        new VideoFrame({ devicePtr: 1n, pitch: 256 }, { format: 'I420', codedWidth: W, codedHeight: H, timestamp: 0 }),
    ).toThrow(TypeError);
    expect(
      () =>
        new VideoFrame({ devicePtr: 1n, pitch: 16 }, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: 0 }),
    ).toThrow(/pitch/);
    expect(
      () =>
        new VideoFrame({ devicePtr: 0n, pitch: 256 }, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: 0 }),
    ).toThrow(/devicePtr/);
  });
});
