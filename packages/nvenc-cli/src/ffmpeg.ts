/**
 * `--compare ffmpeg`: the same frames and settings through FFmpeg's own NVENC client
 * (h264_nvenc / hevc_nvenc), on the same device. FFmpeg dlopens libcuda.so.1 and
 * libnvidia-encode.so.1 by soname, so LD_LIBRARY_PATH picks the software device's libraries.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DeviceDescription } from './device.js';
import { frameLayout, makeHostFrames } from './frames.js';
import type { BenchOptions, InputFormat } from './options.js';

export interface FfmpegResult {
  ok: boolean;
  encoder: string;
  /** The command as run (arguments joined for display). */
  command: string;
  /** Environment variables set for the run (beyond the inherited ones). */
  env: Record<string, string>;
  frames: number;
  /** Process start to exit, ms: includes process start-up, session open and reading the raw input. */
  endToEndMs: number;
  endToEndFps: number;
  /** FFmpeg's own -benchmark figures, s. */
  benchmark: { utime: number; stime: number; rtime: number } | null;
  bytes: number;
  bitrateBps: number;
  error: string | null;
}

const pixFmt: Record<InputFormat, string> = {
  nv12: 'nv12',
  yuv444: 'yuv444p',
  bgra: 'bgra',
  rgba: 'rgba',
  p010: 'p010le',
};

export function ffmpegArgs(o: BenchOptions, input: string, output: string, frames: number, gpu: number): string[] {
  const encoder = o.codec === 'hevc' ? 'hevc_nvenc' : 'h264_nvenc';
  const args = [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'info',
    '-benchmark',
    '-f',
    'rawvideo',
    '-pix_fmt',
    pixFmt[o.format],
    '-s',
    `${o.width}x${o.height}`,
    '-r',
    String(o.fps),
    '-stream_loop',
    '-1',
    '-i',
    input,
    '-frames:v',
    String(frames),
    '-c:v',
    encoder,
    '-gpu',
    String(gpu),
    '-preset',
    o.preset,
    '-tune',
    o.tuning,
    '-bf',
    String(o.bFrames),
    '-g',
    o.gop === 'infinite' ? '1000000' : String(o.gop),
  ];
  if (o.rateControl === 'cqp') args.push('-rc', 'constqp', '-qp', String(o.qp ?? 28));
  else args.push('-rc', o.rateControl, '-b:v', String(o.bitrate));
  if (o.rateControl === 'vbr') args.push('-maxrate', String(Math.round(o.bitrate * 1.5)));
  if (o.tuning === 'ull' || o.tuning === 'll') args.push('-zerolatency', '1');
  if (o.depth === 0) args.push('-delay', '0');
  args.push('-f', o.codec === 'hevc' ? 'hevc' : 'h264', '-y', output);
  return args;
}

/** Environment for ffmpeg so that it loads the same CUDA and NVENC as the benchmark did. */
export function ffmpegEnv(device: DeviceDescription, scratch: string): Record<string, string> {
  if (device.kind === 'nvidia') return {};
  if (!device.softwareLibraryDir) throw new Error('software device library directory unknown');
  const env: Record<string, string> = { NVENC_SOFT_ENGINE: device.engine === 'null' ? 'null' : 'libav' };
  if (device.kind === 'software') {
    env.LD_LIBRARY_PATH = device.softwareLibraryDir;
  } else {
    // Real CUDA + software engine: only the NVENC library may come from the software device.
    const dir = join(scratch, 'nvenc-only');
    mkdirSync(dir);
    symlinkSync(device.nvencLibrary, join(dir, 'libnvidia-encode.so.1'));
    env.LD_LIBRARY_PATH = dir;
  }
  if (process.env.LD_LIBRARY_PATH) env.LD_LIBRARY_PATH += `:${process.env.LD_LIBRARY_PATH}`;
  return env;
}

export async function runFfmpeg(
  o: BenchOptions,
  device: DeviceDescription,
  frames: number,
  ffmpeg = 'ffmpeg',
): Promise<FfmpegResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'nvenc-bench-ffmpeg-'));
  const encoder = o.codec === 'hevc' ? 'hevc_nvenc' : 'h264_nvenc';
  const fail = (error: string, extra: Partial<FfmpegResult> = {}): FfmpegResult => ({
    ok: false,
    encoder,
    command: '',
    env: {},
    frames,
    endToEndMs: NaN,
    endToEndFps: NaN,
    benchmark: null,
    bytes: 0,
    bitrateBps: NaN,
    error,
    ...extra,
  });
  try {
    const layout = frameLayout(o.format, o.width, o.height);
    const input = join(scratch, `frames.${o.format}`);
    writeFileSync(input, Buffer.concat(makeHostFrames(layout, o.distinctFrames)));
    const output = join(scratch, `out.${o.codec}`);
    const args = ffmpegArgs(o, input, output, frames, device.gpu);
    const env = ffmpegEnv(device, scratch);
    const command = [...Object.entries(env).map(([k, v]) => `${k}=${v}`), ffmpeg, ...args].join(' ');
    const t0 = performance.now();
    const { code, stdout, stderr, spawnError } = await run(ffmpeg, args, { ...process.env, ...env });
    const endToEndMs = performance.now() - t0;
    if (spawnError) return fail(`cannot run ${ffmpeg}: ${spawnError}`, { command, env });
    if (code !== 0) {
      const last = stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit code ${code}`;
      return fail(`ffmpeg exited with ${code}: ${last}`, { command, env });
    }
    const m = /bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(stdout + stderr);
    const bytes = statSync(output).size;
    return {
      ok: true,
      encoder,
      command,
      env,
      frames,
      endToEndMs,
      endToEndFps: frames / (endToEndMs / 1000),
      benchmark: m ? { utime: Number(m[1]), stime: Number(m[2]), rtime: Number(m[3]) } : null,
      bytes,
      bitrateBps: (bytes * 8 * o.fps) / frames,
      error: null,
    };
  } catch (err) {
    return fail((err as Error).message);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string; spawnError: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: null, stdout, stderr, spawnError: err.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr, spawnError: null }));
  });
}
