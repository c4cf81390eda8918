/**
 * The encoder controls streamers use (issue 11), end to end through NvencEncoder on the software
 * device: each option reaches the driver structs and is visible in the stream (trace_headers, the
 * x264 settings SEI, packet fields), the stream decodes at PSNR ≥ 35 dB, and every capability the
 * device says no to is refused with a CapabilityError naming it, before the session initialises.
 * These are software-encoder (libx264) results, not NVENC hardware results.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NvencEncoder, type Packet } from '../src/encoder.js';
import { CapabilityError, InvalidOptionError } from '../src/errors.js';
import type { EncoderOptions } from '../src/options.js';
import { hasFfmpeg, makeTempDir, psnr, traceHeaders } from './helpers/ffmpeg.js';
import { noiseFrame, patternFrame } from './helpers/pattern.js';
import { hasSoftwareDevice, softwareSkipReason } from './helpers/software.js';

const W = 320;
const H = 240;
const FRAMES = 30;
const MIN_PSNR = 35;

function software(options: Partial<EncoderOptions> = {}): NvencEncoder {
  return new NvencEncoder({
    width: W,
    height: H,
    inputFormat: 'nv12',
    bitrate: 3_000_000,
    device: 'software',
    ...options,
  });
}

const source = Array.from({ length: FRAMES }, (_, t) => patternFrame('nv12', W, H, t));

/** Encodes the source (plus a flush) and returns the packets, the stream file and its PSNR. */
function encodeSource(enc: NvencEncoder, dir: string, name: string): { packets: Packet[]; file: string; psnr: number } {
  const packets: Packet[] = [];
  source.forEach((frame, t) => packets.push(...enc.encode(frame, { timestamp: t })));
  packets.push(...enc.flush());
  const file = path.join(dir, `${name}.h264`);
  const raw = path.join(dir, `${name}.yuv`);
  writeFileSync(file, Buffer.concat(packets.map((p) => p.data)));
  writeFileSync(raw, Buffer.concat(source));
  return { packets, file, psnr: psnr(file, raw, 'nv12', W, H) };
}

/** The x264 settings SEI ("options: ...") carried by the first picture. */
function encoderSettings(packets: Packet[]): string {
  const m = /options: ([ -~]+)/.exec(Buffer.concat(packets.map((p) => p.data)).toString('latin1'));
  return m?.[1] ?? '';
}

/** trace_headers fields in stream order, flattened. */
function fields(file: string): { name: string; value: number }[] {
  return traceHeaders(file).flatMap((s) => s.fields);
}

/** Sizes of the slice NAL units (H.264 types 1 and 5) of an Annex B access unit. */
function sliceSizes(au: Buffer): number[] {
  const starts: number[] = [];
  for (let i = 0; i + 2 < au.length; i++) if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) starts.push(i + 3);
  return starts
    .map((s, k) => ({
      type: (au[s] ?? 0) & 0x1f,
      size: (k + 1 < starts.length ? (starts[k + 1] as number) - 3 : au.length) - s,
    }))
    .filter((n) => n.type === 1 || n.type === 5)
    .map((n) => (n.size > 0 && au[n.size - 1] === 0 ? n.size - 1 : n.size));
}

const skipNote = softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : '';

describe.skipIf(!hasSoftwareDevice || !hasFfmpeg())(`encoder controls on the software device${skipNote}`, () => {
  afterEach(() => {
    delete process.env['NVENC_SOFT_CAPS_DENY'];
  });

  it('intraRefresh: one IDR, then refresh waves with recovery point SEI, no later IDR', () => {
    using tmp = makeTempDir();
    using enc = software({ intraRefresh: { period: 10, count: 9 }, gop: 'infinite' });
    const { packets, file, psnr: p } = encodeSource(enc, tmp.dir, 'ir');
    expect(packets.filter((k) => k.keyframe).map((k) => k.seq)).toEqual([0]);
    const f = fields(file);
    expect(f.filter((x) => x.name === 'nal_unit_type' && x.value === 5)).toHaveLength(1);
    expect(f.filter((x) => x.name === 'last_payload_type_byte' && x.value === 6).length).toBeGreaterThanOrEqual(2);
    expect(encoderSettings(packets)).toMatch(/intra_refresh=1/);
    expect(p).toBeGreaterThanOrEqual(MIN_PSNR);
  });

  it('slices: 4 → every packet says 4 slices and carries 4 slice headers', () => {
    using tmp = makeTempDir();
    using enc = software({ slices: 4 });
    const { packets, file, psnr: p } = encodeSource(enc, tmp.dir, 'slices');
    expect(new Set(packets.map((k) => k.slices))).toEqual(new Set([4]));
    expect(fields(file).filter((x) => x.name === 'first_mb_in_slice')).toHaveLength(4 * FRAMES);
    expect(p).toBeGreaterThanOrEqual(MIN_PSNR);
  });

  it('slices: { maxBytes: 1200 } → no slice NAL unit over 1200 bytes; packet.slices counts them', () => {
    using enc = new NvencEncoder({
      width: 640,
      height: 360,
      inputFormat: 'nv12',
      bitrate: 20_000_000,
      device: 'software',
      slices: { maxBytes: 1200 },
    });
    const packets: Packet[] = [];
    for (let t = 0; t < 4; t++) packets.push(...enc.encode(noiseFrame(enc.info.frameBytes, t)));
    packets.push(...enc.flush());
    for (const k of packets) {
      const sizes = sliceSizes(k.data);
      expect(k.slices).toBe(sizes.length);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(1200);
    }
    expect(Math.min(...packets.map((k) => k.slices))).toBeGreaterThan(10);
  });

  it('spatialAq { strength: 8 } → variance AQ at strength 1.0; off → no AQ', () => {
    using tmp = makeTempDir();
    using on = software({ spatialAq: { strength: 8 } });
    const a = encodeSource(on, tmp.dir, 'aq');
    expect(encoderSettings(a.packets)).toMatch(/ aq=1:1\.00/);
    expect(a.psnr).toBeGreaterThanOrEqual(MIN_PSNR);
    using off = software();
    expect(encoderSettings(encodeSource(off, tmp.dir, 'noaq').packets)).toMatch(/ aq=0/);
  });

  it('temporalAq with lookahead 8 → macroblock tree on the lookahead; every frame comes back', () => {
    using tmp = makeTempDir();
    using enc = software({ temporalAq: true, lookahead: 8 });
    const { packets, psnr: p } = encodeSource(enc, tmp.dir, 'taq');
    expect(packets).toHaveLength(FRAMES);
    expect(encoderSettings(packets)).toMatch(/ rc_lookahead=8 /);
    expect(encoderSettings(packets)).toMatch(/ mbtree=1 /);
    expect(p).toBeGreaterThanOrEqual(MIN_PSNR);
  });

  it('temporalAq without lookahead is refused by the software device (its temporal AQ works on lookahead pictures)', () => {
    expect(() => software({ temporalAq: true })).toThrow(/temporal AQ needs lookahead/);
  });

  it('lookahead 16 → rate-control lookahead of 16, and the encoder holds 16 frames back', () => {
    using tmp = makeTempDir();
    using enc = software({ lookahead: 16 });
    const perCall = source.map((frame, t) => enc.encode(frame, { timestamp: t }).length);
    expect(perCall.slice(0, 16)).toEqual(new Array(16).fill(0));
    expect(perCall.slice(16)).toEqual(new Array(FRAMES - 16).fill(1));
    const rest = enc.flush();
    expect(rest.map((k) => k.timestamp)).toEqual(Array.from({ length: 16 }, (_, i) => FRAMES - 16 + i));
    using again = software({ lookahead: 16 });
    expect(encoderSettings(encodeSource(again, tmp.dir, 'la').packets)).toMatch(/rc_lookahead=16/);
  });

  it("multipass 'quarter-resolution' → more analysis than the preset's single pass", () => {
    using tmp = makeTempDir();
    using single = software({ multipass: 'disabled' });
    using quarter = software({ multipass: 'quarter-resolution' });
    const subme = (s: string) => Number(/subme=(\d+)/.exec(s)?.[1]);
    const q = encodeSource(quarter, tmp.dir, 'mp');
    expect(subme(encoderSettings(q.packets))).toBeGreaterThan(
      subme(encoderSettings(encodeSource(single, tmp.dir, 'sp').packets)),
    );
    expect(q.psnr).toBeGreaterThanOrEqual(MIN_PSNR);
  });

  it('weightedPrediction → PPS weighted_pred_flag 1 (and 0 without)', () => {
    using tmp = makeTempDir();
    using wp = software({ weightedPrediction: true });
    const a = encodeSource(wp, tmp.dir, 'wp');
    expect(fields(a.file).find((x) => x.name === 'weighted_pred_flag')?.value).toBe(1);
    expect(a.psnr).toBeGreaterThanOrEqual(MIN_PSNR);
    using plain = software();
    expect(fields(encodeSource(plain, tmp.dir, 'nowp').file).find((x) => x.name === 'weighted_pred_flag')?.value).toBe(
      0,
    );
  });

  it('weightedPrediction with B-frames is an InvalidOptionError (NVENC does not support it)', () => {
    expect(() => software({ weightedPrediction: true, bFrames: 2, zeroReorderDelay: false })).toThrow(
      InvalidOptionError,
    );
  });

  it("bFrameRefMode 'middle' → some B slices are references (none without)", () => {
    using tmp = makeTempDir();
    const referenceB = (file: string): number => {
      let ref = 0;
      let count = 0;
      for (const x of fields(file)) {
        if (x.name === 'nal_ref_idc') ref = x.value;
        if (x.name === 'slice_type' && x.value % 5 === 1 && ref > 0) count++;
      }
      return count;
    };
    // The pictures x264 holds for its B-pyramid: keep them in flight like a B-frame client does.
    using middle = software({ bFrames: 2, zeroReorderDelay: false, bFrameRefMode: 'middle', extraOutputDelay: 4 });
    const m = encodeSource(middle, tmp.dir, 'bref');
    expect(referenceB(m.file)).toBeGreaterThan(0);
    expect(m.psnr).toBeGreaterThanOrEqual(MIN_PSNR);
    using plain = software({ bFrames: 2, zeroReorderDelay: false, extraOutputDelay: 4 });
    expect(referenceB(encodeSource(plain, tmp.dir, 'nobref').file)).toBe(0);
  });

  it('maxReferenceFrames 3 → SPS max_num_ref_frames 3', () => {
    using tmp = makeTempDir();
    using enc = software({ maxReferenceFrames: 3 });
    const { file } = encodeSource(enc, tmp.dir, 'refs');
    expect(fields(file).find((x) => x.name === 'max_num_ref_frames')?.value).toBe(3);
  });

  it("qpMap 'delta': the map's size is checked, and +20 on half the picture costs fewer bytes", () => {
    // VBR: libx264 applies per-macroblock offsets through its rate control (never at constant QP).
    using enc = software({ qpMap: 'delta', rateControl: 'vbr' });
    expect(enc.qpMapLength).toBe(20 * 15);
    const frame = noiseFrame(enc.info.frameBytes, 1);
    expect(() => enc.encode(frame, { qpMap: new Int8Array(10) })).toThrow(/300 values/);
    expect(() => enc.encode(frame, { qpMap: new Int8Array(300).fill(60) })).toThrow(InvalidOptionError);
    const map = new Int8Array(300);
    for (let y = 0; y < 15; y++) map.fill(20, y * 20, y * 20 + 10);
    const bytes = (withMap: boolean): number => {
      using e = software({ qpMap: 'delta', rateControl: 'vbr' });
      let n = 0;
      for (let t = 0; t < 3; t++)
        for (const k of e.encode(noiseFrame(e.info.frameBytes, t), withMap ? { qpMap: map } : {})) n += k.data.length;
      return n;
    };
    expect(bytes(true)).toBeLessThan(bytes(false) * 0.85);
    expect(() => software({ qpMap: 'delta', rateControl: 'cqp' })).toThrow(/constant QP/);
  });

  it('invalidateReferences: a known timestamp makes the next picture an IDR; unknown ones count 0', () => {
    using enc = software();
    for (let t = 0; t < 10; t++) enc.encode(source[t]!, { timestamp: 1000 + t });
    expect(enc.invalidateReferences([9999])).toBe(0);
    expect(enc.encode(source[10]!, { timestamp: 1010 })[0]?.keyframe).toBe(false);
    expect(enc.invalidateReferences([1005, 9999])).toBe(1);
    expect(enc.encode(source[11]!, { timestamp: 1011 })[0]?.keyframe).toBe(true);
  });

  it('startIntraRefresh is refused by the software device at encode (it cannot start a wave on demand)', () => {
    using enc = software({ intraRefresh: { period: 10, count: 9 } });
    enc.encode(source[0]!);
    expect(() => enc.encode(source[1]!, { startIntraRefresh: 5 })).toThrow(/forceIntraRefreshWithFrameCnt/);
  });

  it('cudaStream: the encoder hands the stream to NVENC (nvEncSetIOCudaStreams) and encodes', () => {
    using enc = software({ cudaStream: 0n });
    expect(enc.encode(source[0]!)[0]?.keyframe).toBe(true);
  });

  // ---- capability gating: NVENC_SOFT_CAPS_DENY makes the device's caps say no ----
  const gated: [string, Partial<EncoderOptions>, string, string][] = [
    ['intraRefresh', { intraRefresh: { period: 10, count: 9 } }, 'SUPPORT_INTRA_REFRESH', 'supportIntraRefresh'],
    ['slices', { slices: { maxBytes: 1200 } }, 'SUPPORT_DYNAMIC_SLICE_MODE', 'supportDynamicSliceMode'],
    ['temporalAq', { temporalAq: true, lookahead: 4 }, 'SUPPORT_TEMPORAL_AQ', 'supportTemporalAq'],
    ['lookahead', { lookahead: 4 }, 'SUPPORT_LOOKAHEAD', 'supportLookahead'],
    ['weightedPrediction', { weightedPrediction: true }, 'SUPPORT_WEIGHTED_PREDICTION', 'supportWeightedPrediction'],
    [
      'bFrameRefMode',
      { bFrames: 2, zeroReorderDelay: false, bFrameRefMode: 'middle' },
      'SUPPORT_BFRAME_REF_MODE',
      'supportBframeRefMode',
    ],
    ['maxReferenceFrames', { maxReferenceFrames: 4 }, 'SUPPORT_MULTIPLE_REF_FRAMES', 'supportMultipleRefFrames'],
  ];
  for (const [option, opts, deny, capability] of gated) {
    it(`${option}: caps say no (NVENC_SOFT_CAPS_DENY=${deny}) → CapabilityError naming ${capability}`, () => {
      process.env['NVENC_SOFT_CAPS_DENY'] = deny;
      let error: unknown;
      try {
        software(opts).close();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CapabilityError);
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: 'CAPABILITY_UNSUPPORTED', capability, option, phase: 'caps' });
    });
  }

  it('the software device never offers these; each is a CapabilityError without any switch', () => {
    expect(() => software({ bFrames: 2, zeroReorderDelay: false, bFrameRefMode: 'each' })).toThrow(
      expect.objectContaining({ capability: 'supportBframeRefMode', option: 'bFrameRefMode' }),
    );
    expect(() => software({ qpMap: 'emphasis' })).toThrow(
      expect.objectContaining({ capability: 'supportEmphasisLevelMap' }),
    );
    expect(() => software({ longTermReferences: 2 })).toThrow(
      expect.objectContaining({ capability: 'numMaxLtrFrames', option: 'longTermReferences' }),
    );
  });

  it('invalidateReferences: caps say no (SUPPORT_REF_PIC_INVALIDATION) → CapabilityError', () => {
    using enc = software();
    enc.encode(source[0]!, { timestamp: 1 });
    process.env['NVENC_SOFT_CAPS_DENY'] = 'SUPPORT_REF_PIC_INVALIDATION';
    expect(() => enc.invalidateReferences([1])).toThrow(CapabilityError);
  });

  it('getCapabilities reports what the software device honours', () => {
    using enc = software();
    expect(enc.getCapabilities('h264')).toMatchObject({
      supportIntraRefresh: 1,
      supportDynamicSliceMode: 1,
      supportLookahead: 1,
      supportTemporalAq: 1,
      supportWeightedPrediction: 1,
      supportBframeRefMode: 2,
      supportRefPicInvalidation: 1,
      supportEmphasisLevelMap: 0,
      numMaxLtrFrames: 0,
    });
  });
});

describe('encoder control options are validated before anything opens', () => {
  const bad: [Partial<EncoderOptions>, string][] = [
    [{ intraRefresh: { period: 10, count: 10 } }, 'intraRefresh.count'],
    [{ intraRefresh: { period: 10, count: 5 }, bFrames: 1, zeroReorderDelay: false }, 'intraRefresh'],
    [{ slices: 0 }, 'slices'],
    [{ slices: { maxBytes: 10 } }, 'slices.maxBytes'],
    [{ spatialAq: { strength: 16 } }, 'spatialAq.strength'],
    [{ lookahead: 33 }, 'lookahead'],
    [{ multipass: 'twice' as never }, 'multipass'],
    [{ bFrameRefMode: 'middle' }, 'bFrameRefMode'],
    [{ maxReferenceFrames: 17 }, 'maxReferenceFrames'],
    [{ qpMap: 'delta', codec: 'hevc' }, 'qpMap'],
    [{ cudaStream: 5 as never }, 'cudaStream'],
  ];
  for (const [opts, option] of bad) {
    it(`${JSON.stringify(opts)} → InvalidOptionError naming ${option}`, () => {
      expect(() => new NvencEncoder({ width: 64, height: 64, device: 'software', ...opts })).toThrow(
        expect.objectContaining({ option }),
      );
    });
  }
});
