// For the GPU machine (no npm deps): NVIDIA's real CUDA driver + the software NVENC engine.
// Frames are written into real device memory (cuMemAlloc + cuMemcpyHtoD), handed to the encoder
// as { devicePtr, pitch } (registered once with NVENC, mapped per frame), and the software engine
// reads them back through real CUDA. Writes the raw source and each stream to OUT_DIR so they can be
// decoded and compared (PSNR) on a machine that has ffmpeg.
// Usage: node hybrid-roundtrip.mjs <build/Release dir> <software nvenc library> <out dir>
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encoderOptions } from '../support/fixtures.mjs';

const require = createRequire(import.meta.url);
const [dir, nvencLibrary, outDir] = process.argv.slice(2).map((a) => resolve(a));
const W = 320,
  H = 240,
  FRAMES = 30;
// NVENC_CUDA_LIBRARY lets the same script run on the software CUDA where no GPU exists.
const libs = { cudaLibrary: process.env.NVENC_CUDA_LIBRARY ?? 'libcuda.so.1', nvencLibrary };

// A moving NV12 pattern: luma gradient plus a bright square; chroma bands.
function nv12Frame(i) {
  const f = Buffer.alloc((W * H * 3) / 2);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const inBox = x >= (i * 7) % (W - 40) && x < ((i * 7) % (W - 40)) + 40 && y >= 100 && y < 140;
      f[y * W + x] = inBox ? 235 : 16 + ((x + y + i * 3) % 200);
    }
  for (let y = 0; y < H / 2; y++)
    for (let x = 0; x < W / 2; x++) {
      f[W * H + y * W + 2 * x] = 64 + ((x * 2) % 128);
      f[W * H + y * W + 2 * x + 1] = 64 + ((y * 3) % 128);
    }
  return f;
}

const source = [];
for (let i = 0; i < FRAMES; i++) source.push(nv12Frame(i));
writeFileSync(join(outDir, 'hybrid-source-320x240.nv12'), Buffer.concat(source));

const report = [];
for (const abi of ['11.1', '12.1']) {
  const b = require(join(dir, `nvenc_${abi.replace('.', '_')}.node`));
  for (const codec of ['h264', 'hevc']) {
    const r = { abi, codec };
    const ptrs = [];
    try {
      const enc = new b.Encoder(
        encoderOptions({
          ...libs,
          width: W,
          height: H,
          codec,
          preset: 'p4',
          tuning: 'hq',
          rateControl: 'vbr',
          bitrate: 4_000_000,
          maxBitrate: 6_000_000,
          zeroReorderDelay: true,
        }),
      );
      r.info = enc.info();
      // Two device buffers used alternately: exercises the registration cache.
      for (let k = 0; k < 2; k++) ptrs.push(b._testing.cudaMalloc(libs, (W * H * 3) / 2));
      const packets = [];
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < FRAMES; i++) {
        const ptr = ptrs[i % 2];
        b._testing.cudaCopyToDevice(libs, ptr, source[i]);
        packets.push(...enc.encode({ devicePtr: ptr, pitch: W }, { seq: i, timestamp: i * 33333 }));
      }
      packets.push(...enc.flush());
      r.msPerFrame = Number(process.hrtime.bigint() - t0) / 1e6 / FRAMES;
      r.registeredResources = enc.info().registeredResources;
      r.packets = packets.length;
      r.seqExact = packets.every((p, i) => p.seq === i);
      r.keyframes = packets.filter((p) => p.keyframe).map((p) => p.seq);
      const file = `hybrid-${abi}-${codec}.${codec === 'h264' ? 'h264' : 'hevc'}`;
      writeFileSync(join(outDir, file), Buffer.concat(packets.map((p) => p.data)));
      r.file = file;
      enc.close();
      r.softwareCounters = b._testing.softwareCounters(libs);
    } catch (e) {
      r.error = { code: e.code, message: e.message };
    } finally {
      for (const p of ptrs) b._testing.cudaFree(libs, p);
    }
    report.push(r);
  }
}
console.log(JSON.stringify(report, null, 2));
