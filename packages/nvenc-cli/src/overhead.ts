/**
 * `nvenc-bench suite --only overhead`: what the JavaScript side costs per frame, resolved to a
 * microsecond. One process, one encode session (1080p NV12, null engine with
 * NVENC_SOFT_NULL_READ=skip, so the engine does not read the frame back), and rounds that
 * alternate between
 *   A  the TypeScript API: `encode(frame)` (and `encodeAsync(frame)` awaited) timed per call, and
 *   B  a C++ loop inside the addon calling the same EncodeSession with the same frame
 *      (`NvencEncoder._benchNativeLoop`), timed per call with steady_clock.
 * Each round gives a median per side; the overhead is the median over rounds of (A − B), and the
 * spread is the range of the per-round differences. Alternating the order (AB, BA, …) keeps
 * slow drifts of the machine (clock, other processes) out of the difference.
 *
 * `encodeAsync` is reported twice: its round trip (call → promise settled, which includes the
 * hand-off to the worker thread and back) and the JS thread's own busy time per frame
 * (event-loop utilisation × wall time / frames, with two calls in flight so the JS thread never
 * waits on the worker). Both are also measured for the floor (`NvencEncoder._benchAsyncFloor`):
 * the same hand-offs with the worker busy-waiting as long as the C++ call takes (the warm-up's
 * C++ p50) instead of encoding. Floor − busy-wait is what the two thread hops cost by themselves;
 * encodeAsync − floor is what the stack adds beyond them.
 */
import { performance } from 'node:perf_hooks';
import { printChildResult, runCliChild } from './child.js';
import { openEncoder, type DeviceDescription } from './device.js';
import { frameLayout, makeHostFrames } from './frames.js';
import { loadNativeTesting, loadNvenc, type Encoder, type Frame } from './nvenc-api.js';
import { defaults, type BenchOptions, type DeviceChoice } from './options.js';

export interface OverheadSide {
  /** Median over rounds of the per-round median, µs. */
  p50Us: number;
  perRoundP50Us: number[];
}

export interface OverheadInputResult {
  input: 'device' | 'pinned';
  ok: boolean;
  error?: string;
  rounds?: number;
  framesPerRound?: number;
  cppLoop?: OverheadSide;
  syncEncode?: OverheadSide;
  syncEncodeWithMeta?: OverheadSide;
  asyncRoundTrip?: OverheadSide;
  /** JS-thread busy time per frame with two encodeAsync calls in flight, µs (median over rounds). */
  asyncJsThreadUs?: OverheadSide;
  /** The floor's busy-wait on the worker: the C++ loop's p50 in the warm-up, µs. */
  floorWorkUs?: number;
  /** Round trip of the floor (encodeAsync's hand-offs around the busy-wait, no encode). */
  asyncFloor?: OverheadSide;
  /** JS-thread busy time per floor call with two in flight, µs. */
  asyncFloorJsThreadUs?: OverheadSide;
  /** Median over rounds of (TS − C++), with the range of the per-round differences. */
  overhead?: {
    sync: Diff;
    syncWithMeta: Diff;
    asyncRoundTrip: Diff;
    /** Floor round trip − its busy-wait: the two thread hops alone. */
    hops: Diff;
    /** encodeAsync round trip − floor round trip: what the stack adds beyond the hops. */
    asyncOverFloor: Diff;
  };
}

export interface Diff {
  p50Us: number;
  minUs: number;
  maxUs: number;
}

export interface OverheadReport {
  ok: boolean;
  error?: string;
  device?: DeviceDescription;
  width: number;
  height: number;
  engine: 'null (NVENC_SOFT_NULL_READ=skip)';
  inputs: OverheadInputResult[];
  goalSyncUs: 5;
  goalAsyncUs: 10;
}

interface ChildPayload {
  device: string;
  width: number;
  height: number;
  rounds: number;
  framesPerRound: number;
}

function median(values: ArrayLike<number>): number {
  const v = Array.from(values).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

function side(perRound: number[]): OverheadSide {
  return { p50Us: median(perRound), perRoundP50Us: perRound };
}

function diff(a: number[], b: number[]): Diff {
  const d = a.map((x, k) => x - b[k]!);
  return { p50Us: median(d), minUs: Math.min(...d), maxUs: Math.max(...d) };
}

function deviceArg(d: DeviceChoice): string {
  return d.kind === 'gpu' ? `gpu:${d.index}` : d.kind;
}

function parseDevice(device: string): DeviceChoice {
  if (device === 'software') return { kind: 'software' };
  if (device.startsWith('gpu:')) return { kind: 'gpu', index: Number(device.slice(4)) };
  return { kind: 'auto' };
}

type BenchEncoder = Encoder & {
  _benchNativeLoop?(frame: Frame, count: number): Float64Array;
  _benchAsyncFloor?(workUs: number): Promise<unknown>;
};

function timeSync(encoder: Encoder, frame: Frame, n: number, withMeta: boolean): number {
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    if (withMeta) encoder.encode(frame, { seq: i, timestamp: i * 1500 });
    else encoder.encode(frame);
    t[i] = performance.now() - t0;
  }
  return median(t) * 1000;
}

/** Median µs of `call` awaited `n` times back to back. */
async function timeAsync(call: () => Promise<unknown>, n: number): Promise<number> {
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    t[i] = performance.now() - t0;
  }
  return median(t) * 1000;
}

/** JS-thread busy µs per call while two calls are always in flight. */
async function asyncJsThread(call: () => Promise<unknown>, n: number): Promise<number> {
  const elu0 = performance.eventLoopUtilization();
  let issued = 0;
  const lane = async () => {
    while (issued < n) {
      issued++;
      await call();
    }
  };
  await Promise.all([lane(), lane()]);
  const elu = performance.eventLoopUtilization(elu0);
  return (elu.active * 1000) / n;
}

async function measureInput(
  encoder: BenchEncoder,
  frame: Frame,
  p: ChildPayload,
  input: 'device' | 'pinned',
): Promise<OverheadInputResult> {
  const loop = encoder._benchNativeLoop?.bind(encoder);
  const floor = encoder._benchAsyncFloor?.bind(encoder);
  if (!loop || !floor) {
    return {
      input,
      ok: false,
      error: 'this @nvenc-ts/nvenc has no _benchNativeLoop/_benchAsyncFloor (rebuild the packages)',
    };
  }
  const n = p.framesPerRound;
  const encodeAsync = () => encoder.encodeAsync(frame);
  // Warm-up: JIT, registrations, the engine's first IDR.
  timeSync(encoder, frame, 200, false);
  await timeAsync(encodeAsync, 50);
  const workUs = median(loop(frame, 200));
  const floorCall = () => floor(workUs);
  await timeAsync(floorCall, 50);
  const cpp: number[] = [];
  const sync: number[] = [];
  const syncMeta: number[] = [];
  const asyncRt: number[] = [];
  const asyncJs: number[] = [];
  const floorRt: number[] = [];
  const floorJs: number[] = [];
  for (let r = 0; r < p.rounds; r++) {
    const steps: (() => Promise<void> | void)[] = [
      () => void cpp.push(median(loop(frame, n))),
      () => void sync.push(timeSync(encoder, frame, n, false)),
      () => void syncMeta.push(timeSync(encoder, frame, n, true)),
      async () => void asyncRt.push(await timeAsync(encodeAsync, n)),
      async () => void floorRt.push(await timeAsync(floorCall, n)),
      async () => void asyncJs.push(await asyncJsThread(encodeAsync, n)),
      async () => void floorJs.push(await asyncJsThread(floorCall, n)),
    ];
    if (r % 2 === 1) steps.reverse();
    for (const step of steps) await step();
  }
  return {
    input,
    ok: true,
    rounds: p.rounds,
    framesPerRound: n,
    cppLoop: side(cpp),
    syncEncode: side(sync),
    syncEncodeWithMeta: side(syncMeta),
    asyncRoundTrip: side(asyncRt),
    asyncJsThreadUs: side(asyncJs),
    floorWorkUs: workUs,
    asyncFloor: side(floorRt),
    asyncFloorJsThreadUs: side(floorJs),
    overhead: {
      sync: diff(sync, cpp),
      syncWithMeta: diff(syncMeta, cpp),
      asyncRoundTrip: diff(asyncRt, cpp),
      hops: diff(
        floorRt,
        floorRt.map(() => workUs),
      ),
      asyncOverFloor: diff(asyncRt, floorRt),
    },
  };
}

/** Child side (hidden command `_overhead-child`). */
export async function runOverheadChild(payload: string): Promise<number> {
  const p = JSON.parse(payload) as ChildPayload;
  const nvenc = await loadNvenc();
  const inputs: OverheadInputResult[] = [];
  let device: DeviceDescription | undefined;
  for (const input of ['device', 'pinned'] as const) {
    const o: BenchOptions = {
      ...defaults,
      device: parseDevice(p.device),
      engine: 'null',
      width: p.width,
      height: p.height,
      format: 'nv12',
      input,
      preset: 'p1',
      tuning: 'ull',
      depth: 0,
    };
    let opened;
    try {
      opened = openEncoder(nvenc, o);
    } catch (err) {
      inputs.push({ input, ok: false, error: (err as Error).message.split('\n')[0]! });
      continue;
    }
    const { encoder, device: desc } = opened;
    device ??= desc;
    const layout = frameLayout('nv12', p.width, p.height);
    const [host] = makeHostFrames(layout, 1);
    let release = () => {};
    try {
      let frame: Frame;
      if (input === 'pinned') {
        const pinned = encoder.allocateHostFrame();
        pinned.set(host!.subarray(0, pinned.length));
        frame = pinned;
      } else {
        const { testing, reason } = loadNativeTesting(encoder.info.abi, {
          cudaLibrary: desc.cudaLibrary,
          nvencLibrary: desc.nvencLibrary,
          gpu: desc.gpu,
        });
        if (!testing) throw new Error(`device memory unavailable: ${reason}`);
        const { ptr, pitch } = testing.uploadFrame(host!, layout.rowBytes, layout.rowsTotal);
        frame = { devicePtr: ptr, pitch };
        release = () => testing.free(ptr);
      }
      inputs.push(await measureInput(encoder, frame, p, input));
    } catch (err) {
      inputs.push({ input, ok: false, error: (err as Error).message.split('\n')[0]! });
    } finally {
      encoder.close();
      release();
    }
  }
  printChildResult({ device, inputs });
  return 0;
}

export async function measureOverhead(
  o: { device: DeviceChoice; width: number; height: number; rounds: number; framesPerRound: number },
  log: (line: string) => void,
): Promise<OverheadReport> {
  const report: OverheadReport = {
    ok: false,
    width: o.width,
    height: o.height,
    engine: 'null (NVENC_SOFT_NULL_READ=skip)',
    inputs: [],
    goalSyncUs: 5,
    goalAsyncUs: 10,
  };
  log(
    `suite: overhead, ${o.rounds} alternating rounds of ${o.framesPerRound} frames (TS vs C++ loop on the same session) …`,
  );
  try {
    const r = await runCliChild<{ device?: DeviceDescription; inputs: OverheadInputResult[] }>(
      '_overhead-child',
      {
        device: deviceArg(o.device),
        width: o.width,
        height: o.height,
        rounds: o.rounds,
        framesPerRound: o.framesPerRound,
      } satisfies ChildPayload,
      { NVENC_SOFT_ENGINE: 'null', NVENC_SOFT_NULL_READ: 'skip' },
    );
    report.device = r.device;
    report.inputs = r.inputs;
    report.ok = r.inputs.some((x) => x.ok);
    if (!report.ok) report.error = r.inputs.map((x) => `${x.input}: ${x.error}`).join('; ');
  } catch (err) {
    report.error = (err as Error).message;
  }
  return report;
}
