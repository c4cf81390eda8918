// Reduced soak runs (the full counts are `pnpm run hardening`, figures in docs/hardening.md): RSS
// and the software device's live objects stay flat over many frames, encoder lifetimes (a quarter
// of them closed only by the finalizer) and concurrent async encoders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, skip } from './support.mjs';

// Under ASan (hardening/sanitize.sh) the allocator's quarantine grows RSS by design, and every
// run is several times slower: check the device counters only, on fewer iterations.
const sanitized = (process.env.LD_PRELOAD ?? '').includes('asan');
const scale = sanitized ? 0.2 : 1;

function soak(mode, count, size = '64x48') {
  const args = [
    '--expose-gc',
    join(repoRoot, 'hardening', 'soak.mjs'),
    mode,
    '--count',
    String(Math.round(count * scale)),
    '--size',
    size,
    '--quiet',
  ];
  if (sanitized) args.push('--no-rss-check');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 });
  const line = r.stdout.trim().split('\n').pop();
  assert.ok(line?.startsWith('{'), `soak ${mode} printed no report (status ${r.status}): ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(line);
  assert.deepEqual(report.problems, [], JSON.stringify(report.rss));
  assert.equal(report.flat, true);
  assert.equal(r.status, 0);
  return report;
}

test('100 000 frames on the null engine: RSS and live device objects flat', { skip }, () => {
  const r = soak('null', 100_000);
  assert.equal(r.packets, Math.round(100_000 * scale));
});

test('10 000 real H.264 encodes of a moving picture: RSS and live device objects flat', { skip }, () => {
  soak('real', 10_000, '128x96');
});

test('1 000 encoder lifetimes, a quarter closed only by the finalizer: nothing left behind', { skip }, () => {
  const r = soak('lifecycle', 1000);
  assert.ok(r.finalisedByGc >= Math.round(1000 * scale) / 4 - 1);
  assert.equal(r.device.afterClose.nvencSessions, 0);
});

test('8 encoders × 1 000 frames concurrently through encodeAsync: every packet in order, flat', { skip }, () => {
  const r = soak('concurrent', 1000);
  assert.equal(r.packets, 8 * Math.round(1000 * scale));
});
