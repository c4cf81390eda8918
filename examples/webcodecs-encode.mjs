// The browser's WebCodecs VideoEncoder API in Node (@nvenc-ts/webcodecs): VideoFrames in, an H.264
// Annex B file out, with the device that hardwareAcceleration chose.
//
//   node examples/webcodecs-encode.mjs [out.h264] [--frames 90] [--hardware no-preference|prefer-hardware|prefer-software]
//
// 'no-preference' (default) encodes on the NVIDIA driver when a session opens there, else on the
// software NVENC device (libavcodec behind NVIDIA's API), and says which; 'prefer-hardware' never
// falls back. More (MP4/WebM files with mediabunny, Web Streams, code shared with the browser):
// packages/webcodecs/README.md.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { VideoEncoder, VideoFrame } from '@nvenc-ts/webcodecs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { frames: { type: 'string', default: '90' }, hardware: { type: 'string', default: 'no-preference' } },
});
const output = positionals[0] ?? 'out.h264';
const frames = Number(values.frames);
const width = 640;
const height = 360;

const chunks = [];
let failure;
const encoder = new VideoEncoder({
  output: (chunk, metadata) => {
    if (metadata.decoderConfig) console.log(`decoderConfig: ${metadata.decoderConfig.codec} ${width}x${height}`);
    const bytes = new Uint8Array(chunk.byteLength);
    chunk.copyTo(bytes);
    chunks.push(bytes);
  },
  error: (e) => (failure = e),
});
encoder.configure({
  codec: 'avc1.64001f',
  width,
  height,
  framerate: 30,
  bitrate: 2_000_000,
  latencyMode: 'realtime',
  hardwareAcceleration: values.hardware,
  avc: { format: 'annexb' }, // start codes and in-band SPS/PPS: a file players open as is
});
for (let i = 0; i < frames && !failure; i++) {
  const frame = new VideoFrame(drawFrame(i), {
    format: 'BGRX',
    codedWidth: width,
    codedHeight: height,
    timestamp: (i * 1e6) / 30,
  });
  encoder.encode(frame, { keyFrame: i % 30 === 0 });
  frame.close();
  // Backpressure: let the encoder catch up instead of queueing every frame.
  if (encoder.encodeQueueSize > 2)
    await new Promise((resolve) => encoder.addEventListener('dequeue', resolve, { once: true }));
}
if (!failure) await encoder.flush().catch(() => {});
if (failure) {
  console.error(`${failure.name}: ${failure.message}`);
  process.exit(1);
}
const device = encoder.encoderDevice;
encoder.close();
const stream = Buffer.concat(chunks);
writeFileSync(output, stream);
console.log(`${output}: ${chunks.length} chunks, ${stream.length} bytes`);
console.log(
  `encoded on ${device.name}${device.software ? ' (software device, not NVENC hardware)' : ''}: ${device.reason}`,
);

/** A horizontal gradient with a square moving across it; B, G, R, X byte order. */
function drawFrame(index) {
  const buf = new Uint8Array(width * height * 4);
  const square = { x: (index * 4) % (width - 64), y: height / 2 - 32 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const inSquare = x >= square.x && x < square.x + 64 && y >= square.y && y < square.y + 64;
      buf[o] = inSquare ? 255 : (x * 255) / width;
      buf[o + 1] = inSquare ? 255 : (y * 255) / height;
      buf[o + 2] = inSquare ? 255 : 96;
    }
  }
  return buf;
}
