/** Paths of this package and a freshly built dist/ for tests that run the published entry points in child processes. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST_ESM = path.join(PACKAGE_DIR, 'dist', 'index.js');
export const DIST_CJS = path.join(PACKAGE_DIR, 'dist', 'index.cjs');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

/** Builds dist/ with tsup when it is missing or older than src/ (nx runs build before test anyway). */
export function ensureBuilt(): void {
  const fresh =
    existsSync(DIST_ESM) &&
    existsSync(DIST_CJS) &&
    Math.min(statSync(DIST_ESM).mtimeMs, statSync(DIST_CJS).mtimeMs) >= newestMtime(path.join(PACKAGE_DIR, 'src'));
  if (fresh) return;
  let dir = PACKAGE_DIR;
  while (!existsSync(path.join(dir, 'node_modules', '.bin', 'tsup'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('tsup not found in any node_modules/.bin above the package');
    dir = up;
  }
  execFileSync(path.join(dir, 'node_modules', '.bin', 'tsup'), [], { cwd: PACKAGE_DIR, stdio: 'pipe' });
}

/** Runs `code` in a fresh Node process (ESM, or CJS with format 'cjs') and parses the JSON it prints last. */
export function runNode<T>(code: string, env: Record<string, string | undefined>, format: 'esm' | 'cjs' = 'esm'): T {
  const args = format === 'esm' ? ['--input-type=module', '-e', code] : ['--input-type=commonjs', '-e', code];
  const r = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8', cwd: PACKAGE_DIR });
  if (r.status !== 0) throw new Error(`child node failed (${r.status}):\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null') as T;
}
