// Bytes per frame with periodic IDRs vs smooth mode (intra refresh), through H264EncoderBackend on
// the software NVENC device (libx264: these are software-encoder numbers, not NVENC hardware).
//   pnpm --filter @nvenc-ts/rfb-encoder-backend build && node scripts/smooth-variance.mjs [frames]
// Scene: a desktop-like 1280x720 picture (text-like stripes) with a window moving 8 px a frame,
// 30 fps, the backend's default CBR rate, keyframeInterval 60 (2 s).
import { H264EncoderBackend, createNvencEngine } from '../dist/index.js';

const W = 1280;
const H = 720;
const FRAMES = Number(process.argv[2] ?? 240);
const INTERVAL = 60;

function scene(t) {
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const text = y % 16 < 10 && ((x * 7 + y * 3) >> 3) % 5 !== 0 ? 40 : 230;
      const i = (y * W + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = text;
      data[i + 3] = 255;
    }
  }
  const wx = (t * 8) % (W - 400),
    wy = 160; // a moving window with a gradient
  for (let y = wy; y < wy + 300; y++)
    for (let x = wx; x < wx + 400; x++) {
      const i = (y * W + x) * 4;
      data[i] = (x - wx) & 0xff;
      data[i + 1] = (y - wy) & 0xff;
      data[i + 2] = 128;
      data[i + 3] = 255;
    }
  return {
    seq: t,
    width: W,
    height: H,
    timestampUs: Math.round((t * 1e6) / 30),
    pixelFormat: 'bgra8',
    memory: 'cpu',
    data,
  };
}

async function run(smooth) {
  const engine = await createNvencEngine({ device: 'software' });
  const backend = new H264EncoderBackend(engine, { keyframeInterval: INTERVAL, smooth });
  const sizes = [];
  let idrs = 0;
  for (let t = 0; t < FRAMES; t++) {
    for (const p of await backend.encode(scene(t))) {
      if (p.seq === 0) continue; // the first IDR is the same in both modes
      sizes.push(p.payload.length);
      if (p.keyframe) idrs++;
    }
  }
  await backend.close();
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  const sd = Math.sqrt(sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / sizes.length);
  const sorted = [...sizes].sort((a, b) => a - b);
  return {
    mode: smooth ? 'smooth (intra refresh)' : 'periodic IDR',
    frames: sizes.length,
    idrs,
    mean,
    sd,
    cv: sd / mean,
    max: sorted.at(-1),
    p99: sorted[Math.floor(sorted.length * 0.99)],
  };
}

const rows = [await run(false), await run(true)];
console.log(
  `bytes per frame, ${W}x${H}, frames 1..${FRAMES - 1}, keyframeInterval ${INTERVAL}, software device (libx264)`,
);
console.log(
  '| mode | frames | IDRs after the first | mean B | std dev B | std dev / mean | p99 B | max B | max / mean |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.mode} | ${r.frames} | ${r.idrs} | ${Math.round(r.mean)} | ${Math.round(r.sd)} | ${r.cv.toFixed(2)} | ${r.p99} | ${r.max} | ${(r.max / r.mean).toFixed(1)} |`,
  );
}
