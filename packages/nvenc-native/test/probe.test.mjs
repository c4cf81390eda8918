import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abis, bindingPath, encoderOptions, loadBinding, skipReason, software } from './support/fixtures.mjs';

for (const abi of abis) {
  test(`nvenc_${abi} exports the BINDING.md surface`, { skip: bindingPath(abi) ? false : 'not built' }, () => {
    const b = loadBinding(abi);
    assert.equal(b.abi, abi);
    assert.equal(typeof b.napiVersion, 'number');
    assert.equal(typeof b.probe, 'function');
    assert.equal(typeof b.openSessionProbe, 'function');
    assert.equal(typeof b.Encoder, 'function');
    for (const m of [
      'encode',
      'encodeAsync',
      'flush',
      'flushAsync',
      'reconfigure',
      'getCapabilities',
      'sequenceHeaders',
      'allocateHostFrame',
      'releaseDevicePointer',
      'info',
      'close',
    ]) {
      assert.equal(typeof b.Encoder.prototype[m], 'function', m);
    }
    assert.equal(typeof b._testing.cudaMalloc, 'function');
  });

  test(
    `nvenc_${abi} probe() reports a missing driver without throwing`,
    { skip: bindingPath(abi) ? false : 'not built' },
    () => {
      const p = loadBinding(abi).probe({
        cudaLibrary: '/nonexistent/libcuda.so.1',
        nvencLibrary: '/nonexistent/libnvidia-encode.so.1',
      });
      assert.equal(p.abi, abi);
      assert.equal(p.cuda.loaded, false);
      assert.equal(typeof p.cuda.error, 'string');
      assert.equal(p.nvenc.loaded, false);
    },
  );

  test(`nvenc_${abi} probe() describes the software device`, { skip: skipReason(abi) }, () => {
    const p = loadBinding(abi).probe(software);
    assert.equal(p.cuda.loaded, true);
    assert.equal(p.cuda.initStatus, 'CUDA_SUCCESS');
    assert.ok(p.cuda.devices.length >= 1);
    assert.equal(typeof p.cuda.devices[0].name, 'string');
    assert.equal(p.nvenc.loaded, true);
    assert.equal(p.nvenc.software, true);
    assert.match(p.nvenc.maxApiVersion, /^\d+\.\d+$/);
  });
}

test(
  'an Encoder without a driver fails with DRIVER_NOT_FOUND',
  { skip: bindingPath('12.1') ? false : 'not built' },
  () => {
    const { Encoder } = loadBinding('12.1');
    assert.throws(
      () =>
        new Encoder(
          encoderOptions({
            cudaLibrary: '/nonexistent/libcuda.so.1',
            nvencLibrary: 'libnvidia-encode.so.1',
            width: 64,
            height: 64,
            gop: 30,
            idrPeriod: 30,
          }),
        ),
      (e) => e.code === 'DRIVER_NOT_FOUND' && e.phase === 'load',
    );
  },
);
