import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, softwareDeviceUnavailable, softwareRun } from './helpers.js';

function ffmpegUnavailable(): string | null {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' });
  if (r.error) return `ffmpeg not installed (${r.error.message})`;
  return /h264_nvenc/.test(r.stdout) ? null : 'this ffmpeg has no h264_nvenc';
}

const unavailable = softwareDeviceUnavailable() ?? ffmpegUnavailable();

describe.skipIf(unavailable !== null)(
  `--compare ffmpeg on the software device${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it('runs h264_nvenc through the software device with the same settings and reports both and the ratio', () => {
      const r = runCli([...softwareRun(30, 2), '--compare', 'ffmpeg', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      const f = report.compare.ffmpeg;
      expect(f.ok, f.error).toBe(true);
      expect(f.encoder).toBe('h264_nvenc');
      expect(f.frames).toBe(32);
      // ffmpeg loads the software device by soname through LD_LIBRARY_PATH.
      const libDir = f.env.LD_LIBRARY_PATH.split(':')[0];
      expect(existsSync(join(libDir, 'libnvidia-encode.so.1')) && existsSync(join(libDir, 'libcuda.so.1'))).toBe(true);
      expect(f.command).toMatch(/-c:v h264_nvenc .*-preset p1 -tune ull/);
      expect(f.endToEndFps).toBeGreaterThan(0);
      expect(f.bytes).toBeGreaterThan(0);
      expect(report.compare.endToEndRatio).toBeGreaterThan(0);
    });

    it('prints both columns and the ratio in the table', () => {
      const r = runCli([...softwareRun(20, 2), '--compare', 'ffmpeg', '--no-progress']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/compare \(end to end, incl\. session open\)\s+nvenc-bench\s+ffmpeg h264_nvenc/);
      expect(r.stdout).toMatch(/ratio nvenc-bench \/ ffmpeg \(fps\): \d+\.\d{3}/);
    });
  },
);
