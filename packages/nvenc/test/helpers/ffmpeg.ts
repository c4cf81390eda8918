/** ffmpeg / ffprobe helpers for tests: run, decode, PSNR, trace_headers fields. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function hasFfmpeg(): boolean {
  return spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
}

export function ffmpeg(args: string[]): string {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  return `${r.stdout}\n${r.stderr}`;
}

export function ffprobeJson(file: string, entries: string): Record<string, unknown> {
  const out = execFileSync('ffprobe', ['-v', 'error', '-of', 'json', ...entries.split(' '), file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as Record<string, unknown>;
}

export interface TraceField {
  position: number;
  name: string;
  bits: string;
  value: number;
}

/** Every syntax element ffmpeg's trace_headers bitstream filter prints, in order. */
export function traceHeaders(file: string): { section: string; fields: TraceField[] }[] {
  const out = ffmpeg(['-i', file, '-c', 'copy', '-bsf:v', 'trace_headers', '-f', 'null', '-']);
  const sections: { section: string; fields: TraceField[] }[] = [];
  for (const line of out.split('\n')) {
    const m = /^\[trace_headers @ [^\]]+\] (.*)$/.exec(line);
    if (!m) continue;
    const body = m[1] ?? '';
    const f = /^(\d+)\s+(\S+)\s+([01]*)\s*=\s*(-?\d+)$/.exec(body);
    if (f) {
      sections[sections.length - 1]?.fields.push({
        position: Number(f[1]),
        name: f[2] ?? '',
        bits: f[3] ?? '',
        value: Number(f[4]),
      });
    } else {
      sections.push({ section: body.trim(), fields: [] });
    }
  }
  return sections;
}

export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'nvenc-test-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function makeTempDir(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nvenc-test-'));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** ffmpeg raw pixel format for each encoder input format. */
export const RAW_PIX_FMT = {
  nv12: 'nv12',
  yuv444: 'yuv444p',
  bgra: 'bgra',
  rgba: 'rgba',
  p010: 'p010le',
} as const;

/**
 * Pixel format the PSNR is computed in. P010 keeps 10 bits in the top of 16-bit words, and the
 * psnr filter would take 1023 as the peak of those words (inflating PSNR by 36 dB): compare it
 * as planar 10-bit instead.
 */
const COMPARE_PIX_FMT: Record<string, string> = { p010le: 'yuv420p10le' };

/**
 * PSNR (average over frames, all planes) of an encoded stream against the raw source, computed by
 * ffmpeg's psnr filter with both converted to the source's pixel format (see COMPARE_PIX_FMT).
 */
export function psnr(encodedFile: string, rawFile: string, pixFmt: string, width: number, height: number): number {
  const cmp = COMPARE_PIX_FMT[pixFmt] ?? pixFmt;
  const out = ffmpeg([
    '-i',
    encodedFile,
    '-f',
    'rawvideo',
    '-pix_fmt',
    pixFmt,
    '-s',
    `${width}x${height}`,
    '-i',
    rawFile,
    // Raw Annex B streams carry no timestamps: number both inputs' frames 0, 1, 2, ... so the
    // psnr filter pairs decoded frame k with source frame k.
    '-lavfi',
    `[0:v]format=${cmp},setpts=N/(30*TB)[a];[1:v]format=${cmp},setpts=N/(30*TB)[b];[a][b]psnr`,
    '-f',
    'null',
    '-',
  ]);
  const m = /average:([0-9.]+|inf)/.exec(out);
  if (!m) throw new Error(`no PSNR in ffmpeg output:\n${out.slice(-2000)}`);
  return m[1] === 'inf' ? Infinity : Number(m[1]);
}

/** Frame-by-frame picture info from ffprobe -show_frames. */
export function probeFrames(file: string): { keyFrame: boolean; pictType: string }[] {
  const json = ffprobeJson(file, '-show_entries frame=key_frame,pict_type');
  const frames = (json['frames'] as { key_frame: number; pict_type: string }[] | undefined) ?? [];
  return frames.map((f) => ({ keyFrame: f.key_frame === 1, pictType: f.pict_type }));
}
