import { createNvencEngine, H264EncoderBackend, TestPattern } from './dist/index.js';
const engine = await createNvencEngine({ device: { cudaLibrary: '/tmp/rfbh/swdev/lib/libcuda.so.1', nvencLibrary: '/tmp/rfbh/swdev/lib/libnvidia-encode.so.1' }, name: 'nvenc-software' });
const b = new H264EncoderBackend(engine, { fps: 15 });
const scene = new TestPattern({ width: 320, height: 240 });
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  const out = await b.encode(scene.next(i * 66666), { forceKeyframe: i === 3 });
  console.log(i, (performance.now() - t).toFixed(1) + 'ms', out.map((p) => [p.seq, p.keyframe, p.codec, p.payload.length, p.metadata.sliceCount, p.metadata.pictureType, p.metadata.keyframeReason]));
}
console.log((await b.flush()).length);
await b.close();
