import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BitReader, codecString, splitAnnexB, unescapeRbsp } from '../src/codec-string.js';
import { BitstreamParseError } from '../src/errors.js';
import { ffmpeg, ffprobeJson, hasFfmpeg, traceHeaders, withTempDir, type TraceField } from './helpers/ffmpeg.js';

const SOURCE = ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-frames:v', '2'];

function encode(dir: string, name: string, args: string[]): { file: string; bytes: Buffer } {
  const file = path.join(dir, name);
  ffmpeg(['-v', 'error', ...SOURCE, ...args, '-y', file]);
  return { file, bytes: readFileSync(file) };
}

function section(file: string, title: string): Map<string, TraceField[]> {
  const s = traceHeaders(file).find((x) => x.section === title);
  if (!s) throw new Error(`trace_headers printed no "${title}" for ${file}`);
  const byName = new Map<string, TraceField[]>();
  for (const f of s.fields) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  return byName;
}

function field(fields: Map<string, TraceField[]>, name: string, fallback?: number): number {
  const f = fields.get(name)?.[0];
  if (f === undefined) {
    if (fallback !== undefined) return fallback;
    throw new Error(`no field ${name}`);
  }
  return f.value;
}

function streamInfo(file: string): { profile: string; level: number; pix_fmt: string } {
  const json = ffprobeJson(file, '-show_entries stream=profile,level,pix_fmt');
  return (json['streams'] as { profile: string; level: number; pix_fmt: string }[])[0] as never;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

describe('bit reading', () => {
  it('removes emulation-prevention bytes (00 00 03 → 00 00)', () => {
    expect([...unescapeRbsp(Uint8Array.from([0x42, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00]))]).toEqual([
      0x42, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    ]);
  });

  it('reads exp-Golomb ue(v) and se(v) codes', () => {
    // 1 | 010 | 011 | 00100 | 00111 | 010 | 011  → ue: 0,1,2,3,6 then se: +1,-1
    const r = new BitReader(Uint8Array.from([0b1010_0110, 0b0100_0011, 0b1010_0110]));
    expect([r.ue(), r.ue(), r.ue(), r.ue(), r.ue(), r.se(), r.se()]).toEqual([0, 1, 2, 3, 6, 1, -1]);
  });

  it('splits an Annex B stream on 3- and 4-byte start codes', () => {
    const units = splitAnnexB(Uint8Array.from([0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4]));
    expect(units.map((u) => [...u])).toEqual([[0x67, 1, 2], [0x68, 3], [0x65, 4]]);
  });

  it('parses an SPS whose level byte sits behind an emulation-prevention byte', () => {
    // profile 66, constraint flags 0x00, level 0x00: the escaped bytes would read as level 3 unescaped.
    const au = Uint8Array.from([0, 0, 0, 1, 0x67, 0x42, 0x00, 0x00, 0x03, 0x00, 0x80]);
    expect(codecString(au, 'h264')).toBe('avc1.420000');
  });
});

describe('missing parameter sets', () => {
  it('throws BitstreamParseError NO_PARAMETER_SETS for an H.264 unit without SPS', () => {
    const au = Uint8Array.from([0, 0, 0, 1, 0x41, 0x9a, 0x00, 0x10]);
    expect(() => codecString(au, 'h264')).toThrow(BitstreamParseError);
    try {
      codecString(au, 'h264');
    } catch (err) {
      expect((err as BitstreamParseError).code).toBe('NO_PARAMETER_SETS');
      expect((err as Error).message).toMatch(/No SPS/);
    }
  });

  it('throws for an HEVC unit without VPS/SPS and an AV1 unit without a sequence header', () => {
    expect(() => codecString(Uint8Array.from([0, 0, 1, 0x02, 0x01, 0xd0]), 'hevc')).toThrow(/No SPS or VPS/);
    // temporal delimiter OBU only (type 2, has_size, size 0)
    expect(() => codecString(Uint8Array.from([0x12, 0x00]), 'av1')).toThrow(/No sequence header OBU/);
  });
});

describe.skipIf(!hasFfmpeg())('codec strings of streams from Debian ffmpeg, checked against trace_headers and ffprobe', () => {
  const AVC_PROFILE_IDC: Record<string, number> = {
    Baseline: 66,
    'Constrained Baseline': 66,
    Main: 77,
    High: 100,
    'High 4:4:4 Predictive': 244,
  };
  const avcCases: { profile: string; level: string; pixFmt?: string }[] = [
    { profile: 'baseline', level: '3.0' },
    { profile: 'baseline', level: '3.1' },
    { profile: 'main', level: '3.1' },
    { profile: 'main', level: '4.0' },
    { profile: 'high', level: '4.1' },
    { profile: 'high', level: '5.1' },
    { profile: 'high444', level: '4.2', pixFmt: 'yuv444p' },
  ];

  for (const c of avcCases) {
    it(`h264 libx264 ${c.profile} level ${c.level}`, () => {
      withTempDir((dir) => {
        const { file, bytes } = encode(dir, 'a.h264', [
          '-c:v', 'libx264', '-profile:v', c.profile, '-level', c.level, '-pix_fmt', c.pixFmt ?? 'yuv420p', '-f', 'h264',
        ]);
        const sps = section(file, 'Sequence Parameter Set');
        const profileIdc = field(sps, 'profile_idc');
        let flags = 0;
        for (let i = 0; i <= 5; i++) flags |= field(sps, `constraint_set${i}_flag`) << (7 - i);
        flags |= field(sps, 'reserved_zero_2bits', 0);
        const levelIdc = field(sps, 'level_idc');

        const s = codecString(bytes, 'h264');
        expect(s).toBe(`avc1.${hex2(profileIdc)}${hex2(flags)}${hex2(levelIdc)}`);

        const probe = streamInfo(file);
        expect(AVC_PROFILE_IDC[probe.profile]).toBe(parseInt(s.slice(5, 7), 16));
        expect(probe.level).toBe(parseInt(s.slice(9, 11), 16));
        expect(probe.level).toBe(Math.round(Number(c.level) * 10));
      });
    });
  }

  it('h264 baseline level 3.1 is the well-known avc1.42c01f', () => {
    withTempDir((dir) => {
      const { bytes } = encode(dir, 'a.h264', ['-c:v', 'libx264', '-profile:v', 'baseline', '-level', '3.1', '-f', 'h264']);
      expect(codecString(bytes, 'h264')).toBe('avc1.42c01f');
    });
  });

  const HEVC_PROFILE_IDC: Record<string, number> = { Main: 1, 'Main 10': 2, Rext: 4 };
  const hevcCases: { profile: string; pixFmt: string; level?: string }[] = [
    { profile: 'main', pixFmt: 'yuv420p', level: '3.1' },
    { profile: 'main', pixFmt: 'yuv420p', level: '4.1' },
    { profile: 'main10', pixFmt: 'yuv420p10le' },
  ];

  for (const c of hevcCases) {
    it(`hevc libx265 ${c.profile}${c.level ? ` level ${c.level}` : ''}`, () => {
      withTempDir((dir) => {
        const x265 = ['log-level=error', ...(c.level ? [`level-idc=${c.level}`] : [])].join(':');
        const { file, bytes } = encode(dir, 'a.hevc', [
          '-c:v', 'libx265', '-profile:v', c.profile, '-pix_fmt', c.pixFmt, '-x265-params', x265, '-f', 'hevc',
        ]);
        const sps = section(file, 'Sequence Parameter Set');
        const space = field(sps, 'general_profile_space');
        const tier = field(sps, 'general_tier_flag');
        const profileIdc = field(sps, 'general_profile_idc');
        let compat = 0;
        for (let j = 0; j < 32; j++) compat += field(sps, `general_profile_compatibility_flag[${j}]`) * 2 ** j;
        // The 48 constraint-indicator bits: everything trace_headers prints between the
        // compatibility flags and general_level_idc, concatenated.
        const all = traceHeaders(file).find((x) => x.section === 'Sequence Parameter Set')!.fields;
        const from = all.findIndex((f) => f.name === 'general_progressive_source_flag');
        const to = all.findIndex((f) => f.name === 'general_level_idc');
        const bits = all.slice(from, to).map((f) => f.bits).join('');
        expect(bits).toHaveLength(48);
        const bytes6 = Array.from({ length: 6 }, (_, i) => parseInt(bits.slice(i * 8, i * 8 + 8), 2));
        while (bytes6.length > 0 && bytes6[bytes6.length - 1] === 0) bytes6.pop();
        const levelIdc = field(sps, 'general_level_idc');
        const expected =
          `hvc1.${['', 'A', 'B', 'C'][space]}${profileIdc}.${compat.toString(16).toUpperCase()}.${tier ? 'H' : 'L'}${levelIdc}` +
          bytes6.map((b) => `.${b.toString(16).toUpperCase()}`).join('');

        expect(codecString(bytes, 'hevc')).toBe(expected);
        const probe = streamInfo(file);
        expect(HEVC_PROFILE_IDC[probe.profile]).toBe(profileIdc);
        expect(probe.level).toBe(levelIdc);
        if (c.level) expect(levelIdc).toBe(Math.round(Number(c.level) * 30));
      });
    });
  }

  // x265 sets general_progressive_source_flag and general_frame_only_constraint_flag but not
  // general_non_packed_constraint_flag, so its first constraint byte is 0x90 (not 0xB0).
  it('hevc main level 3.1 from x265 is hvc1.1.6.L93.90', () => {
    withTempDir((dir) => {
      const { bytes } = encode(dir, 'a.hevc', [
        '-c:v', 'libx265', '-profile:v', 'main', '-x265-params', 'log-level=error:level-idc=3.1', '-f', 'hevc',
      ]);
      expect(codecString(bytes, 'hevc')).toBe('hvc1.1.6.L93.90');
    });
  });

  const av1Cases: { name: string; args: string[] }[] = [
    { name: '8-bit', args: ['-pix_fmt', 'yuv420p'] },
    { name: '10-bit', args: ['-pix_fmt', 'yuv420p10le'] },
    {
      name: '8-bit with BT.709 colour description',
      args: ['-pix_fmt', 'yuv420p', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709'],
    },
    {
      name: '10-bit BT.2020 PQ full range',
      args: ['-pix_fmt', 'yuv420p10le', '-color_primaries', 'bt2020', '-color_trc', 'smpte2084', '-colorspace', 'bt2020nc', '-color_range', 'pc'],
    },
  ];

  for (const c of av1Cases) {
    it(`av1 libsvtav1 ${c.name}`, () => {
      withTempDir((dir) => {
        const { file, bytes } = encode(dir, 'a.obu', ['-c:v', 'libsvtav1', '-preset', '12', ...c.args, '-f', 'obu']);
        const sh = section(file, 'Sequence Header');
        const profile = field(sh, 'seq_profile');
        const level = field(sh, 'seq_level_idx[0]');
        const tier = field(sh, 'seq_tier[0]', 0);
        const high = field(sh, 'high_bitdepth');
        const depth = profile === 2 && high ? (field(sh, 'twelve_bit') ? 12 : 10) : high ? 10 : 8;
        const mono = field(sh, 'mono_chrome', 0);
        const described = field(sh, 'color_description_present_flag');
        const cp = described ? field(sh, 'color_primaries') : 2;
        const tc = described ? field(sh, 'transfer_characteristics') : 2;
        const mc = described ? field(sh, 'matrix_coefficients') : 2;
        const range = field(sh, 'color_range');
        const csp = field(sh, 'chroma_sample_position', 0);
        const d2 = (n: number): string => String(n).padStart(2, '0');
        const base = `av01.${profile}.${d2(level)}${tier ? 'H' : 'M'}.${d2(depth)}`;
        const defaults = mono === 0 && csp === 0 && cp === 1 && tc === 1 && mc === 1 && range === 0;
        const expected = defaults ? base : `${base}.${mono}.11${csp}.${d2(cp)}.${d2(tc)}.${d2(mc)}.${range}`;

        expect(codecString(bytes, 'av1')).toBe(expected);
        const probe = streamInfo(file);
        expect(probe.profile).toBe('Main');
        expect(profile).toBe(0);
        expect(probe.pix_fmt.includes('10') ? 10 : 8).toBe(depth);
      });
    });
  }

  it('av1 with BT.709 signalled gives the short form, PQ gives the long form', () => {
    withTempDir((dir) => {
      const bt709 = encode(dir, 'a.obu', [
        '-c:v', 'libsvtav1', '-preset', '12', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-f', 'obu',
      ]);
      expect(codecString(bt709.bytes, 'av1')).toMatch(/^av01\.0\.\d\dM\.08$/);
      const pq = encode(dir, 'b.obu', [
        '-c:v', 'libsvtav1', '-preset', '12', '-pix_fmt', 'yuv420p10le', '-color_primaries', 'bt2020', '-color_trc', 'smpte2084',
        '-colorspace', 'bt2020nc', '-f', 'obu',
      ]);
      expect(codecString(pq.bytes, 'av1')).toMatch(/^av01\.0\.\d\dM\.10\.0\.110\.09\.16\.09\.0$/);
    });
  });
});
