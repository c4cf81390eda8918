// Process-level lifetime: an encoder nobody closes must not crash the process at exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { bindingPath, encoderOptions, skipReason } from './support/fixtures.mjs';

const skip = skipReason('12.1');

function runChild(body) {
  const script = `
    const b = require(${JSON.stringify(bindingPath('12.1'))});
    const options = ${JSON.stringify(encoderOptions())};
    const frame = Buffer.alloc(options.width * options.height * 1.5, 128);
    ${body}
  `;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
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
  const r = runChild(`
    for (let i = 0; i < 20; i++) { const enc = new b.Encoder(options); enc.encode({ data: frame }); }
    global.gc?.();
    setTimeout(() => { global.gc?.(); console.log('ok'); }, 50);
  `);
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
