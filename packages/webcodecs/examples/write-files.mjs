// 120 frames → VideoEncoder → mediabunny → H.264 and HEVC MP4s and an AV1 WebM that browsers play.
// Run: node examples/write-files.mjs [outDir]    (device: NVIDIA when a session opens, else software)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BufferTarget,
  EncodedPacket,
  EncodedVideoPacketSource,
  Mp4OutputFormat,
  Output,
  WebMOutputFormat,
} from 'mediabunny';
import { VideoEncoder, VideoFrame } from '@nvenc-ts/webcodecs';

const W = 320,
  H = 240,
  FRAMES = 120,
  FPS = 30;

/** Four fixed colour quadrants (red, green, blue, white) and a grey bar moving across the middle. */
export function scene(i) {
  const px = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const q = (y < H / 2 ? 0 : 2) + (x < W / 2 ? 0 : 1);
      const [r, g, b] = [
        [220, 30, 30],
        [30, 200, 30],
        [30, 30, 220],
        [235, 235, 235],
      ][q];
      const bar = Math.abs(x - ((i * 4) % W)) < 6 && Math.abs(y - H / 2) < 20;
      px.set(bar ? [128, 128, 128, 255] : [r, g, b, 255], (y * W + x) * 4);
    }
  }
  return new VideoFrame(px, {
    format: 'RGBA',
    codedWidth: W,
    codedHeight: H,
    timestamp: Math.round((i * 1e6) / FPS),
    duration: Math.round(1e6 / FPS),
  });
}

/** Encodes the scene with `codec` and muxes it; resolves with the file's bytes and the device used. */
export async function writeFile(codec, mediabunnyCodec, format) {
  const output = new Output({ format, target: new BufferTarget() });
  const source = new EncodedVideoPacketSource(mediabunnyCodec);
  output.addVideoTrack(source, { frameRate: FPS });
  await output.start();
  let added = Promise.resolve();
  let failure;
  const encoder = new VideoEncoder({
    output: (chunk, metadata) => {
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      const packet = new EncodedPacket(data, chunk.type, chunk.timestamp / 1e6, (chunk.duration ?? 0) / 1e6);
      added = added.then(() => source.add(packet, metadata));
    },
    error: (e) => (failure = e),
  });
  encoder.configure({ codec, width: W, height: H, framerate: FPS, bitrate: 1_000_000 });
  for (let i = 0; i < FRAMES; i++) {
    const frame = scene(i);
    encoder.encode(frame, { keyFrame: i % 60 === 0 });
    frame.close();
    if (encoder.encodeQueueSize > 2) await new Promise((r) => encoder.addEventListener('dequeue', r, { once: true }));
  }
  await encoder.flush();
  const device = encoder.encoderDevice;
  encoder.close();
  if (failure) throw failure;
  await added;
  await output.finalize();
  return { bytes: new Uint8Array(output.target.buffer), device };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? 'out';
  mkdirSync(dir, { recursive: true });
  for (const [name, codec, mb, format] of [
    ['h264.mp4', 'avc1.42001f', 'avc', new Mp4OutputFormat()],
    ['hevc.mp4', 'hvc1.1.6.L93.B0', 'hevc', new Mp4OutputFormat()],
    ['av1.webm', 'av01.0.04M.08', 'av1', new WebMOutputFormat()],
  ]) {
    const { bytes, device } = await writeFile(codec, mb, format);
    writeFileSync(join(dir, name), bytes);
    console.log(`${name}: ${bytes.length} bytes, ${codec}, device ${device.kind} (${device.name})`);
  }
}
