// examples/webcodecs-file.mjs — 120 frames → H.264 → an MP4 any browser plays (mediabunny muxes it).
import { writeFileSync } from 'node:fs';
import { BufferTarget, EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, Output } from 'mediabunny';
import { VideoEncoder, VideoFrame } from '@nvenc-ts/webcodecs';

const output = new Output({ format: new Mp4OutputFormat(), target: new BufferTarget() });
const track = new EncodedVideoPacketSource('avc');
output.addVideoTrack(track, { frameRate: 30 });
await output.start();
const added = [];
const encoder = new VideoEncoder({
  output: (chunk, metadata) => {
    const data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
    added.push(track.add(new EncodedPacket(data, chunk.type, chunk.timestamp / 1e6, chunk.duration / 1e6), metadata));
  },
  error: (e) => {
    throw e;
  },
});
encoder.configure({ codec: 'avc1.42001f', width: 320, height: 240, framerate: 30, bitrate: 500_000 });
for (let i = 0; i < 120; i++) {
  const pixels = new Uint8Array(320 * 240 * 4).map((_, k) => (k % 4 === 3 ? 255 : ((k >> 2) % 320) + i));
  const frame = new VideoFrame(pixels, {
    format: 'RGBA',
    codedWidth: 320,
    codedHeight: 240,
    timestamp: (i * 1e6) / 30,
    duration: 1e6 / 30,
  });
  encoder.encode(frame, { keyFrame: i % 60 === 0 });
  frame.close();
}
await encoder.flush();
encoder.close();
await Promise.all(added);
await output.finalize();
writeFileSync('out.mp4', new Uint8Array(output.target.buffer));
console.log('out.mp4', output.target.buffer.byteLength, 'bytes');
