// GPU machine (node --test, no npm dependencies): the encoder shares CUDA with other users of the
// process. A second CUDA user (cuda-peer.c, its own dlopen of libcuda) allocates frames in the
// device's primary context and in a context it creates itself; the encoder (@nvenc-ts/nvenc, real
// CUDA + the software NVENC engine on a GPU without NVENC) encodes them in place, and close()
// leaves the caller's context alive. With two GPUs, device: { gpu: 1 } and a GPU-0 pointer too.
//
// Env: NVENC_SOFT_NVENC (software libnvidia-encode.so.1, required), CUDA_PEER_ADDON (cuda_peer.node),
// NVENC_TEST_CUDA_LIBRARY (the encoder's libcuda; default NVIDIA's by soname), CUDA_PEER_LIBRARY
// (the peer's libcuda; default the same soname). On this project's CI both point at the software
// libcuda, which runs the same tests without a GPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const nvenc = await import(join(root, 'packages', 'nvenc', 'dist', 'index.js'));
const peer = require(process.env.CUDA_PEER_ADDON ?? './cuda_peer.node');
const nvencLibrary = process.env.NVENC_SOFT_NVENC;
assert.ok(nvencLibrary, 'set NVENC_SOFT_NVENC to the software libnvidia-encode.so.1');
const cudaLibrary = process.env.NVENC_TEST_CUDA_LIBRARY;
const device = (extra = {}) => ({ nvencLibrary, ...(cudaLibrary ? { cudaLibrary } : {}), ...extra });

const W = 320,
  H = 240,
  FRAMES = 12;
const BYTES = (W * H * 3) / 2;
function frame(i) {
  const f = Buffer.alloc(BYTES);
  for (let p = 0; p < W * H; p++) f[p] = 16 + (((p % W) + i * 5 + ((p / W) | 0)) % 200);
  f.fill(128, W * H);
  return f;
}
const frames = Array.from({ length: FRAMES }, (_, i) => frame(i));
const options = { width: W, height: H, inputFormat: 'nv12', codec: 'h264', bitrate: 2_000_000 };

/** The stream of FRAMES frames, each given by `input(i)`; checks that device frames were not copied. */
function encodeAll(enc, input) {
  const chunks = [];
  let uploadUs = 0;
  for (let i = 0; i < FRAMES; i++) {
    for (const p of enc.encode(input(i), { seq: i })) chunks.push(p.data);
    uploadUs += enc.lastFrameTimings.uploadUs;
  }
  for (const p of enc.flush()) chunks.push(p.data);
  return { stream: Buffer.concat(chunks), uploadUs };
}

const report = { probe: null, tests: {} };
const reference = (() => {
  // The same frames from host memory: the software engine is deterministic (one thread for
  // H.264), so a device-pointer stream equal to this one proves the engine read those pixels.
  const enc = new nvenc.NvencEncoder({ ...options, device: device() });
  try {
    return encodeAll(enc, (i) => frames[i]).stream;
  } finally {
    enc.close();
  }
})();

test('probe: real CUDA, software NVENC engine (never called NVIDIA hardware)', () => {
  const r = nvenc.probeDriver({ device: device() });
  report.probe = {
    ok: r.ok,
    device: r.device,
    software: r.software,
    devices: r.devices.map((d) => d.name),
    driver: r.driver.version,
    abi: r.abi,
  };
  assert.equal(r.ok, true, r.problems.join(' '));
  assert.equal(r.software, true);
  assert.equal(r.device, 'custom');
});

test("a pointer another CUDA user allocated in the primary context encodes in place (no copy, no context of the encoder's own)", () => {
  const ctx = peer.primaryContext(0);
  const ptrs = [peer.alloc(ctx, BYTES), peer.alloc(ctx, BYTES)];
  const enc = new nvenc.NvencEncoder({ ...options, device: device({ gpu: 0 }) });
  try {
    const { stream, uploadUs } = encodeAll(enc, (i) => {
      peer.upload(ctx, ptrs[i % 2], frames[i]);
      return { devicePtr: ptrs[i % 2], pitch: W };
    });
    const info = enc.info;
    report.tests.primary = {
      device: info.device,
      deviceKind: info.deviceKind,
      software: info.software,
      registeredResources: info.registeredResources,
      uploadUs,
      bytes: stream.length,
      identicalToHostEncode: stream.equals(reference),
    };
    assert.equal(info.registeredResources, 2, 'both pointers registered with NVENC once');
    assert.equal(uploadUs, 0, 'no host-to-device copy for device frames');
    assert.ok(stream.equals(reference), 'device-pointer stream equals the host-frame stream');
  } finally {
    enc.close();
    for (const p of ptrs) peer.free(ctx, p);
  }
});

test('a context the caller created works as cudaContext and survives close()', () => {
  const ctx = peer.createContext(0);
  const before = peer.apiVersion(ctx);
  const ptr = peer.alloc(ctx, BYTES);
  const enc = new nvenc.NvencEncoder({ ...options, device: device({ gpu: 0, cudaContext: ctx }) });
  let stream;
  try {
    stream = encodeAll(enc, (i) => {
      peer.upload(ctx, ptr, frames[i]);
      return { devicePtr: ptr, pitch: W };
    }).stream;
  } finally {
    enc.close();
  }
  // After close(): the context still answers and still allocates; only then does its owner destroy it.
  const after = peer.apiVersion(ctx);
  const probe = peer.alloc(ctx, 1 << 20);
  peer.free(ctx, probe);
  peer.free(ctx, ptr);
  peer.destroyContext(ctx);
  const destroyed = peer.apiVersion(ctx); // the check can fail: a destroyed context is refused
  report.tests.callerContext = {
    apiVersionBefore: before,
    apiVersionAfterClose: after,
    allocAfterClose: true,
    apiVersionAfterDestroy: destroyed,
    identicalToHostEncode: stream.equals(reference),
  };
  assert.ok(before > 0);
  assert.equal(after, before);
  assert.ok(destroyed < 0, `cuCtxGetApiVersion after cuCtxDestroy should fail, got ${destroyed}`);
  assert.ok(stream.equals(reference));
});

const gpus = nvenc.probeDriver({ device: device() }).devices.length;
test(
  'device: { gpu: 1 } opens on the second GPU, and a GPU-0 pointer is refused with a typed error',
  { skip: gpus < 2 ? `${gpus} GPU(s): needs two` : false },
  () => {
    const ctx0 = peer.primaryContext(0);
    const ctx1 = peer.primaryContext(1);
    const on0 = peer.alloc(ctx0, BYTES);
    const on1 = peer.alloc(ctx1, BYTES);
    const enc = new nvenc.NvencEncoder({ ...options, device: device({ gpu: 1 }) });
    try {
      peer.upload(ctx1, on1, frames[0]);
      const ok = enc.encode({ devicePtr: on1, pitch: W });
      let refused;
      try {
        enc.encode({ devicePtr: on0, pitch: W });
      } catch (e) {
        refused = { name: e.name, code: e.code, phase: e.phase, message: e.message };
      }
      const next = enc.encode({ devicePtr: on1, pitch: W });
      report.tests.secondGpu = {
        device: enc.info.device,
        packetsFromGpu1Memory: ok.length + next.length,
        gpu0PointerRefused: refused,
      };
      assert.ok(ok.length + next.length >= 1);
      assert.equal(refused?.name, 'InvalidFrameError');
      assert.equal(refused?.code, 'INVALID_FRAME');
      assert.match(refused.message, /memory of GPU 0, but this encoder runs on GPU 1/);
    } finally {
      enc.close();
      peer.free(ctx0, on0);
      peer.free(ctx1, on1);
    }
  },
);

test('report', () => {
  console.log(`CONTEXT-REPORT ${JSON.stringify(report)}`);
});
