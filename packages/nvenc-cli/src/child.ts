/**
 * Runs one measurement in a fresh child process of this CLI (`nvenc-bench <hidden command>
 * <payload>`): the software device reads NVENC_SOFT_ENGINE and NVENC_SOFT_NULL_READ when its
 * library loads, so a fresh process is the only way to be sure which engine ran. The child
 * prints one line `@@nvenc-bench-child <json>`; anything else it prints is passed to `log`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MARK = '@@nvenc-bench-child ';

export function printChildResult(value: unknown): void {
  process.stdout.write(
    `${MARK}${JSON.stringify(value, (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
  );
}

export function runCliChild<T>(
  command: string,
  payload: unknown,
  env: Record<string, string>,
  log?: (line: string) => void,
): Promise<T> {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, command, JSON.stringify(payload)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      let nl: number;
      while (log && (nl = stdout.indexOf('\n')) >= 0 && !stdout.startsWith(MARK)) {
        log(stdout.slice(0, nl));
        stdout = stdout.slice(nl + 1);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(MARK));
      if (!line) {
        reject(new Error(`child '${command}' exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      resolve(JSON.parse(line.slice(MARK.length)) as T);
    });
  });
}
