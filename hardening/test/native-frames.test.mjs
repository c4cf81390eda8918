// Frame-descriptor validation in C++ (encoder_binding.cc reads the JS frame object), fuzzed from
// JS: random descriptors of every kind — host buffers of any length and type, pitches of any JS
// value, real CUDA allocations too small, interior or freed, invented pointers — go straight to
// the native Encoder, past the TypeScript checks. Each must end as a result or as an Error with a
// documented code and phase, the process must not crash, and the encoder must keep encoding.
// Generative, not coverage-guided (there is no coverage feedback from the C++ here); run under
// ASan by hardening/sanitize.sh. HARDENING_NATIVE_FUZZ_CASES sets the count (default 20 000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Decisions, frameDescriptor } from '../fuzz/targets.mjs';
import { binding, counters, libs, nativeOptions, skip, withEnv } from './support.mjs';

const CASES = Number(process.env.HARDENING_NATIVE_FUZZ_CASES ?? 20_000);
const CODE = /^(NV_ENC_ERR_[A-Z_]+|CUDA_ERROR_[A-Z_]+|INVALID_FRAME|INVALID_OPTION)$/;

/** The layouts of frameLayout() in packages/nvenc/src/frame.ts, for the encoders below. */
function layoutOf(format, width, height) {
  const bpp = { nv12: 1, p010: 2, yuv444: 1, bgra: 4, rgba: 4 }[format];
  const rowsTotal = format === 'yuv444' ? height * 3 : format === 'bgra' || format === 'rgba' ? height : height * 1.5;
  const rowBytes = width * bpp;
  return {
    format,
    width,
    height,
    bytesPerPixel: bpp,
    rowsTotal,
    rowBytes,
    tightPitch: rowBytes,
    frameBytes: rowBytes * rowsTotal,
    elementSize: format === 'p010' ? 2 : 1,
  };
}

const ENCODERS = [
  { codec: 'h264', inputFormat: 'nv12', width: 64, height: 48 },
  { codec: 'h264', inputFormat: 'bgra', width: 34, height: 18 },
  { codec: 'h264', inputFormat: 'rgba', width: 16, height: 16 },
  { codec: 'hevc', inputFormat: 'p010', width: 64, height: 32 },
  { codec: 'h264', inputFormat: 'yuv444', width: 32, height: 32, profile: 'high444' },
];

test(
  `${CASES} random frame descriptors straight into the native Encoder: typed errors only, encoder stays usable`,
  { skip, timeout: 600_000 },
  async () => {
    await withEnv({ NVENC_SOFT_ENGINE: 'null' }, async () => {
      const before = counters();
      const seed = process.env.HARDENING_SEED ? Buffer.from(process.env.HARDENING_SEED, 'hex') : randomBytes(8);
      const encoders = ENCODERS.map((e) => {
        const layout = layoutOf(e.inputFormat, e.width, e.height);
        const enc = new binding.Encoder(nativeOptions(e));
        // Real CUDA memory for the descriptors to point at: exact, too small, padded.
        const sizes = [
          layout.frameBytes,
          layout.frameBytes - 1,
          layout.frameBytes * 2,
          16,
          layout.rowBytes * 2 * layout.rowsTotal,
        ];
        const pool = sizes.map((n) => binding._testing.cudaMalloc(libs, Math.max(1, Math.ceil(n))));
        const valid = Buffer.alloc(layout.frameBytes, 100);
        return { enc, layout, pool, valid };
      });
      const freed = binding._testing.cudaMalloc(libs, 4096);
      binding._testing.cudaFree(libs, freed);

      const outcomes = new Map();
      const count = (key) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      let state = seed.readUInt32LE(0) || 1;
      const bytes = Buffer.alloc(48);
      for (let i = 0; i < CASES; i++) {
        for (let k = 0; k < bytes.length; k++) {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          state >>>= 0;
          bytes[k] = state & 0xff;
        }
        const target = encoders[bytes[0] % encoders.length];
        const d = new Decisions(bytes.subarray(1));
        const pointer = (dd) => {
          const v = dd.byte() % 4;
          if (v === 0) return target.pool[dd.byte() % target.pool.length];
          if (v === 1) return target.pool[dd.byte() % target.pool.length] + BigInt(dd.byte() * 64); // interior
          if (v === 2) return freed;
          return dd.pick([0n, 1n, -1n, 2n ** 64n - 1n, 0x7f0000001000n, 4096, 'ptr', null, 1.5]);
        };
        const frame = frameDescriptor(d, target.layout, pointer);
        try {
          target.enc.encode(frame);
          count('encoded');
        } catch (e) {
          const what = `${e?.code} (${e?.phase})`;
          assert.ok(
            e instanceof Error && typeof e.code === 'string' && CODE.test(e.code),
            `case ${i} (seed ${seed.toString('hex')}): ${e?.constructor?.name} ${e?.code}: ${e?.message}`,
          );
          assert.ok(typeof e.phase === 'string', `case ${i}: error without phase: ${e.message}`);
          count(what);
        }
        if (i % 16 === 0)
          assert.equal(
            target.enc.encode({ data: target.valid }).length,
            1,
            `encoder ${target.layout.format} still encodes after case ${i}`,
          );
      }
      for (const t of encoders) {
        assert.equal(t.enc.encode({ data: t.valid }).length, 1);
        t.enc.close();
        for (const p of t.pool) binding._testing.cudaFree(libs, p);
      }
      const after = counters();
      assert.equal(after.nvencSessions, 0);
      assert.equal(after.nvencRegistrations, 0);
      assert.equal(after.nvencMappings, 0);
      assert.equal(after.cudaAllocations, before.cudaAllocations);
      console.log(
        `# native frame descriptors: ${CASES} cases, seed ${seed.toString('hex')}: ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])))}`,
      );
    });
  },
);
