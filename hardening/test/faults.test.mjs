// Fault injection (NVENC_SOFT_FAULT, see packages/nvenc-software-device/README.md): every injected
// failure surfaces as a typed NvencError, the encoder stays usable or closes cleanly, and the
// software device is left with no session, buffer, registration, mapping or CUDA allocation.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { binding, caught, counters, encoderOptions, libs, nv12, nvenc, skip, withEnv } from './support.mjs';

const W = 64;
const H = 48;
let baseline;

beforeEach(() => {
  if (skip) return;
  baseline = counters();
});

/** Nothing of the software device is held once every encoder is closed. */
function assertNothingHeld(what) {
  const now = counters();
  assert.deepEqual(
    {
      sessions: now.nvencSessions,
      inputs: now.nvencInputBuffers,
      bitstreams: now.nvencBitstreamBuffers,
      registrations: now.nvencRegistrations,
      mappings: now.nvencMappings,
      cudaAllocations: now.cudaAllocations,
      cudaBytes: now.cudaBytes,
    },
    {
      sessions: 0,
      inputs: 0,
      bitstreams: 0,
      registrations: 0,
      mappings: 0,
      cudaAllocations: baseline.cudaAllocations,
      cudaBytes: baseline.cudaBytes,
    },
    `software device objects left after ${what}`,
  );
}

function assertNvencError(err, code, phase) {
  assert.ok(err instanceof nvenc.NvencError, `expected an NvencError, got ${err?.constructor?.name}: ${err?.message}`);
  assert.equal(err.code, code, err.message);
  if (phase) assert.equal(err.phase, phase, err.message);
}

function encodeSome(enc, n, start = 0) {
  let packets = 0;
  for (let i = 0; i < n; i++) packets += enc.encode(nv12(W, H, start + i)).length;
  return packets;
}

/** A CUDA device buffer for one frame, freed by the caller. */
function deviceFrame(index) {
  const ptr = binding._testing.cudaMalloc(libs, W * H * 1.5);
  binding._testing.cudaCopyToDevice(libs, ptr, nv12(W, H, index));
  return ptr;
}

test(
  'CUDA allocation failure (alloc@1) → NvencError CUDA_ERROR_OUT_OF_MEMORY; the encoder stays usable',
  { skip },
  async () => {
    const enc = new nvenc.NvencEncoder(encoderOptions());
    await withEnv({ NVENC_SOFT_FAULT: 'alloc@1' }, async () => {
      // The first encode allocates the encoder's input surface: that allocation fails.
      assertNvencError(await caught(() => enc.encode(nv12(W, H))), 'CUDA_ERROR_OUT_OF_MEMORY', 'allocate');
      assert.equal(encodeSome(enc, 3), 3, 'encodes after the failed allocation');
    });
    enc.close();
    assertNothingHeld('an allocation failure');
  },
);

test(
  'every CUDA allocation failing (alloc@1+) → typed errors from encode and allocateHostFrame, clean close',
  { skip },
  async () => {
    const enc = new nvenc.NvencEncoder(encoderOptions());
    await withEnv({ NVENC_SOFT_FAULT: 'alloc@1+' }, async () => {
      assertNvencError(await caught(() => enc.encode(nv12(W, H))), 'CUDA_ERROR_OUT_OF_MEMORY', 'allocate');
      assertNvencError(await caught(() => enc.encodeAsync(nv12(W, H))), 'CUDA_ERROR_OUT_OF_MEMORY', 'allocate');
      assertNvencError(await caught(() => enc.allocateHostFrame()), 'CUDA_ERROR_OUT_OF_MEMORY', 'allocate');
    });
    assert.equal(encodeSome(enc, 2), 2, 'encodes once memory is back');
    enc.close();
    assertNothingHeld('repeated allocation failures');
  },
);

test(
  'NVENC buffer creation failure while opening (buffer@2) → NvencError NV_ENC_ERR_OUT_OF_MEMORY, no session left',
  { skip },
  async () => {
    await withEnv({ NVENC_SOFT_FAULT: 'buffer@2' }, async () => {
      const err = await caught(() => new nvenc.NvencEncoder(encoderOptions({ extraOutputDelay: 2 })));
      assertNvencError(err, 'NV_ENC_ERR_OUT_OF_MEMORY', 'allocate');
      assert.ok(!(err instanceof nvenc.SessionLimitError), 'an allocation failure after open is not the session limit');
    });
    assertNothingHeld('a failed open');
  },
);

test(
  'encode error mid-stream (encode@3=GENERIC) → NvencError NV_ENC_ERR_GENERIC; no mapping left; usable after',
  { skip },
  async () => {
    const enc = new nvenc.NvencEncoder(encoderOptions());
    const ptr = deviceFrame(0);
    try {
      await withEnv({ NVENC_SOFT_FAULT: 'encode@3=GENERIC' }, async () => {
        assert.equal(enc.encode({ devicePtr: ptr, pitch: W }).length, 1);
        assert.equal(enc.encode({ devicePtr: ptr, pitch: W }).length, 1);
        assertNvencError(await caught(() => enc.encode({ devicePtr: ptr, pitch: W })), 'NV_ENC_ERR_GENERIC', 'encode');
        const c = counters();
        assert.equal(c.nvencMappings, 0, "the failed picture's resource was unmapped");
        assert.equal(c.nvencRegistrations, 1, 'the device pointer stays registered (cached) for the next frame');
        assert.equal(enc.encode({ devicePtr: ptr, pitch: W }).length, 1, 'the next frame encodes');
        assert.equal(encodeSome(enc, 2), 2, 'host frames too');
      });
      assert.equal(enc.releaseDeviceFrame(ptr), true);
      assert.equal(counters().nvencRegistrations, 1, 'only the host-frame surface stays registered');
    } finally {
      enc.close();
      binding._testing.cudaFree(libs, ptr);
    }
    assertNothingHeld('an encode error');
  },
);

test(
  'async encode error (encode@2=GENERIC) rejects with NvencError; later calls still run in order',
  { skip },
  async () => {
    const enc = new nvenc.NvencEncoder(encoderOptions());
    await withEnv({ NVENC_SOFT_FAULT: 'encode@2=GENERIC' }, async () => {
      const results = await Promise.allSettled([0, 1, 2, 3].map((i) => enc.encodeAsync(nv12(W, H, i), { seq: i })));
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      );
      assertNvencError(results[1].reason, 'NV_ENC_ERR_GENERIC', 'encode');
      assert.deepEqual(
        results.filter((r) => r.status === 'fulfilled').map((r) => r.value[0].seq),
        [0, 2, 3],
      );
    });
    enc.close();
    assertNothingHeld('an async encode error');
  },
);

test('bitstream lock failure (lock@2=GENERIC) → NvencError; no mapping left; usable after', { skip }, async () => {
  const enc = new nvenc.NvencEncoder(encoderOptions());
  await withEnv({ NVENC_SOFT_FAULT: 'lock@2=GENERIC' }, async () => {
    assert.equal(encodeSome(enc, 1), 1);
    const err = await caught(() => enc.encode(nv12(W, H, 1)));
    assertNvencError(err, 'NV_ENC_ERR_GENERIC');
    assert.equal(counters().nvencMappings, 0, "the failed picture's input was unmapped");
    assert.ok(encodeSome(enc, 3, 2) >= 2, 'later frames encode');
  });
  enc.close();
  assertNothingHeld('a lock failure');
});

test(
  'map failure (map@1=MAP_FAILED) on a device frame → NvencError NV_ENC_ERR_MAP_FAILED; usable after',
  { skip },
  async () => {
    const enc = new nvenc.NvencEncoder(encoderOptions());
    const ptr = deviceFrame(1);
    try {
      await withEnv({ NVENC_SOFT_FAULT: 'map@1=MAP_FAILED' }, async () => {
        assertNvencError(await caught(() => enc.encode({ devicePtr: ptr, pitch: W })), 'NV_ENC_ERR_MAP_FAILED');
        assert.equal(counters().nvencMappings, 0);
        assert.equal(enc.encode({ devicePtr: ptr, pitch: W }).length, 1);
      });
    } finally {
      enc.close();
      binding._testing.cudaFree(libs, ptr);
    }
    assertNothingHeld('a map failure');
  },
);

test(
  'registration failure (register=RESOURCE_REGISTER_FAILED) → NvencError; nothing registered; usable after',
  { skip },
  async () => {
    const enc = new nvenc.NvencEncoder(encoderOptions());
    const ptr = deviceFrame(2);
    try {
      await withEnv({ NVENC_SOFT_FAULT: 'register=RESOURCE_REGISTER_FAILED' }, async () => {
        assertNvencError(
          await caught(() => enc.encode({ devicePtr: ptr, pitch: W })),
          'NV_ENC_ERR_RESOURCE_REGISTER_FAILED',
        );
        assertNvencError(await caught(() => enc.encode(nv12(W, H))), 'NV_ENC_ERR_RESOURCE_REGISTER_FAILED');
        assert.equal(counters().nvencRegistrations, 0);
        assert.equal(enc.info.registeredResources, 0);
      });
      assert.equal(enc.encode({ devicePtr: ptr, pitch: W }).length, 1, 'registers once the fault is gone');
    } finally {
      enc.close();
      binding._testing.cudaFree(libs, ptr);
    }
    assertNothingHeld('a registration failure');
  },
);

test(
  'a host-frame surface whose registration failed once is registered on the next frame (was a SIGSEGV)',
  { skip },
  async () => {
    // The failed frame's slot is the next one used: it has a surface but no registration.
    const enc = new nvenc.NvencEncoder(encoderOptions());
    try {
      await withEnv({ NVENC_SOFT_FAULT: 'register=RESOURCE_REGISTER_FAILED' }, async () => {
        assertNvencError(await caught(() => enc.encode(nv12(W, H))), 'NV_ENC_ERR_RESOURCE_REGISTER_FAILED');
      });
      assert.equal(encodeSome(enc, 3), 3);
      assert.equal((await enc.encodeAsync(nv12(W, H))).length, 1);
    } finally {
      enc.close();
    }
    assertNothingHeld('a one-off registration failure');
  },
);

test('initialisation failure (init=GENERIC) → NvencError phase initialize, no session left', { skip }, async () => {
  await withEnv({ NVENC_SOFT_FAULT: 'init=GENERIC' }, async () => {
    assertNvencError(await caught(() => new nvenc.NvencEncoder(encoderOptions())), 'NV_ENC_ERR_GENERIC', 'initialize');
  });
  assertNothingHeld('a failed initialisation');
});

test(
  'session limit (NVENC_SOFT_MAX_SESSIONS=2) → SessionLimitError; open encoders unaffected; a freed slot is reusable',
  { skip },
  async () => {
    await withEnv({ NVENC_SOFT_MAX_SESSIONS: '2' }, async () => {
      const a = new nvenc.NvencEncoder(encoderOptions());
      const b = new nvenc.NvencEncoder(encoderOptions());
      const err = await caught(() => new nvenc.NvencEncoder(encoderOptions()));
      assert.ok(err instanceof nvenc.SessionLimitError, `${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.phase, 'open');
      assert.equal(encodeSome(a, 2) + encodeSome(b, 2), 4);
      a.close();
      const c = new nvenc.NvencEncoder(encoderOptions());
      assert.equal(encodeSome(c, 1), 1);
      b.close();
      c.close();
    });
    assertNothingHeld('the session limit');
  },
);

test('session refused by the driver (open=OUT_OF_MEMORY) → SessionLimitError', { skip }, async () => {
  await withEnv({ NVENC_SOFT_FAULT: 'open=OUT_OF_MEMORY' }, async () => {
    const err = await caught(() => new nvenc.NvencEncoder(encoderOptions()));
    assert.ok(err instanceof nvenc.SessionLimitError, `${err?.constructor?.name}: ${err?.message}`);
  });
  assertNothingHeld('a refused session');
});

test(
  'device lost mid-stream (lost@4) → NvencError NV_ENC_ERR_DEVICE_NOT_EXIST from then on; close is clean; the device comes back',
  { skip },
  async () => {
    const enc = new nvenc.NvencEncoder(encoderOptions({ extraOutputDelay: 1 }));
    const ptr = deviceFrame(3);
    try {
      await withEnv({ NVENC_SOFT_FAULT: 'lost@4' }, async () => {
        enc.encode(nv12(W, H, 0));
        enc.encode({ devicePtr: ptr, pitch: W });
        enc.encode(nv12(W, H, 2));
        for (const attempt of [
          () => enc.encode(nv12(W, H, 3)),
          () => enc.encode({ devicePtr: ptr, pitch: W }),
          () => enc.flush(),
          () => enc.encodeAsync(nv12(W, H)),
        ]) {
          assertNvencError(await caught(attempt), 'NV_ENC_ERR_DEVICE_NOT_EXIST');
        }
        // extraOutputDelay 1: frame 3 was still in flight when the device went; it stays mapped
        // until close() (its output can never come), nothing else does.
        assert.ok(counters().nvencMappings <= 1, `${counters().nvencMappings} mappings after the loss`);
        assertNvencError(
          await caught(() => new nvenc.NvencEncoder(encoderOptions())),
          'NV_ENC_ERR_DEVICE_NOT_EXIST',
          'open',
        );
        enc.close();
        assert.equal(enc.closed, true);
        assert.ok((await caught(() => enc.encode(nv12(W, H)))) instanceof nvenc.EncoderClosedError);
      });
    } finally {
      enc.close();
      binding._testing.cudaFree(libs, ptr);
    }
    assertNothingHeld('a lost device');
    const again = new nvenc.NvencEncoder(encoderOptions());
    assert.equal(encodeSome(again, 2), 2, 'a new encoder works once the device is back');
    again.close();
  },
);

test(
  'device lost under 4 concurrent async encoders → every pending call rejects typed; all close cleanly',
  { skip },
  async () => {
    const encoders = [0, 1, 2, 3].map(() => new nvenc.NvencEncoder(encoderOptions()));
    await withEnv({ NVENC_SOFT_FAULT: 'lost@10' }, async () => {
      const calls = [];
      for (let i = 0; i < 8; i++) for (const enc of encoders) calls.push(enc.encodeAsync(nv12(W, H, i)));
      const results = await Promise.allSettled(calls);
      const rejected = results.filter((r) => r.status === 'rejected');
      assert.ok(rejected.length >= 32 - 9, `${rejected.length} rejected`);
      for (const r of rejected) assertNvencError(r.reason, 'NV_ENC_ERR_DEVICE_NOT_EXIST');
      for (const enc of encoders) enc.close();
    });
    assertNothingHeld('a lost device under async load');
  },
);
