// Shared fixtures: run the built CLI as a user would, and find out whether the software device
// can encode yet (tests that need it skip with the reason until it can).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const packageDir = fileURLToPath(new URL('..', import.meta.url));
export const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 110_000): CliResult {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI arguments of a short run on the software device: 320x240, `frames` measured after `warmup`. */
export function softwareRun(frames: number, warmup: number): string[] {
  return ['--device', 'software', '--size', '320x240', '--frames', String(frames), '--warmup', String(warmup)];
}

let softwareReason: string | null | undefined;

/** null when `new NvencEncoder({ device: 'software' })` works, else why not. Checked in a child process. */
export function softwareDeviceUnavailable(): string | null {
  if (softwareReason !== undefined) return softwareReason;
  if (!existsSync(cliPath)) return (softwareReason = `${cliPath} is not built (pnpm --filter @nvenc-ts/cli build)`);
  const script = `
    const { NvencEncoder } = await import('@nvenc-ts/nvenc');
    const enc = new NvencEncoder({ device: 'software', width: 64, height: 64, codec: 'h264', inputFormat: 'bgra' });
    const p = enc.encode(Buffer.alloc(64 * 64 * 4));
    enc.flush();
    enc.close();
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: packageDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const lines = r.stderr.trim().split('\n');
  const why = lines.find((l) => /^\w*Error\b/.test(l.trim())) ?? lines.pop() ?? 'unknown';
  softwareReason = r.status === 0 ? null : `software device cannot encode yet: ${why.trim()}`;
  return softwareReason;
}
