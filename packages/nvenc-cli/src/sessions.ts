/**
 * `nvenc-bench suite --only sessions`: 1, 2, 4, 8 encoders in one process, each awaiting
 * `encodeAsync` back to back for a fixed time (1080p NV12 in CUDA device memory, H.264 p1/ull,
 * one distinct frame per encoder). Reports the aggregate frames per second, the scaling over one
 * session, the event-loop lag p99 and the CPU the process used (cores busy = CPU time / wall
 * time), per engine:
 *   libav  each session's software engine encodes for real on its own worker thread: scaling
 *          should follow the cores until the engine's CPU work fills them;
 *   null   the engine does almost nothing (and skips reading the frame), so what limits the
 *          aggregate rate is the stack itself: the JS thread settling every promise.
 */
import { performance } from 'node:perf_hooks';
import { printChildResult, runCliChild } from './child.js';
import { openEncoder, type DeviceDescription } from './device.js';
import { EventLoopLagMonitor } from './event-loop-lag.js';
import { frameLayout, makeHostFrames } from './frames.js';
import { loadNativeTesting, loadNvenc, type Encoder, type Frame } from './nvenc-api.js';
import { defaults, type BenchOptions, type DeviceChoice } from './options.js';

export interface SessionsRow {
  engine: 'libav' | 'null';
  sessions: number;
  ok: boolean;
  error?: string;
  aggregateFps?: number;
  perSessionFps?: number[];
  scaling?: number;
  lagP99Ms?: number;
  lagMaxMs?: number;
  /** Process CPU time / wall time: how many cores were busy. */
  coresBusy?: number;
  /** JS-thread busy fraction (event-loop utilisation). */
  jsThreadBusy?: number;
}

export interface SessionsReport {
  device?: DeviceDescription;
  seconds: number;
  width: number;
  height: number;
  cpus: number;
  rows: SessionsRow[];
  goalScalingAt8: 6;
}

interface ChildPayload {
  device: string;
  engine: 'libav' | 'null';
  counts: number[];
  seconds: number;
  width: number;
  height: number;
}

function parseDevice(device: string): DeviceChoice {
  if (device === 'software') return { kind: 'software' };
  if (device.startsWith('gpu:')) return { kind: 'gpu', index: Number(device.slice(4)) };
  return { kind: 'auto' };
}

async function runCount(
  nvenc: Awaited<ReturnType<typeof loadNvenc>>,
  p: ChildPayload,
  count: number,
): Promise<{ row: SessionsRow; device?: DeviceDescription }> {
  const o: BenchOptions = {
    ...defaults,
    device: parseDevice(p.device),
    engine: p.engine,
    width: p.width,
    height: p.height,
    format: 'nv12',
    input: 'device',
    preset: 'p1',
    tuning: 'ull',
    depth: 0,
    mode: 'async',
  };
  const layout = frameLayout('nv12', p.width, p.height);
  const hosts = makeHostFrames(layout, count);
  const encoders: Encoder[] = [];
  const frees: (() => void)[] = [];
  let device: DeviceDescription | undefined;
  try {
    const frames: Frame[] = [];
    for (let k = 0; k < count; k++) {
      const { encoder, device: desc } = openEncoder(nvenc, o);
      encoders.push(encoder);
      device ??= desc;
      const { testing, reason } = loadNativeTesting(encoder.info.abi, {
        cudaLibrary: desc.cudaLibrary,
        nvencLibrary: desc.nvencLibrary,
        gpu: desc.gpu,
      });
      if (!testing) throw new Error(`device memory unavailable: ${reason}`);
      const { ptr, pitch } = testing.uploadFrame(hosts[k]!, layout.rowBytes, layout.rowsTotal);
      frees.push(() => testing.free(ptr));
      frames.push({ devicePtr: ptr, pitch });
    }
    // Warm-up: every session's first frames (engine start, registration).
    await Promise.all(
      encoders.map(async (e, k) => {
        for (let i = 0; i < 5; i++) await e.encodeAsync(frames[k]!);
      }),
    );
    const done = new Array<number>(count).fill(0);
    const lag = new EventLoopLagMonitor();
    lag.start();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    const until = t0 + p.seconds * 1000;
    await Promise.all(
      encoders.map(async (e, k) => {
        while (performance.now() < until) {
          await e.encodeAsync(frames[k]!);
          done[k]!++;
        }
      }),
    );
    const wallMs = performance.now() - t0;
    const elu = performance.eventLoopUtilization(elu0);
    const cpu = process.cpuUsage(cpu0);
    const l = lag.stop();
    const perSessionFps = done.map((d) => d / (wallMs / 1000));
    return {
      device,
      row: {
        engine: p.engine,
        sessions: count,
        ok: true,
        aggregateFps: perSessionFps.reduce((a, b) => a + b, 0),
        perSessionFps,
        lagP99Ms: l.p99Ms,
        lagMaxMs: l.maxMs,
        coresBusy: (cpu.user + cpu.system) / 1000 / wallMs,
        jsThreadBusy: elu.utilization,
      },
    };
  } catch (err) {
    return {
      device,
      row: { engine: p.engine, sessions: count, ok: false, error: (err as Error).message.split('\n')[0]! },
    };
  } finally {
    for (const e of encoders) e.close();
    for (const f of frees) f();
  }
}

/** Child side (hidden command `_sessions-child`): one engine, every count in turn. */
export async function runSessionsChild(payload: string): Promise<number> {
  const p = JSON.parse(payload) as ChildPayload;
  const nvenc = await loadNvenc();
  const rows: SessionsRow[] = [];
  let device: DeviceDescription | undefined;
  for (const count of p.counts) {
    const r = await runCount(nvenc, p, count);
    device ??= r.device;
    rows.push(r.row);
  }
  const one = rows.find((r) => r.sessions === 1 && r.ok)?.aggregateFps;
  for (const r of rows) if (r.ok && one) r.scaling = r.aggregateFps! / one;
  printChildResult({ device, rows });
  return 0;
}

export async function measureSessions(
  o: {
    device: DeviceChoice;
    width: number;
    height: number;
    seconds: number;
    counts: number[];
    engines: ('libav' | 'null')[];
  },
  log: (line: string) => void,
): Promise<SessionsReport> {
  const os = await import('node:os');
  const report: SessionsReport = {
    seconds: o.seconds,
    width: o.width,
    height: o.height,
    cpus: os.cpus().length,
    rows: [],
    goalScalingAt8: 6,
  };
  for (const engine of o.engines) {
    log(`suite: ${o.counts.join('/')} concurrent encodeAsync sessions, ${engine} engine, ${o.seconds} s each …`);
    const device = o.device.kind === 'gpu' ? `gpu:${o.device.index}` : o.device.kind;
    const env: Record<string, string> = {
      NVENC_SOFT_ENGINE: engine,
      NVENC_SOFT_MAX_SESSIONS: String(Math.max(8, ...o.counts)),
    };
    if (engine === 'null') env['NVENC_SOFT_NULL_READ'] = 'skip';
    try {
      const r = await runCliChild<{ device?: DeviceDescription; rows: SessionsRow[] }>(
        '_sessions-child',
        {
          device,
          engine,
          counts: o.counts,
          seconds: o.seconds,
          width: o.width,
          height: o.height,
        } satisfies ChildPayload,
        env,
      );
      report.device ??= r.device;
      report.rows.push(...r.rows);
    } catch (err) {
      for (const count of o.counts)
        report.rows.push({ engine, sessions: count, ok: false, error: (err as Error).message });
    }
  }
  return report;
}
