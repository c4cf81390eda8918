// Main-thread blocking of VideoEncoder.configure() and VideoEncoder.isConfigSupported(): the
// longest gap between turns of the event loop while each runs, measured by a setImmediate ping
// loop (every turn records how long since the last). Each case runs in a fresh process, so the
// first ("cold") call pays for loading the driver libraries as an application's first call does.
// Run: node bench/configure-lag.mjs [--runs N] [--json]. The device is whatever
// hardwareAcceleration picks (here: the software device): never an NVENC hardware result.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CONFIG = { codec: 'avc1.640028', width: 1920, height: 1080, bitrate: 4_000_000, framerate: 30 };
const OTHER = { ...CONFIG, width: 1280, height: 720 };

/** configure() and the wait for it to complete; close() (a separate call) is left to the caller. */
async function configured(wc, config) {
  const encoder = new wc.VideoEncoder({ output: () => {}, error: (e) => console.error(e) });
  encoder.configure(config);
  await encoder.flush(); // resolves once the configure message has run
  return encoder;
}

// Each case: an unmeasured warm-up (optional), then the measured step.
const CASES = {
  'isConfigSupported, first call (cold)': { step: (wc) => wc.VideoEncoder.isConfigSupported(CONFIG) },
  'isConfigSupported, another size (warm)': {
    warmUp: (wc) => wc.VideoEncoder.isConfigSupported(CONFIG),
    step: (wc) => wc.VideoEncoder.isConfigSupported(OTHER),
  },
  'configure() until configured, first (cold)': { step: (wc) => configured(wc, CONFIG) },
  'configure() until configured, second encoder (warm)': {
    warmUp: async (wc) => (await configured(wc, CONFIG)).close(),
    step: (wc) => configured(wc, OTHER),
  },
};

async function measure(name) {
  const wc = await import('@nvenc-ts/webcodecs');
  const { warmUp, step } = CASES[name];
  if (warmUp) await warmUp(wc);
  let maxGap = 0;
  const t0 = performance.now();
  let last = t0;
  let running = true;
  const ping = () => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    if (running) setImmediate(ping);
  };
  setImmediate(ping);
  await step(wc);
  const wallMs = performance.now() - t0;
  // Blocking just before the step resolved shows up in the ping that runs after it.
  await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
  running = false;
  return { maxGapMs: maxGap, wallMs };
}

const arg = (flag, fallback) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : fallback;
};

if (arg('--case', null) !== null) {
  const name = arg('--case', null);
  process.stdout.write(JSON.stringify(await measure(name)));
  process.exit(0);
}

const runs = Number(arg('--runs', 5));
const rows = [];
for (const name of Object.keys(CASES)) {
  const gaps = [];
  const walls = [];
  for (let r = 0; r < runs; r++) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--case', name]);
    const { maxGapMs, wallMs } = JSON.parse(String(out));
    gaps.push(maxGapMs);
    walls.push(wallMs);
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  rows.push({ case: name, maxGapMsMedian: median(gaps), maxGapMsMax: Math.max(...gaps), wallMsMedian: median(walls) });
}
if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
else
  for (const r of rows)
    console.log(
      `${r.case.padEnd(52)} longest event-loop gap ${r.maxGapMsMedian.toFixed(1)} ms (median of ${runs}; max ${r.maxGapMsMax.toFixed(1)}), call ${r.wallMsMedian.toFixed(1)} ms`,
    );
