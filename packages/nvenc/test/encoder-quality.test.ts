/**
 * Every input kind × codec × format encodes on the software device, decodes with ffmpeg and
 * matches the source (PSNR ≥ 35 dB at a generous bitrate).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NvencEncoder } from '../src/encoder.js';
import type { NvencCapabilities } from '../src/types.js';
import { InvalidOptionError } from '../src/errors.js';
import { frameLayout } from '../src/frame.js';
import type { Codec, InputFormat } from '../src/options.js';
import { deviceBuffer } from './helpers/device-memory.js';
import { hasFfmpeg, makeTempDir, psnr, RAW_PIX_FMT } from './helpers/ffmpeg.js';
import { padRows, patternFrame } from './helpers/pattern.js';
import { hasSoftwareDevice, softwareLibraries, softwareSkipReason } from './helpers/software.js';

const W = 320;
const H = 240;
const FRAMES = 8;
const BITRATE = 4_000_000; // ~17 bits per pixel per second at 320x240x30: generous
const MIN_PSNR = 35;

const CODECS: Codec[] = ['h264', 'hevc', 'av1'];
const FORMATS: InputFormat[] = ['nv12', 'yuv444', 'bgra', 'rgba', 'p010'];
const KINDS = ['host Buffer', 'pinned allocateHostFrame', 'device pointer'] as const;
type Kind = (typeof KINDS)[number];

const EXTENSION: Record<Codec, string> = { h264: 'h264', hevc: 'hevc', av1: 'obu' };
/**
 * The software device encodes AV1 with SVT-AV1 1.4, which refuses CBR with maxBitrate = bitrate
 * (encoder-behaviour.test.ts has the CBR test); VBR keeps these quality runs about quality.
 */
const RATE: Record<Codec, { rateControl?: 'vbr'; maxBitrate?: number }> = {
  h264: {},
  hevc: {},
  av1: { rateControl: 'vbr', maxBitrate: 2 * BITRATE },
};
/** Combinations NVENC cannot encode at all: the options check refuses them up front. */
const IMPOSSIBLE: Partial<Record<`${Codec}/${InputFormat}`, RegExp>> = {
  'h264/p010': /no 10-bit H\.264/,
  'av1/yuv444': /4:2:0 only/,
};

const frames = new Map<InputFormat, Buffer[]>();
function sourceFrames(format: InputFormat): Buffer[] {
  let list = frames.get(format);
  if (!list) {
    list = Array.from({ length: FRAMES }, (_, t) => patternFrame(format, W, H, t));
    frames.set(format, list);
  }
  return list;
}

const results: { kind: Kind; codec: Codec; format: InputFormat; psnr: number; bytes: number }[] = [];

describe.skipIf(!hasSoftwareDevice || !hasFfmpeg())(
  `encode → ffmpeg decode → PSNR on the software device${softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : ''}`,
  () => {
    const caps = new Map<Codec, NvencCapabilities | null>();

    beforeAll(() => {
      using probe = new NvencEncoder({ width: W, height: H, inputFormat: 'nv12', device: 'software' });
      for (const codec of CODECS) {
        const c = probe.getCapabilities(codec);
        caps.set(codec, c['supported'] === 1 ? c : null);
      }
    });

    afterAll(() => {
      if (results.length === 0) return;
      const lines = results.map(
        (r) =>
          `${r.kind.padEnd(26)} ${r.codec.padEnd(5)} ${r.format.padEnd(7)} ${r.psnr.toFixed(2).padStart(6)} dB  ${r.bytes} bytes`,
      );
      console.log(`PSNR (${W}x${H}, ${FRAMES} frames, ${BITRATE / 1e6} Mbit/s):\n${lines.join('\n')}`);
    });

    for (const codec of CODECS) {
      for (const format of FORMATS) {
        const impossible = IMPOSSIBLE[`${codec}/${format}`];
        if (impossible) {
          it(`${codec} × ${format} is refused with InvalidOptionError`, () => {
            expect(
              () => new NvencEncoder({ width: W, height: H, codec, inputFormat: format, device: 'software' }),
            ).toThrow(InvalidOptionError);
            expect(
              () => new NvencEncoder({ width: W, height: H, codec, inputFormat: format, device: 'software' }),
            ).toThrow(impossible);
          });
          continue;
        }
        for (const kind of KINDS) {
          it(`${kind} × ${codec} × ${format}: decodes with PSNR ≥ ${MIN_PSNR} dB`, (ctx) => {
            const c = caps.get(codec);
            if (!c) return ctx.skip(`the software device reports no ${codec} support`);
            if (format === 'p010' && !c['support10bitEncode']) return ctx.skip(`no 10-bit ${codec} encode`);
            if (format === 'yuv444' && !c['supportYuv444Encode']) return ctx.skip(`no 4:4:4 ${codec} encode`);

            using tmp = makeTempDir();
            using enc = new NvencEncoder({
              width: W,
              height: H,
              codec,
              inputFormat: format,
              bitrate: BITRATE,
              ...RATE[codec],
              device: 'software',
            });
            const layout = frameLayout(format, W, H);
            expect(enc.info.frameBytes).toBe(layout.frameBytes);
            const source = sourceFrames(format);
            const chunks: Buffer[] = [];
            const keep = (packets: { data: Buffer }[]): void => {
              for (const p of packets) chunks.push(p.data);
            };

            if (kind === 'host Buffer') {
              for (const f of source) keep(enc.encode(Buffer.from(f)));
            } else if (kind === 'pinned allocateHostFrame') {
              const pinned = enc.allocateHostFrame();
              expect(pinned.length).toBe(layout.frameBytes);
              for (const f of source) {
                f.copy(pinned);
                keep(enc.encode(pinned));
              }
            } else {
              // A padded pitch, as cudaMallocPitch would give.
              const pitch = Math.ceil((layout.rowBytes + 1) / 256) * 256;
              using mem = deviceBuffer(enc.info.abi, softwareLibraries!, pitch * layout.rowsTotal);
              for (const f of source) {
                mem.upload(padRows(f, layout.rowBytes, layout.rowsTotal, pitch));
                keep(enc.encode({ devicePtr: mem.ptr, pitch }));
              }
              keep(enc.flush());
              expect(enc.releaseDeviceFrame(mem.ptr)).toBe(true);
            }
            keep(enc.flush());

            const encoded = path.join(tmp.dir, `out.${EXTENSION[codec]}`);
            const raw = path.join(tmp.dir, 'src.raw');
            writeFileSync(encoded, Buffer.concat(chunks));
            writeFileSync(raw, Buffer.concat(source));
            const value = psnr(encoded, raw, RAW_PIX_FMT[format], W, H);
            results.push({ kind, codec, format, psnr: value, bytes: chunks.reduce((n, b) => n + b.length, 0) });
            expect(chunks.length).toBe(FRAMES);
            expect(value).toBeGreaterThanOrEqual(MIN_PSNR);
          });
        }
      }
    }

    it('a CUDA-array-interface frame (CuPy/PyTorch style) encodes like a device pointer', () => {
      using tmp = makeTempDir();
      using enc = new NvencEncoder({ width: W, height: H, inputFormat: 'bgra', bitrate: BITRATE, device: 'software' });
      const layout = frameLayout('bgra', W, H);
      using mem = deviceBuffer(enc.info.abi, softwareLibraries!, layout.frameBytes);
      const source = sourceFrames('bgra');
      const chunks: Buffer[] = [];
      for (const f of source) {
        mem.upload(f);
        const cupyLike = {
          __cuda_array_interface__: {
            shape: [H, W, 4],
            typestr: '|u1',
            data: [mem.ptr, false] as const,
            version: 3,
            strides: null,
          },
        };
        for (const p of enc.encode(cupyLike)) chunks.push(p.data);
      }
      for (const p of enc.flush()) chunks.push(p.data);
      enc.releaseDeviceFrame(mem.ptr);
      writeFileSync(path.join(tmp.dir, 'o.h264'), Buffer.concat(chunks));
      writeFileSync(path.join(tmp.dir, 's.raw'), Buffer.concat(source));
      expect(psnr(path.join(tmp.dir, 'o.h264'), path.join(tmp.dir, 's.raw'), 'bgra', W, H)).toBeGreaterThanOrEqual(
        MIN_PSNR,
      );

      // Control: the same stream against the source one frame later, and with R and B swapped,
      // scores far below the bar, so the bar does detect a wrong frame or channel order.
      writeFileSync(
        path.join(tmp.dir, 'late.raw'),
        Buffer.concat(source.map((_, t) => patternFrame('bgra', W, H, t + 1))),
      );
      writeFileSync(
        path.join(tmp.dir, 'swapped.raw'),
        Buffer.concat(source.map((_, t) => patternFrame('rgba', W, H, t))),
      );
      expect(psnr(path.join(tmp.dir, 'o.h264'), path.join(tmp.dir, 'late.raw'), 'bgra', W, H)).toBeLessThan(
        MIN_PSNR - 5,
      );
      expect(psnr(path.join(tmp.dir, 'o.h264'), path.join(tmp.dir, 'swapped.raw'), 'bgra', W, H)).toBeLessThan(
        MIN_PSNR - 5,
      );
    });
  },
);
