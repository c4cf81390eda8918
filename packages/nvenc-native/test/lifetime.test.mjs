// Process-level lifetime: an encoder nobody closes must not crash the process at exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { bindingPath, encoderOptions, skipReason } from './support/fixtures.mjs';

const skip = skipReason('12.1');

function runChild(body, nodeArgs = [], env = {}) {
  const script = `
    const b = require(${JSON.stringify(bindingPath('12.1'))});
    const options = ${JSON.stringify(encoderOptions())};
    const frame = Buffer.alloc(options.width * options.height * 1.5, 128);
    ${body}
  `;
  return spawnSync(process.execPath, [...nodeArgs, '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
    // FORCE_COLOR (set by Nx) would colour numbers in the child's console.log output.
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env },
  });
}

test('exiting with an open encoder is clean (env cleanup hook closes it)', { skip }, () => {
  const r = runChild(`const enc = new b.Encoder(options); enc.encode({ data: frame }); globalThis.keep = enc;`);
  assert.equal(r.status, 0, r.stderr);
});

test('exiting while async encodes are pending is clean', { skip }, () => {
  const r = runChild(`
    const enc = new b.Encoder({ ...options, bFrames: 2 });
    for (let i = 0; i < 10; i++) enc.encodeAsync({ data: frame }).catch(() => {});
    setTimeout(() => process.exit(0), 1);
  `);
  assert.equal(r.status, 0, r.stderr);
});

test('a forgotten encoder is closed by its finalizer', { skip }, () => {
  // 20 encoders against a device that allows 8 sessions: only works if the GC'd ones close.
  const r = runChild(
    `
    (async () => {
      for (let i = 0; i < 20; i++) {
        (() => { const enc = new b.Encoder(options); enc.encode({ data: frame }); })();
        global.gc();
        await new Promise((r) => setImmediate(r));
      }
      console.log('ok');
    })().catch((e) => { console.error(e.code, e.message); process.exit(1); });
  `,
    ['--expose-gc'],
    { NVENC_SOFT_MAX_SESSIONS: '8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ok/);
});

test('a pending encodeAsync keeps the process alive until it settles', { skip }, () => {
  const r = runChild(`
    const enc = new b.Encoder(options);
    enc.encodeAsync({ data: frame }).then((p) => { console.log('packets', p.length); enc.close(); });
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /packets 1/);
});

test('a worker thread that ends with async encodes in flight ends cleanly, and so does the process', { skip }, () => {
  // The completion queue belongs to the worker's environment: its teardown must neither settle
  // promises into a dead environment nor leave a libuv handle open (Node aborts on that).
  const r = runChild(`
    const { Worker } = require('node:worker_threads');
    const body = ${JSON.stringify(`
      const b = require(${JSON.stringify(bindingPath('12.1'))});
      const { parentPort, workerData } = require('node:worker_threads');
      const enc = new b.Encoder(workerData.options);
      const frame = Buffer.alloc(workerData.options.width * workerData.options.height * 1.5, 128);
      for (let i = 0; i < 100; i++) enc.encodeAsync({ data: frame }).catch(() => {});
      parentPort.postMessage('queued');
    `)};
    (async () => {
      for (let k = 0; k < 3; k++) {
        const w = new Worker(body, { eval: true, workerData: { options } });
        await new Promise((res) => w.once('message', res));
        await w.terminate();
      }
      console.log('ok');
    })();
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ok/);
});
