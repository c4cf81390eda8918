// Encode frames that are already in CUDA device memory: NVENC reads them in place (the pointer is
// registered with the encoder once and mapped per frame), so no frame crosses the PCIe bus.
//
//   node examples/encode-device-pointer.mjs [out.h264] [--frames 60] [--device software|auto]
//
// A real application gets its device pointer from its renderer or CUDA library (a CUDA-OpenGL
// interop buffer, a CuPy array's __cuda_array_interface__, ...). This program has none, so it
// allocates NV12 device memory with @nvenc-ts/native's test helpers (`_testing`, see its
// BINDING.md; not a supported API). `--device software` (default) runs on the software device's
// CUDA, whose "device memory" is host memory; `--device auto` needs an NVIDIA GPU.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NvencEncoder, frameLayout, probeDriver, softwareDeviceLibraries } from '@nvenc-ts/nvenc';

const require = createRequire(import.meta.url);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { frames: { type: 'string', default: '60' }, device: { type: 'string', default: 'software' } },
});
const output = positionals[0] ?? 'device.h264';
const frames = Number(values.frames);
const device = values.device === 'auto' ? 'auto' : 'software';
const width = 640;
const height = 360;

const report = probeDriver({ device });
if (!report.ok) {
  // No CUDA here (no GPU, or the software device is not built): nothing to allocate from.
  console.log(`skipped: no CUDA device for --device ${device}: ${report.problems.join('; ')}`);
  process.exit(0);
}
const libraries = device === 'software' ? softwareDeviceLibraries() : {};
const testing = require('@nvenc-ts/native').load(report.abi)._testing;

// NV12 with a pitch of 256-byte aligned rows, as cudaMallocPitch would give: the Y plane, then the
// interleaved UV plane at half height, both `pitch` bytes per row.
const layout = frameLayout('nv12', width, height);
const pitch = Math.ceil(layout.rowBytes / 256) * 256;
const bytes = pitch * layout.rowsTotal;
const devicePtr = testing.cudaMalloc(libraries, bytes);
const host = Buffer.alloc(bytes);

const encoder = new NvencEncoder({ width, height, codec: 'h264', inputFormat: 'nv12', fps: 30, device });
try {
  const chunks = [];
  for (let i = 0; i < frames; i++) {
    drawNv12(host, i);
    testing.cudaCopyToDevice(libraries, devicePtr, host); // stands in for the app's own GPU rendering
    for (const packet of encoder.encode({ devicePtr, pitch }, { seq: i })) chunks.push(packet.data);
  }
  for (const packet of encoder.flush()) chunks.push(packet.data);
  const stream = Buffer.concat(chunks);
  writeFileSync(output, stream);
  const { device: used, software } = encoder.info;
  console.log(
    `${output}: ${frames} frames ${width}x${height} from device pointer 0x${devicePtr.toString(16)} (pitch ${pitch}), ${stream.length} bytes`,
  );
  console.log(`encoded on ${used}${software ? ' (software device, not NVENC hardware)' : ''}`);
  // Before freeing memory the encoder has seen, drop its registration.
  encoder.releaseDeviceFrame(devicePtr);
} finally {
  encoder.close();
  testing.cudaFree(libraries, devicePtr);
}

/** Luma ramps that scroll with the frame index; chroma tints left and right halves differently. */
function drawNv12(buf, index) {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) buf[y * pitch + x] = 16 + ((x + y + index * 3) % 220);
  }
  const uv = pitch * height;
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < width; x += 2) {
      buf[uv + y * pitch + x] = x < width / 2 ? 90 : 160; // U
      buf[uv + y * pitch + x + 1] = x < width / 2 ? 160 : 90; // V
    }
  }
}
