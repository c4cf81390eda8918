#!/usr/bin/env node
// Soak runs against the software device: many frames, many encoder lifetimes, many concurrent
// async encoders, sampling the process RSS and the software CUDA's live allocations (plus the
// NVENC device's sessions, buffers, registrations and mappings) as they go.
//
//   node --expose-gc hardening/soak.mjs <mode> [--count N] [--size WxH] [--json out.json] [--no-rss-check]
//   modes: null        N frames on the null engine (no encoding: the binding's own overhead)
//          real        N real encodes (libavcodec H.264) of a moving picture
//          lifecycle   N create/encode/destroy cycles; every 4th encoder is dropped unclosed
//                      and left to the garbage collector's finalizer
//          concurrent  8 encoders, N frames each, all in flight at once through encodeAsync
//
// Flat means: the mean RSS of the last quarter of the samples is within max(8 MiB, 10 %) of the
// second quarter's (the first quarter is warm-up), and the device's live objects are the same at
// every sample. Exit status 1 when a run is not flat or an encode fails. --no-rss-check keeps only
// the device criteria (under ASan the allocator's quarantine makes RSS grow by design).
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'no-rss-check': { type: 'boolean', default: false },
    count: { type: 'string' },
    size: { type: 'string', default: '64x48' },
    json: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});
const mode = positionals[0];
const DEFAULT_COUNTS = { null: 1_000_000, real: 100_000, lifecycle: 10_000, concurrent: 2_000 };
if (!(mode in DEFAULT_COUNTS)) {
  console.error(
    'usage: node --expose-gc hardening/soak.mjs null|real|lifecycle|concurrent [--count N] [--size WxH] [--json file]',
  );
  process.exit(2);
}
const count = Number(values.count ?? DEFAULT_COUNTS[mode]);
const [width, height] = values.size.split('x').map(Number);
if (mode === 'null') process.env.NVENC_SOFT_ENGINE = 'null';
// Finalizer-closed encoders linger until the next GC: leave room above the default 8 sessions.
if (mode === 'lifecycle') process.env.NVENC_SOFT_MAX_SESSIONS = '64';

const { nvenc, counters, encoderOptions, skip } = await import('./test/support.mjs');
if (skip) {
  console.error(`soak: ${skip}`);
  process.exit(2);
}
const gc = globalThis.gc ?? (() => {});
if (!globalThis.gc) console.error('soak: run with --expose-gc for meaningful samples');

const SAMPLES = 40;
const samples = [];
function sample(i) {
  gc();
  const c = counters();
  samples.push({ i, rss: process.memoryUsage.rss(), heapUsed: process.memoryUsage().heapUsed, ...c });
  if (!values.quiet)
    process.stderr.write(
      `  ${mode} ${i}/${count} rss ${(samples.at(-1).rss / 2 ** 20).toFixed(1)} MiB cuda ${c.cudaAllocations} (${c.cudaBytes} B) sessions ${c.nvencSessions}\n`,
    );
}
const every = Math.max(1, Math.floor(count / SAMPLES));
const turn = () => new Promise((r) => setImmediate(r));
/** Lets the finalizers of dropped encoders run: GC + event-loop turns until `sessions` are live (at most 50 rounds). */
async function settle(sessions) {
  for (let round = 0; round < 50; round++) {
    gc();
    await turn();
    if (counters().nvencSessions <= sessions) return;
  }
}

const opts = encoderOptions({ width, height, inputFormat: 'nv12' });
function frame(i) {
  const f = Buffer.alloc(width * height * 1.5, 128);
  f.fill((i * 3) & 0xff, 0, width * 4);
  return f;
}

const started = Date.now();
let packets = 0;
let bytes = 0;
if (mode === 'null' || mode === 'real') {
  const enc = new nvenc.NvencEncoder(opts);
  const frames = [frame(0), frame(1), frame(2), frame(3)];
  // Samples follow frames 1, every, 2·every, ...: the encoder allocates its input surface at
  // the first frame, so from then on nothing may change.
  const moving = Buffer.alloc(width * height * 1.5, 128);
  for (let i = 1; i <= count; i++) {
    let input = frames[i & 3];
    if (mode === 'real') {
      // A moving band over a gradient: every picture differs, so the encoder does real work.
      for (let y = 0; y < height; y++) moving.fill((y * 2 + i) & 0xff, y * width, (y + 1) * width);
      const band = (i * 2) % height;
      moving.fill(255, band * width, Math.min(height, band + 8) * width);
      input = moving;
    }
    for (const p of enc.encode(input, { seq: i })) {
      packets++;
      bytes += p.data.length;
    }
    if (i === 1 || i % every === 0) sample(i);
  }
  enc.close();
} else if (mode === 'lifecycle') {
  // A plain function, so no reference to the encoder outlives the call (an async function's
  // suspended frame may keep its last locals alive, which would look like a leak).
  const cycle = (i, f) => {
    const enc = new nvenc.NvencEncoder(opts);
    const n = enc.encode(f).length;
    if (i % 4 !== 3) enc.close(); // every 4th is dropped without close(): the finalizer must end it
    return n;
  };
  const f = frame(0);
  let finalised = 0;
  for (let i = 0; i < count; i++) {
    if (i % every === 0) {
      // Give the finalizers of dropped encoders their turn before counting what is live.
      await settle(0);
      sample(i);
    }
    packets += cycle(i, f);
    if (i % 4 === 3) finalised++;
    if (i % 8 === 7) await settle(32);
  }
  await settle(0);
  sample(count);
  samples.finalised = finalised;
} else {
  const encoders = Array.from({ length: 8 }, () => new nvenc.NvencEncoder(opts));
  const frames = encoders.map((_, k) => frame(k));
  const lastSeq = encoders.map(() => -1);
  for (let i = 1; i <= count; i++) {
    // One frame per encoder, all in flight together; each encoder's packets keep their order.
    const results = await Promise.all(encoders.map((enc, k) => enc.encodeAsync(frames[k], { seq: i })));
    results.forEach((ps, k) => {
      for (const p of ps) {
        if (p.seq <= lastSeq[k]) throw new Error(`encoder ${k}: packet seq ${p.seq} after ${lastSeq[k]}`);
        lastSeq[k] = p.seq;
        packets++;
        bytes += p.data.length;
      }
    });
    if (i === 1 || i % every === 0) sample(i);
  }
  for (const enc of encoders) enc.close();
}
const seconds = (Date.now() - started) / 1000;
await settle(0);
const after = counters();

// ---- flatness ----
const q = Math.floor(samples.length / 4);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const second = mean(samples.slice(q, 2 * q).map((s) => s.rss));
const last = mean(samples.slice(samples.length - q).map((s) => s.rss));
const allowance = Math.max(8 * 2 ** 20, second * 0.1);
const deviceKeys = [
  'cudaAllocations',
  'cudaBytes',
  'nvencSessions',
  'nvencInputBuffers',
  'nvencBitstreamBuffers',
  'nvencRegistrations',
  'nvencMappings',
];
// Lifecycle samples are taken between cycles (every encoder closed or collected): nothing may be
// live. The other modes hold their encoders: the counts must not move.
const reference = mode === 'lifecycle' ? { ...samples[0], nvencSessions: 0 } : samples[0];
const deviceDrift = samples.flatMap((s) =>
  deviceKeys.filter((k) => s[k] !== reference[k]).map((k) => `sample ${s.i}: ${k} ${s[k]} (first ${reference[k]})`),
);
const leftAfterClose = deviceKeys
  .filter((k) => k.startsWith('nvenc') && after[k] !== 0)
  .map((k) => `${k} ${after[k]} after close`);
const rssGrowthOk = last - second <= allowance;
const first = samples[0];
const final = samples.at(-1);
const report = {
  mode,
  count,
  size: `${width}x${height}`,
  seconds,
  perSecond: Math.round(count / seconds),
  packets,
  bytes,
  finalisedByGc: samples.finalised,
  rss: {
    firstMiB: +(first.rss / 2 ** 20).toFixed(1),
    lastMiB: +(final.rss / 2 ** 20).toFixed(1),
    secondQuarterMeanMiB: +(second / 2 ** 20).toFixed(1),
    lastQuarterMeanMiB: +(last / 2 ** 20).toFixed(1),
    allowanceMiB: +(allowance / 2 ** 20).toFixed(1),
  },
  device: {
    first: Object.fromEntries(deviceKeys.map((k) => [k, first[k]])),
    last: Object.fromEntries(deviceKeys.map((k) => [k, final[k]])),
    afterClose: Object.fromEntries(deviceKeys.map((k) => [k, after[k]])),
  },
  flat: (rssGrowthOk || values['no-rss-check']) && deviceDrift.length === 0 && leftAfterClose.length === 0,
  rssChecked: !values['no-rss-check'],
  problems: [
    ...(!rssGrowthOk && !values['no-rss-check']
      ? [`RSS grew ${((last - second) / 2 ** 20).toFixed(1)} MiB between the second and last quarter`]
      : []),
    ...deviceDrift.slice(0, 10),
    ...leftAfterClose,
  ],
  samples: samples.map((s) => ({
    i: s.i,
    rssMiB: +(s.rss / 2 ** 20).toFixed(2),
    heapMiB: +(s.heapUsed / 2 ** 20).toFixed(2),
    cudaAllocations: s.cudaAllocations,
    nvencSessions: s.nvencSessions,
  })),
};
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
const { samples: _omit, ...summary } = report;
console.log(JSON.stringify(summary));
process.exit(report.flat ? 0 : 1);
