// Encode frames that live in host memory (a BGRA framebuffer your program draws) into an H.264
// Annex B file that ffmpeg, ffplay or VLC open as is.
//
//   node examples/encode-file.mjs [out.h264] [--frames 120] [--device auto|software]
//
// `--device auto` (default) uses the NVIDIA driver; `--device software` the software NVENC device
// (libavcodec behind NVIDIA's API), for machines without NVENC.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NvencEncoder, codecString } from '@nvenc-ts/nvenc';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { frames: { type: 'string', default: '120' }, device: { type: 'string', default: 'auto' } },
});
const output = positionals[0] ?? 'out.h264';
const frames = Number(values.frames);
const device = values.device === 'software' ? 'software' : 'auto';
const width = 640;
const height = 360;

const encoder = new NvencEncoder({ width, height, codec: 'h264', inputFormat: 'bgra', fps: 30, gop: 60, device });
try {
  const frame = Buffer.alloc(width * height * 4);
  const chunks = [];
  for (let i = 0; i < frames; i++) {
    drawFrame(frame, i);
    for (const packet of encoder.encode(frame, { seq: i })) chunks.push(packet.data);
  }
  for (const packet of encoder.flush()) chunks.push(packet.data);

  const stream = Buffer.concat(chunks);
  writeFileSync(output, stream);
  const { device: used, software, abi } = encoder.info;
  console.log(`${output}: ${frames} frames ${width}x${height}, ${stream.length} bytes, ${codecString(stream, 'h264')}`);
  console.log(`encoded on ${used}${software ? ' (software device, not NVENC hardware)' : ''}, NVENC API ${abi}`);
} finally {
  encoder.close(); // or `using encoder = …` where the runtime has explicit resource management
}

/** A horizontal gradient with a square moving across it; B, G, R, A byte order. */
function drawFrame(buf, index) {
  const square = { x: (index * 4) % (width - 64), y: height / 2 - 32 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const inSquare = x >= square.x && x < square.x + 64 && y >= square.y && y < square.y + 64;
      buf[o] = inSquare ? 255 : (x * 255) / width;
      buf[o + 1] = inSquare ? 255 : (y * 255) / height;
      buf[o + 2] = inSquare ? 255 : 96;
      buf[o + 3] = 255;
    }
  }
}
