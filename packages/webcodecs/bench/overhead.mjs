// Per-frame cost of the WebCodecs layer over NvencEncoder, on the software device's null engine
// (NVENC_SOFT_ENGINE=null: valid tiny access units, no real encode), so what remains is the upload
// copy inside the device plus each layer's own work. Run: pnpm --filter @nvenc-ts/webcodecs bench
// Options: --frames N (default 300), --json. Never an NVENC hardware result: the device is software.
process.env.NVENC_SOFT_ENGINE = 'null';
const { NvencEncoder } = await import('@nvenc-ts/nvenc');
const { VideoEncoder, VideoFrame } = await import('@nvenc-ts/webcodecs');
const { cpus, loadavg } = await import('node:os');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const FRAMES = arg('--frames', 100);
const ROUNDS = arg('--rounds', 9);
const WARMUP = 20;

const CASES = [
  { name: '1920x1080 NV12', width: 1920, height: 1080, format: 'NV12', nvenc: 'nv12', bytes: 1920 * 1080 * 1.5 },
  { name: '1920x1080 BGRA', width: 1920, height: 1080, format: 'BGRA', nvenc: 'bgra', bytes: 1920 * 1080 * 4 },
  { name: '320x240 BGRA', width: 320, height: 240, format: 'BGRA', nvenc: 'bgra', bytes: 320 * 240 * 4 },
  // Small enough that the device's upload is negligible: what is left is each layer's fixed cost.
  { name: '64x48 NV12', width: 64, height: 48, format: 'NV12', nvenc: 'nv12', bytes: 64 * 48 * 1.5 },
];

/** Wall and CPU (user + system, all threads of this process) time per frame since `start()`, in µs. */
const start = () => ({ wall: performance.now(), cpu: process.cpuUsage() });
const usPerFrame = (t0, n) => {
  const cpu = process.cpuUsage(t0.cpu);
  return { wall: ((performance.now() - t0.wall) * 1000) / n, cpu: (cpu.user + cpu.system) / n };
};

async function nvencSync(c, pixels) {
  const enc = new NvencEncoder({
    width: c.width,
    height: c.height,
    inputFormat: c.nvenc,
    device: 'software',
    codec: 'h264',
  });
  for (let i = 0; i < WARMUP; i++) enc.encode(pixels);
  const t0 = start();
  for (let i = 0; i < FRAMES; i++) enc.encode(pixels, { timestamp: i });
  const r = usPerFrame(t0, FRAMES);
  enc.close();
  return r;
}

/** encodeAsync with up to two calls in flight: what the WebCodecs layer does underneath. */
async function nvencAsync(c, pixels) {
  const enc = new NvencEncoder({
    width: c.width,
    height: c.height,
    inputFormat: c.nvenc,
    device: 'software',
    codec: 'h264',
  });
  for (let i = 0; i < WARMUP; i++) await enc.encodeAsync(pixels);
  const t0 = start();
  const inFlight = [];
  for (let i = 0; i < FRAMES; i++) {
    inFlight.push(enc.encodeAsync(pixels, { timestamp: i }));
    if (inFlight.length >= 2) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await enc.flushAsync();
  const r = usPerFrame(t0, FRAMES);
  enc.close();
  return r;
}

/** VideoEncoder; `makeFrame(i)` builds each frame (a copy of the pixels, or a re-timestamped view). */
async function webcodecs(c, makeFrame) {
  let outputs = 0;
  const enc = new VideoEncoder({
    output: () => outputs++,
    error: (e) => {
      throw e;
    },
  });
  enc.configure({
    codec: 'avc1.640033',
    width: c.width,
    height: c.height,
    hardwareAcceleration: 'prefer-software',
    avc: { format: 'annexb' },
  });
  const run = async (n, base) => {
    for (let i = 0; i < n; i++) {
      const frame = makeFrame(base + i);
      enc.encode(frame);
      frame.close();
      if (enc.encodeQueueSize > 2) await new Promise((r) => enc.addEventListener('dequeue', r, { once: true }));
    }
    await enc.flush();
  };
  await run(WARMUP, 0);
  const t0 = start();
  await run(FRAMES, WARMUP);
  const r = usPerFrame(t0, FRAMES);
  enc.close();
  if (outputs !== FRAMES + WARMUP) throw new Error(`expected ${FRAMES + WARMUP} chunks, got ${outputs}`);
  return r;
}

const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const rows = [];
for (const c of CASES) {
  const pixels = new Uint8Array(c.bytes).fill(100);
  const init = (i) => ({ format: c.format, codedWidth: c.width, codedHeight: c.height, timestamp: i * 33_333 });
  const base = new VideoFrame(pixels, init(0));
  const samples = { nvencSync: [], nvencAsync: [], webcodecsShared: [], webcodecsCopy: [] };
  // Interleaved rounds and medians: this machine is shared, so one slow moment must not decide a column.
  for (let round = 0; round < ROUNDS; round++) {
    samples.nvencSync.push(await nvencSync(c, pixels));
    samples.nvencAsync.push(await nvencAsync(c, pixels));
    // new VideoFrame(frame, { timestamp }) shares the pixels: the encoder layer alone.
    samples.webcodecsShared.push(await webcodecs(c, (i) => new VideoFrame(base, { timestamp: i * 33_333 })));
    // The spec's VideoFrame(BufferSource) copies the pixels: the cost a browser-style caller pays.
    samples.webcodecsCopy.push(await webcodecs(c, (i) => new VideoFrame(pixels, init(i))));
  }
  base.close();
  const row = { case: c.name };
  for (const [k, v] of Object.entries(samples))
    row[k] = { wall: median(v.map((x) => x.wall)), cpu: median(v.map((x) => x.cpu)) };
  const diff = (a, b) => ({ wall: a.wall - b.wall, cpu: a.cpu - b.cpu });
  row.layerOverhead = diff(row.webcodecsShared, row.nvencAsync);
  row.copyOverhead = diff(row.webcodecsCopy, row.webcodecsShared);
  rows.push(row);
}

const device = `software device, null engine (NVENC_SOFT_ENGINE=null); ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load average ${loadavg()[0].toFixed(1)}; Node ${process.version}; median of ${ROUNDS} interleaved rounds of ${FRAMES} frames (after ${WARMUP} warm-up)`;
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ device, rows }, null, 1));
} else {
  const f = (v) => `${v.wall.toFixed(0)} / ${v.cpu.toFixed(0)}`;
  console.log(device);
  console.log('µs per frame, wall / CPU (CPU = user + system time of all threads of the process)');
  console.log(
    '| case | NvencEncoder encode (sync) | encodeAsync, 2 in flight | VideoEncoder, shared frame | VideoEncoder, VideoFrame copy | layer overhead | frame copy |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.case} | ${f(r.nvencSync)} | ${f(r.nvencAsync)} | ${f(r.webcodecsShared)} | ${f(r.webcodecsCopy)} | ${f(r.layerOverhead)} | ${f(r.copyOverhead)} |`,
    );
  }
}
