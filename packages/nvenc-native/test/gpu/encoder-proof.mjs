// For the GPU machine (no npm deps): opens an Encoder with each ABI build against the machine's
// real driver and prints what happened, and round-trips device memory through the _testing
// helpers. On an H100 (no NVENC engine) the expected answer is NV_ENC_ERR_NO_ENCODE_DEVICE with
// the GPU's name — proof that CUDA context, session-open structs and error translation work on
// NVIDIA's driver. Usage: node encoder-proof.mjs [build/Release dir]
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'build', 'Release');
const libs = {};
if (process.env.NVENC_CUDA_LIBRARY) libs.cudaLibrary = process.env.NVENC_CUDA_LIBRARY;
if (process.env.NVENC_NVENC_LIBRARY) libs.nvencLibrary = process.env.NVENC_NVENC_LIBRARY;
const options = {
  ...libs,
  width: 1920,
  height: 1080,
  codec: 'h264',
  preset: 'p1',
  tuning: 'ull',
  rateControl: 'cbr',
  bitrate: 8_000_000,
  fpsNum: 60,
  fpsDen: 1,
  gop: 0xffffffff,
  idrPeriod: 0xffffffff,
  bFrames: 0,
  inputFormat: 'bgra',
  extraOutputDelay: 0,
  repeatSpsPps: true,
  zeroReorderDelay: true,
  hostUpload: 'auto',
};
const results = [];
for (const abi of ['11.1', '12.1']) {
  const b = require(join(dir, `nvenc_${abi.replace('.', '_')}.node`));
  const r = { abi };
  try {
    const enc = new b.Encoder(options);
    r.opened = enc.info();
    const packets = [...enc.encode({ data: Buffer.alloc(1920 * 1080 * 4, 64) }), ...enc.flush()];
    r.packets = packets.map((p) => ({ bytes: p.data.length, pictureType: p.pictureType, keyframe: p.keyframe }));
    enc.close();
  } catch (e) {
    r.error = { code: e.code, phase: e.phase, status: e.status, message: e.message };
  }
  try {
    const bytes = 1920 * 1080 * 4;
    const ptr = b._testing.cudaMalloc(libs, bytes);
    b._testing.cudaCopyToDevice(libs, ptr, Buffer.alloc(bytes, 7));
    b._testing.cudaFree(libs, ptr);
    r.deviceMemory = `cuMemAlloc/cuMemcpyHtoD/cuMemFree of ${bytes} bytes ok (ptr ${ptr > 0n ? 'non-zero' : 'zero'})`;
  } catch (e) {
    r.deviceMemory = { code: e.code, message: e.message };
  }
  results.push(r);
}
console.log(JSON.stringify(results, null, 2));
