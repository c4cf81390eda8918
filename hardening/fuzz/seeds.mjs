#!/usr/bin/env node
// Seeds the codec-string corpora with parameter sets from real encoders (Debian's FFmpeg:
// libx264, libx265, libaom/SVT-AV1) across profiles, bit depths, chroma formats and colour
// descriptions. Only the headers plus the first bytes of the first picture are kept, so each
// seed is small. Run once; the files are committed under hardening/corpus/codec-string-*/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './instrument.mjs';

const input = (pixFmt) => ['-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=30', '-frames:v', '1', '-pix_fmt', pixFmt];
const colour = [
  '-color_primaries',
  'bt2020',
  '-color_trc',
  'smpte2084',
  '-colorspace',
  'bt2020nc',
  '-color_range',
  'pc',
];

const jobs = [
  ['h264', 'baseline', [...input('yuv420p'), '-c:v', 'libx264', '-profile:v', 'baseline']],
  ['h264', 'main', [...input('yuv420p'), '-c:v', 'libx264', '-profile:v', 'main']],
  ['h264', 'high-colour', [...input('yuv420p'), '-c:v', 'libx264', '-profile:v', 'high', ...colour]],
  ['h264', 'high444', [...input('yuv444p'), '-c:v', 'libx264']],
  ['h264', 'high10', [...input('yuv420p10le'), '-c:v', 'libx264']],
  ['hevc', 'main', [...input('yuv420p'), '-c:v', 'libx265', '-x265-params', 'log-level=none']],
  ['hevc', 'main10-colour', [...input('yuv420p10le'), '-c:v', 'libx265', '-x265-params', 'log-level=none', ...colour]],
  ['hevc', 'main444', [...input('yuv444p'), '-c:v', 'libx265', '-x265-params', 'log-level=none']],
  ['av1', 'aom-main', [...input('yuv420p'), '-c:v', 'libaom-av1', '-cpu-used', '8']],
  ['av1', 'aom-high444', [...input('yuv444p'), '-c:v', 'libaom-av1', '-cpu-used', '8']],
  ['av1', 'aom-mono', [...input('gray'), '-c:v', 'libaom-av1', '-cpu-used', '8']],
  ['av1', 'aom-10bit-colour', [...input('yuv420p10le'), '-c:v', 'libaom-av1', '-cpu-used', '8', ...colour]],
  ['av1', 'svt-main', [...input('yuv420p'), '-c:v', 'libsvtav1', '-preset', '12']],
];

function annexBUnits(buf) {
  const starts = [];
  for (let i = 0; i + 2 < buf.length; i++) if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 1) starts.push(i + 3);
  return starts.map((s, k) => buf.subarray(s, k + 1 < starts.length ? starts[k + 1] - 3 : buf.length));
}

const startCode = Buffer.from([0, 0, 0, 1]);
function headersOnly(codec, stream) {
  if (codec === 'av1') {
    // OBUs with size fields: keep the temporal delimiter and sequence header, cut the rest short.
    const out = [];
    let pos = 0;
    while (pos < stream.length) {
      const header = stream[pos];
      const type = (header >> 3) & 15;
      let p = pos + 1 + (header & 4 ? 1 : 0);
      let size = 0;
      for (let i = 0; i < 8; i++) {
        const b = stream[p++];
        size += (b & 0x7f) * 2 ** (7 * i);
        if (!(b & 0x80)) break;
      }
      const end = p + size;
      out.push(type === 1 || type === 2 ? stream.subarray(pos, end) : stream.subarray(pos, Math.min(end, pos + 24)));
      if (type !== 1 && type !== 2) break;
      pos = end;
    }
    return Buffer.concat(out);
  }
  const keep = [];
  for (const nal of annexBUnits(stream)) {
    const type = codec === 'h264' ? nal[0] & 0x1f : (nal[0] >> 1) & 0x3f;
    const isParameterSet = codec === 'h264' ? type === 7 || type === 8 : type >= 32 && type <= 34;
    const isPicture = codec === 'h264' ? type === 5 : type === 19 || type === 20;
    if (isParameterSet) keep.push(startCode, nal);
    else if (isPicture) {
      keep.push(startCode, nal.subarray(0, 32));
      break;
    }
  }
  return Buffer.concat(keep);
}

for (const [codec, label, args] of jobs) {
  const format = codec === 'av1' ? 'obu' : codec;
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args, '-f', format, '-'], {
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) {
    console.error(`skip ${codec}/${label}: ${r.stderr.toString().trim().split('\n').pop()}`);
    continue;
  }
  const seed = headersOnly(codec, r.stdout);
  const dir = join(repoRoot, 'hardening', 'corpus', `codec-string-${codec}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `seed-ffmpeg-${label}`), seed);
  console.log(`${codec}/${label}: ${seed.length} bytes`);
}
