// examples/webcodecs-stream.mjs — Web Streams: frames → VideoEncoderStream → chunks, paced by encodeQueueSize.
import { ReadableStream, WritableStream } from 'node:stream/web';
import { VideoEncoderStream, VideoFrame } from '@nvenc-ts/webcodecs';

let n = 0;
const frames = new ReadableStream({
  pull(controller) {
    if (n === 60) return controller.close();
    const pixels = new Uint8Array(256 * 144 * 1.5).fill(n * 4); // NV12: luma plane then interleaved chroma
    controller.enqueue(
      new VideoFrame(pixels, { format: 'NV12', codedWidth: 256, codedHeight: 144, timestamp: n++ * 33_333 }),
    );
  },
});
const encoderStream = new VideoEncoderStream(
  { codec: 'hvc1.1.6.L93.B0', width: 256, height: 144, latencyMode: 'realtime' },
  {
    onMetadata: (m) =>
      console.log('decoderConfig', m.decoderConfig.codec, m.decoderConfig.description.byteLength, 'bytes of hvcC'),
  },
);
let chunks = 0;
let bytes = 0;
await frames
  .pipeThrough(encoderStream)
  .pipeTo(new WritableStream({ write: (chunk) => void (chunks++, (bytes += chunk.byteLength)) }));
console.log(chunks, 'chunks,', bytes, 'bytes');
