// The software device's AV1 engine (SVT-AV1) prints ~20 "Svt[info]" lines per session through its
// own logger unless told otherwise: a client's console stays quiet unless SVT_LOG asks for them.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST_ESM, ensureBuilt, PACKAGE_DIR } from './helpers/package.js';
import { hasSoftwareDevice, softwareSkipReason } from './helpers/software.js';

const encodeAv1 = `
const m = await import(${JSON.stringify(DIST_ESM)});
const enc = new m.NvencEncoder({ width: 64, height: 64, codec: 'av1', inputFormat: 'nv12', device: 'software' });
if (enc.getCapabilities('av1').supported !== 1) { console.log('NO_AV1'); process.exit(0); }
for (let i = 0; i < 3; i++) enc.encode(Buffer.alloc(64 * 64 * 3 / 2, i * 40));
enc.flush();
enc.close();
console.log('DONE');
`;

function run(env: Record<string, string | undefined>): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', encodeAv1], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    env: { ...process.env, SVT_LOG: undefined, ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout + r.stderr;
}

describe.skipIf(!hasSoftwareDevice)(
  `SVT-AV1 stays quiet${softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : ''}`,
  () => {
    beforeAll(() => ensureBuilt(), 120_000);

    it('an AV1 session prints no Svt[...] lines by default, and does when SVT_LOG asks', (ctx) => {
      const quiet = run({});
      if (quiet.includes('NO_AV1')) return ctx.skip('this software device has no AV1 engine (libsvtav1)');
      expect(quiet).toMatch(/DONE/);
      expect(quiet.split('\n').filter((l) => /Svt\[/.test(l))).toEqual([]);
      // The same run with SVT's own info level: the lines exist, so the check above can fail.
      const loud = run({ SVT_LOG: '3' });
      expect(loud.split('\n').filter((l) => /Svt\[info\]/.test(l)).length).toBeGreaterThan(3);
    });
  },
);
