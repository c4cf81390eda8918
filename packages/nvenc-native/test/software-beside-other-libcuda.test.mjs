// Issue #13's last gap: NVIDIA's libcuda.so.1 is already loaded when a software-device encoder
// opens. The software NVENC library must read frames through the software CUDA whose context it
// was given, not through whatever a lookup by soname returns (the library loaded first). A
// stand-in libcuda.so.1, built here and loaded first with RTLD_GLOBAL, takes NVIDIA's place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeAnnexB,
  encoderOptions,
  hasFfprobe,
  loadBinding,
  nv12Frame,
  skipReason,
  software,
} from './support/fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the stand-in into a temp dir; its path, or null with the compiler's complaint. */
function buildStandIn() {
  const dir = mkdtempSync(join(tmpdir(), 'standin-libcuda-'));
  const lib = join(dir, 'libcuda.so.1');
  // nodelete: process.dlopen() closes a library that is not a Node addon; this one must stay.
  const r = spawnSync(
    'cc',
    [
      '-shared',
      '-fPIC',
      '-Wl,-soname,libcuda.so.1',
      '-Wl,-z,nodelete',
      '-o',
      lib,
      join(here, '..', '..', 'nvenc-software-device', 'test', 'nvenc', 'standin_libcuda.c'),
    ],
    // Without the sanitizer run's LD_PRELOAD (hardening/sanitize.sh): the compiler is not under test.
    { encoding: 'utf8', env: { ...process.env, LD_PRELOAD: '' } },
  );
  if (r.status !== 0) throw new Error(`building the stand-in libcuda failed: ${r.stderr}`);
  return { dir, lib, log: join(dir, 'calls.log') };
}

test(
  'a software-device encoder opened after another libcuda.so.1 encodes through the software CUDA',
  { skip: skipReason() || (hasFfprobe() ? false : 'ffprobe not installed') },
  () => {
    const standIn = buildStandIn();
    process.env.NVSOFT_STANDIN_LOG = standIn.log;
    assert.throws(
      () => process.dlopen({ exports: {} }, standIn.lib, constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_GLOBAL),
      /self-register/,
    );
    const maps = readFileSync('/proc/self/maps', 'utf8');
    assert.ok(maps.includes(standIn.lib), 'the stand-in libcuda.so.1 stays loaded, first of its soname');
    assert.ok(!maps.includes(software.cudaLibrary), 'the software libcuda is not loaded before the encoder');

    const b = loadBinding('12.1');
    const enc = new b.Encoder(encoderOptions());
    const packets = [];
    for (let i = 0; i < 5; i++) packets.push(...enc.encode({ data: nv12Frame(320, 240, i) }, { seq: i }));
    packets.push(...enc.flush());
    const info = enc.info();
    enc.close();

    assert.equal(info.software, true);
    assert.equal(decodeAnnexB(packets).frames, 5);
    const calls = existsSync(standIn.log) ? readFileSync(standIn.log, 'utf8').trim() : '';
    assert.equal(calls, '', 'the software NVENC library never called the other libcuda.so.1');
  },
);
