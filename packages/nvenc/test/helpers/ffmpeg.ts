/** ffmpeg / ffprobe helpers for tests: run, decode, PSNR, trace_headers fields. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function hasFfmpeg(): boolean {
  return spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
}

export function ffmpeg(args: string[]): string {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  return `${r.stdout}\n${r.stderr}`;
}

export function ffprobeJson(file: string, entries: string): Record<string, unknown> {
  const out = execFileSync('ffprobe', ['-v', 'error', '-of', 'json', ...entries.split(' '), file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
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
      sections[sections.length - 1]?.fields.push({ position: Number(f[1]), name: f[2] ?? '', bits: f[3] ?? '', value: Number(f[4]) });
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
 * PSNR (average over frames, all planes) of an encoded stream against the raw source, computed by
 * ffmpeg's psnr filter after converting the decoded frames to the source's pixel format.
 */
export function psnr(encodedFile: string, rawFile: string, pixFmt: string, width: number, height: number): number {
  const out = ffmpeg([
    '-i', encodedFile,
    '-f', 'rawvideo', '-pix_fmt', pixFmt, '-s', `${width}x${height}`, '-i', rawFile,
    '-lavfi', `[0:v]format=${pixFmt}[a];[1:v]format=${pixFmt}[b];[a][b]psnr`,
    '-f', 'null', '-',
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
