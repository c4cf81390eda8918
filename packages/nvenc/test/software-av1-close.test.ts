// Closing a session never hangs, whatever it was sent: a driver's nvEncDestroyEncoder returns.
// The software device's AV1 engine (SVT-AV1 1.4) used to wait forever when a session that never
// received a frame was closed or flushed. Each case runs in a child process with a time limit, so
// a regression fails here instead of hanging the suite.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST_ESM, ensureBuilt, PACKAGE_DIR } from './helpers/package.js';
import { hasSoftwareDevice, softwareSkipReason } from './helpers/software.js';

/** A few seconds on the 2-core CI machine; a hang is never this short. */
const CHILD_LIMIT_MS = 30_000;

function closeAv1(steps: string): { status: number | null; signal: NodeJS.Signals | null; output: string } {
  const script = `
const m = await import(${JSON.stringify(DIST_ESM)});
const enc = new m.NvencEncoder({ codec: 'av1', device: 'software', width: 64, height: 64 });
if (enc.getCapabilities('av1').supported !== 1) { console.log('NO_AV1'); process.exit(0); }
const frame = Buffer.alloc(enc.info.frameBytes, 90);
${steps}
enc.close();
console.log('CLOSED');
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    timeout: CHILD_LIMIT_MS,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, signal: r.signal, output: r.stdout + r.stderr };
}

describe.skipIf(!hasSoftwareDevice)(
  `closing a software AV1 session${softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : ''}`,
  () => {
    beforeAll(() => ensureBuilt(), 120_000);

    const cases: Array<[string, string]> = [
      ['without a frame', ''],
      ['after a flush without a frame', 'enc.flush();'],
      ['after frames without a flush', 'enc.encode(frame); enc.encode(frame);'],
      ['after frames and a flush', 'enc.encode(frame); enc.flush();'],
      [
        'after a flush, then frames again, then no flush',
        'enc.encode(frame); enc.flush(); enc.flush(); enc.encode(frame);',
      ],
    ];

    for (const [name, steps] of cases) {
      it(`returns ${name}`, (ctx) => {
        const r = closeAv1(steps);
        if (r.output.includes('NO_AV1')) return ctx.skip('this software device has no AV1 engine (libsvtav1)');
        expect(r.signal, `child killed after ${CHILD_LIMIT_MS} ms (hung in close):\n${r.output}`).toBeNull();
        expect(r.status, r.output).toBe(0);
        expect(r.output).toMatch(/CLOSED/);
        // SVT-AV1 complains on stderr when it is torn down without an end of stream.
        expect(r.output).not.toMatch(/without sending EOS/);
      });
    }
  },
);
