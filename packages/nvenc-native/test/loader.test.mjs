// index.cjs: the one loader of the per-ABI binaries (@nvenc-ts/nvenc asks it for one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { bindingPath } from './support/fixtures.mjs';

const require = createRequire(import.meta.url);
const loader = require('../index.cjs');
const skip = bindingPath('12.1') ? false : 'nvenc_12_1 binding not built';

test('binaries() lists one file per ABI, newest first, named nvenc_<major>_<minor>.node', { skip }, () => {
  const list = loader.binaries();
  assert.ok(list.length > 0);
  assert.deepEqual(
    list.map((b) => b.abi),
    [...list.map((b) => b.abi)].sort((a, b) => loader.compareAbi(b, a)),
  );
  for (const b of list) assert.equal(basename(b.path), `nvenc_${b.abi.replace('.', '_')}.node`);
});

test('loadBinary() without an ABI loads the newest, whose abi export matches its name', { skip }, () => {
  const loaded = loader.loadBinary();
  assert.equal(loaded.abi, loader.binaries()[0].abi);
  assert.equal(loaded.binding.abi, loaded.abi);
  assert.equal(loader.load(loaded.abi), loaded.binding);
});

test('an ABI that is not built: one error with every path tried and possible solutions', () => {
  let err;
  try {
    loader.loadBinary('9.0');
  } catch (e) {
    err = e;
  }
  assert.equal(err?.code, 'ERR_NVENC_BINARY_NOT_FOUND');
  assert.equal(err.attempts.length, 2);
  assert.deepEqual(
    err.attempts.map((a) => a.error),
    ['no such file', 'no such file'],
  );
  assert.match(err.message, /\(ABI 9\.0\)/);
  assert.match(err.message, /Tried:\n {2}- .*build\/Release\/nvenc_9_0\.node: no such file/);
  assert.match(
    err.message,
    /Possible solutions:\n {2}- Build the binaries from source: pnpm --filter @nvenc-ts\/native build/,
  );
});

test('NVENC_NATIVE_DIR moves the search, and the error says where it looked', () => {
  const empty = mkdtempSync(join(tmpdir(), 'nvenc-native-loader-'));
  process.env.NVENC_NATIVE_DIR = empty;
  try {
    assert.equal(loader.packageDir(), empty);
    assert.deepEqual(loader.binaries(), []);
    assert.throws(
      () => loader.loadBinary(),
      (e) =>
        e.code === 'ERR_NVENC_BINARY_NOT_FOUND' &&
        e.message.includes(
          `Searched: ${empty}/build/Release, ${empty}/prebuilds/${process.platform}-${process.arch}`,
        ) &&
        /any ABI; found none/.test(e.message),
    );
  } finally {
    delete process.env.NVENC_NATIVE_DIR;
    rmSync(empty, { recursive: true, force: true });
  }
});
