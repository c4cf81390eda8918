import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BitReader, codecString, splitAnnexB, unescapeRbsp } from '../src/codec-string.js';
import { BitstreamParseError, InvalidOptionError, type NvencError } from '../src/errors.js';
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
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** The error a call throws (fails the test when it returns). */
function thrown(fn: () => unknown): NvencError {
  try {
    fn();
  } catch (err) {
    return err as NvencError;
  }
  throw new Error('expected a throw');
}

/** An AV1 sequence header OBU with reduced_still_picture_header (the shortest valid form), 64×64, 8-bit 4:2:0. */
function av1ReducedSequenceHeader(seqProfile: number, seqLevelIdx: number): Uint8Array {
  const bits: number[] = [];
  const put = (value: number, n: number): void => {
    for (let i = n - 1; i >= 0; i--) bits.push((value >> i) & 1);
  };
  put(seqProfile, 3);
  put(1, 1); // still_picture
  put(1, 1); // reduced_still_picture_header
  put(seqLevelIdx, 5);
  put(5, 4); // frame_width_bits_minus_1
  put(5, 4); // frame_height_bits_minus_1
  put(63, 6); // max_frame_width_minus_1
  put(63, 6); // max_frame_height_minus_1
  put(0, 3); // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  put(0, 3); // enable_superres, enable_cdef, enable_restoration
  put(0, 1); // high_bitdepth
  if (seqProfile !== 1) put(0, 1); // mono_chrome
  put(0, 1); // color_description_present_flag
  put(0, 1); // color_range
  put(0, 2); // chroma_sample_position
  put(0, 1); // film_grain_params_present
  put(1, 1); // trailing one bit
  while (bits.length % 8) bits.push(0);
  const payload = Uint8Array.from({ length: bits.length / 8 }, (_, i) =>
    parseInt(bits.slice(i * 8, i * 8 + 8).join(''), 2),
  );
  return Uint8Array.from([0x12, 0x00, 0x0a, payload.length, ...payload]); // temporal delimiter + sequence header
}

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
    expect(units.map((u) => [...u])).toEqual([
      [0x67, 1, 2],
      [0x68, 3],
      [0x65, 4],
    ]);
  });

  it('parses a VPS whose constraint bytes sit behind emulation-prevention bytes', () => {
    // x265's VPS: profile 1, compatibility 0x60000000, constraint bytes 90 00 00 00 00 00 written
    // as 90 00 00 03 00 00 03 00; read escaped, the level would be 0x03, not 120.
    const au = hex('00000001 40010c01ffff016000000300900000030000030078959809');
    expect(codecString(au, 'hevc')).toBe('hvc1.1.6.L120.90');
  });
});

describe('codecString never returns a string the standards forbid', () => {
  it('refuses an H.264 SPS with profile_idc 6 (no such profile)', () => {
    const e = thrown(() => codecString(hex('00000001 67 06 05 11 ac'), 'h264'));
    expect(e).toBeInstanceOf(BitstreamParseError);
    expect(e.code).toBe('MALFORMED_BITSTREAM');
    expect(e.message).toMatch(/profile_idc 6/);
  });

  it('refuses an H.264 SPS with a level_idc outside Table A-1', () => {
    expect(thrown(() => codecString(hex('00000001 67 42 c0 07 8c'), 'h264')).message).toMatch(/level_idc 7/);
  });

  it('AVCC (length-prefixed) data whose length looks like a start code gets a typed error with an Annex B hint, not avc1.060511', () => {
    // One SEI NAL unit of 0x127 bytes: its length prefix 00 00 01 27 reads as a start code followed
    // by an "SPS" header byte (0x27 & 0x1f = 7), and the SEI's own bytes 06 05 11 as profile,
    // constraints and level.
    const sei = new Uint8Array(0x127).fill(0xaa);
    sei.set([0x06, 0x05, 0x11]);
    const avcc = Uint8Array.from([0x00, 0x00, 0x01, 0x27, ...sei]);
    const e = thrown(() => codecString(avcc, 'h264'));
    expect(e).toBeInstanceOf(BitstreamParseError);
    expect(e.code).toBe('MALFORMED_BITSTREAM');
    expect(e.message).toMatch(/length-prefixed \(AVCC\/HVCC/);
    expect(e.message).toMatch(/Annex B/);
  });

  it("refuses a 'VPS' whose vps_reserved_0xffff_16bits are not 0xffff (e.g. other data passed as 'hevc')", () => {
    const e = thrown(() => codecString(hex('00000001 40010c01 1234 016000000300900000030000030078959809'), 'hevc'));
    expect(e).toBeInstanceOf(BitstreamParseError);
    expect(e.code).toBe('MALFORMED_BITSTREAM');
    expect(e.message).toMatch(/0xffff/);
  });

  it('refuses an HEVC general_profile_space other than 0 and an unknown general_profile_idc', () => {
    // byte after ffff: profile_space(2) tier(1) profile_idc(5): 0xd6 = space 3, tier 0, idc 22.
    expect(
      thrown(() => codecString(hex('00000001 40010c01ffff d66000000300900000030000030078'), 'hevc')).message,
    ).toMatch(/general_profile_space 3/);
    expect(
      thrown(() => codecString(hex('00000001 40010c01ffff 166000000300900000030000030078'), 'hevc')).message,
    ).toMatch(/general_profile_idc 22/);
  });

  it('the well-formed AV1 sequence header builder gives av01.0.04M.08… (so the next tests change one field only)', () => {
    // No colour description: primaries/transfer/matrix 2 (unspecified), so the long form.
    expect(codecString(av1ReducedSequenceHeader(0, 4), 'av1')).toBe('av01.0.04M.08.0.110.02.02.02.0');
    expect(codecString(av1ReducedSequenceHeader(0, 31), 'av1')).toMatch(/^av01\.0\.31M\.08\./);
  });

  for (const profile of [3, 5, 7]) {
    it(`refuses the reserved AV1 seq_profile ${profile}`, () => {
      const e = thrown(() => codecString(av1ReducedSequenceHeader(profile, 12), 'av1'));
      expect(e).toBeInstanceOf(BitstreamParseError);
      expect(e.code).toBe('MALFORMED_BITSTREAM');
      expect(e.message).toMatch(new RegExp(`seq_profile ${profile}`));
    });
  }

  for (const level of [24, 27, 30]) {
    it(`refuses the reserved AV1 seq_level_idx ${level}`, () => {
      expect(thrown(() => codecString(av1ReducedSequenceHeader(0, level), 'av1')).message).toMatch(
        new RegExp(`seq_level_idx ${level}`),
      );
    });
  }
});

describe('codecString arguments', () => {
  it("an unknown codec ('vp9') is an InvalidOptionError naming the option, as docs/errors.md says", () => {
    const e = thrown(() => codecString(hex('00000001 6742c01e95a0'), 'vp9' as never));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e.code).toBe('INVALID_OPTION');
    expect((e as InvalidOptionError).option).toBe('codec');
  });

  for (const [what, value] of [
    ['null', null],
    ['an ArrayBuffer', new ArrayBuffer(16)],
    ['a string', '0000000167'],
    ['a number array', [0, 0, 0, 1, 0x67]],
  ] as const) {
    it(`${what} is a typed "expected a Uint8Array" error`, () => {
      const e = thrown(() => codecString(value as never, 'h264'));
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect(e.code).toBe('INVALID_OPTION');
      expect(e.message).toMatch(/expected a Uint8Array/);
    });
  }

  it("offers 'hev1' for streams that keep their parameter sets in-band; 'hvc1' stays the default", () => {
    const vps = hex('00000001 40010c01ffff016000000300900000030000030078959809');
    expect(codecString(vps, 'hevc')).toBe('hvc1.1.6.L120.90');
    expect(codecString(vps, 'hevc', { hevcSampleEntry: 'hev1' })).toBe('hev1.1.6.L120.90');
    expect(thrown(() => codecString(vps, 'hevc', { hevcSampleEntry: 'hvc2' as never }))).toBeInstanceOf(
      InvalidOptionError,
    );
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

describe.skipIf(!hasFfmpeg())(
  'codec strings of streams from Debian ffmpeg, checked against trace_headers and ffprobe',
  () => {
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
            '-c:v',
            'libx264',
            '-profile:v',
            c.profile,
            '-level',
            c.level,
            '-pix_fmt',
            c.pixFmt ?? 'yuv420p',
            '-f',
            'h264',
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
        const { bytes } = encode(dir, 'a.h264', [
          '-c:v',
          'libx264',
          '-profile:v',
          'baseline',
          '-level',
          '3.1',
          '-f',
          'h264',
        ]);
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
            '-c:v',
            'libx265',
            '-profile:v',
            c.profile,
            '-pix_fmt',
            c.pixFmt,
            '-x265-params',
            x265,
            '-f',
            'hevc',
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
          const bits = all
            .slice(from, to)
            .map((f) => f.bits)
            .join('');
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
          '-c:v',
          'libx265',
          '-profile:v',
          'main',
          '-x265-params',
          'log-level=error:level-idc=3.1',
          '-f',
          'hevc',
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
        args: [
          '-pix_fmt',
          'yuv420p10le',
          '-color_primaries',
          'bt2020',
          '-color_trc',
          'smpte2084',
          '-colorspace',
          'bt2020nc',
          '-color_range',
          'pc',
        ],
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
          '-c:v',
          'libsvtav1',
          '-preset',
          '12',
          '-color_primaries',
          'bt709',
          '-color_trc',
          'bt709',
          '-colorspace',
          'bt709',
          '-f',
          'obu',
        ]);
        expect(codecString(bt709.bytes, 'av1')).toMatch(/^av01\.0\.\d\dM\.08$/);
        const pq = encode(dir, 'b.obu', [
          '-c:v',
          'libsvtav1',
          '-preset',
          '12',
          '-pix_fmt',
          'yuv420p10le',
          '-color_primaries',
          'bt2020',
          '-color_trc',
          'smpte2084',
          '-colorspace',
          'bt2020nc',
          '-f',
          'obu',
        ]);
        expect(codecString(pq.bytes, 'av1')).toMatch(/^av01\.0\.\d\dM\.10\.0\.110\.09\.16\.09\.0$/);
      });
    });
  },
);
