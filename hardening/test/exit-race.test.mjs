// process.exit() while async encodes run on the encoder's worker thread: static destructors then
// run on the main thread while the worker is still inside the software device. Under ASan
// (hardening/sanitize.sh) this found a heap-use-after-free on the device's session set, in about
// one exit of three; the children below repeat the race with different timings. Without ASan it
// is a crash smoke test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { libs, nativeBuildDir, skip } from './support.mjs';

const RUNS = 20;

test(`${RUNS} exits with async encodes in flight end cleanly`, { skip }, () => {
  const script = `
    const b = require(${JSON.stringify(join(nativeBuildDir, 'nvenc_12_1.node'))});
    const o = { ...${JSON.stringify(libs)}, gpu: 0, width: 320, height: 240, codec: 'h264', preset: 'p1', tuning: 'll', profile: 'auto',
      rateControl: 'cbr', bitrate: 1e6, fpsNum: 30, fpsDen: 1, gop: 0xffffffff, idrPeriod: 0xffffffff, bFrames: 2,
      inputFormat: 'nv12', extraOutputDelay: 0, repeatSpsPps: true, zeroReorderDelay: false, hostUpload: 'auto' };
    const enc = new b.Encoder(o);
    const frame = Buffer.alloc(320 * 240 * 1.5, 128);
    for (let i = 0; i < 10; i++) enc.encodeAsync({ data: frame }).catch(() => {});
    setTimeout(() => process.exit(0), Number(process.argv[1]));
  `;
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, ['-e', script, String(i % 5)], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `run ${i} (exit after ${i % 5} ms): status ${r.status} signal ${r.signal}\n${r.stderr}`);
  }
});
