/**
 * `nvenc-bench suite`: the stack measurements, each reported as a ratio measured in one run.
 * Every encoder configuration runs in a child process of this CLI, because the software device
 * reads NVENC_SOFT_ENGINE when its library is loaded: a fresh process per engine is the only way
 * to be sure which engine ran.
 *
 *   overhead  TS encode()/encodeAsync() vs a C++ loop on the same session, alternating rounds (overhead.ts)
 *   upload    pinned / pageable (direct, staged) host frames vs the raw host→device copy (harness, same run)
 *   lag       event-loop lag p99 while encodeAsync runs flat out at 1080p
 *   depth     sync 1-in-1-out latency vs pipelined throughput at depths 0–4
 *   sessions  1/2/4/8 concurrent encodeAsync encoders: aggregate fps, scaling, lag (sessions.ts)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openEncoder, type DeviceDescription } from './device.js';
import { harnessCopyBench, type HarnessCopyResult } from './harness.js';
import { measureOverhead, type OverheadReport } from './overhead.js';
import { measureSessions, type SessionsReport } from './sessions.js';
import { loadNvenc } from './nvenc-api.js';
import { defaults, type BenchOptions, type DeviceChoice, type SuiteOptions, type SuitePart } from './options.js';
import { formatUs, renderTable } from './report/text.js';
import { runBenchmark, type RunResult } from './runner.js';
import { performance } from 'node:perf_hooks';

const RESULT_MARK = '@@nvenc-bench-suite ';

/** What a child prints for one encoder configuration. */
export interface ChildRun {
  label: string;
  ok: boolean;
  error?: string;
  device?: DeviceDescription;
  settings?: Pick<BenchOptions, 'input' | 'hostCopy' | 'hostUpload' | 'format' | 'mode' | 'depth' | 'width' | 'height'>;
  /** The method the encoder used for pageable frames at the end of the run (`info.hostUpload`). */
  hostUploadUsed?: string;
  frames?: number;
  /** Wall time per frame over the measured frames, µs (the loop's throughput cost). */
  wallPerFrameUs?: number;
  fps?: number;
  callUs?: RunResult['callUs'];
  /** JS staging copy per frame, p50 µs (host-copy staged only). */
  stagingP50Us?: number;
  /** The addon's own timing of the host→surface copy, p50 µs (when the encoder reports stages). */
  nativeUploadP50Us?: number;
  latencyUs?: RunResult['latencyUs'];
  lagMs?: { p50: number; p99: number; max: number; samples: number };
}

interface ChildConfig {
  label: string;
  overrides: Partial<BenchOptions>;
}

function deviceArg(d: DeviceChoice): string {
  return d.kind === 'gpu' ? `gpu:${d.index}` : d.kind;
}

/** Child side: runs each configuration in order on the engine the parent chose. */
export async function runSuiteChild(payload: string): Promise<number> {
  const { configs, engine, device } = JSON.parse(payload) as {
    configs: ChildConfig[];
    engine: 'libav' | 'null';
    device: string;
  };
  const nvenc = await loadNvenc();
  for (const c of configs) {
    const o: BenchOptions = {
      ...defaults,
      device:
        device === 'software'
          ? { kind: 'software' }
          : device.startsWith('gpu:')
            ? { kind: 'gpu', index: Number(device.slice(4)) }
            : { kind: 'auto' },
      engine,
      ...c.overrides,
    };
    let out: ChildRun;
    try {
      const t0 = performance.now();
      const { encoder, device: desc } = openEncoder(nvenc, o);
      try {
        const r = await runBenchmark(encoder, o, t0, {
          libraries: { cudaLibrary: desc.cudaLibrary, nvencLibrary: desc.nvencLibrary, gpu: desc.gpu },
        });
        out = {
          label: c.label,
          ok: true,
          device: desc,
          settings: {
            input: o.input,
            hostCopy: o.hostCopy,
            hostUpload: o.hostUpload,
            format: o.format,
            mode: o.mode,
            depth: o.depth,
            width: o.width,
            height: o.height,
          },
          ...(hostUploadOf(encoder) ? { hostUploadUsed: hostUploadOf(encoder) } : {}),
          frames: r.frames,
          wallPerFrameUs: (r.wallMs * 1000) / r.frames,
          fps: r.fps,
          callUs: r.callUs,
          ...(r.stages.staging ? { stagingP50Us: r.stages.staging.p50 } : {}),
          ...(r.stages.upload ? { nativeUploadP50Us: r.stages.upload.p50 } : {}),
          latencyUs: r.latencyUs,
          lagMs: {
            p50: r.eventLoopLag.p50Ms,
            p99: r.eventLoopLag.p99Ms,
            max: r.eventLoopLag.maxMs,
            samples: r.eventLoopLag.samples,
          },
        };
      } finally {
        encoder.close();
      }
    } catch (err) {
      out = { label: c.label, ok: false, error: (err as Error).message.split('\n')[0] };
    }
    process.stdout.write(
      `${RESULT_MARK}${JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
    );
  }
  return 0;
}

function hostUploadOf(encoder: { info: object }): string | undefined {
  const v = (encoder.info as { hostUpload?: unknown }).hostUpload;
  return typeof v === 'string' ? v : undefined;
}

function runChild(engine: 'libav' | 'null', device: DeviceChoice, configs: ChildConfig[]): Promise<ChildRun[]> {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const payload = JSON.stringify({ configs, engine, device: deviceArg(device) });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, '_suite-child', payload], {
      env: { ...process.env, NVENC_SOFT_ENGINE: engine },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const runs = stdout
        .split('\n')
        .filter((l) => l.startsWith(RESULT_MARK))
        .map((l) => JSON.parse(l.slice(RESULT_MARK.length)) as ChildRun);
      // A crash loses the remaining configurations: report each as failed with the child's last words.
      for (const c of configs.slice(runs.length)) {
        runs.push({
          label: c.label,
          ok: false,
          error: `child process exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`,
        });
      }
      resolve(runs);
    });
  });
}

export interface SuiteReport {
  tool: 'nvenc-bench suite';
  createdAt: string;
  host: { node: string; cpus: number; cpuModel: string };
  device: { line: string; kind: string; name: string; abi: string } | null;
  note: string;
  overhead: OverheadReport | null;
  upload: {
    ok: boolean;
    error?: string;
    /** Raw copies from as many distinct buffers as the rows cycle through (the rows' reference). */
    rawCopy?: HarnessCopyResult;
    /** Raw copies from one buffer, which stays in the CPU caches (for reference). */
    rawCopyHot?: HarnessCopyResult;
    rows: {
      label: string;
      /** For 'pageable auto': the method the encoder chose by timing both. */
      chose?: string;
      /** Per frame: p50 of the encode() call plus (staged) p50 of the JS copy, µs. */
      perFrameUs: number | null;
      uploadUs: number | null;
      /** raw copy time / upload cost of this strategy: 1 = as fast as a bare cuMemcpyHtoD. */
      efficiencyVsRawPinned: number | null;
      efficiencyVsRawPageable: number | null;
      error?: string;
    }[];
    bestPageable?: string;
    goal: 0.9;
  };
  sessions: SessionsReport | null;
  lag: {
    rows: {
      engine: string;
      ok: boolean;
      error?: string;
      fps?: number;
      p50Ms?: number;
      p99Ms?: number;
      maxMs?: number;
      samples?: number;
    }[];
    goalMs: 1;
  };
  depth: {
    rows: {
      depth: number;
      mode: string;
      ok: boolean;
      error?: string;
      fps?: number;
      latencyP50Us?: number;
      latencyP99Us?: number;
      callP50Us?: number;
    }[];
  };
}

export async function runSuite(o: SuiteOptions, log: (line: string) => void): Promise<SuiteReport> {
  const parts = new Set<SuitePart>(o.only ?? ['overhead', 'upload', 'lag', 'depth']);
  const size = { width: o.width, height: o.height };
  const os = await import('node:os');
  const report: SuiteReport = {
    tool: 'nvenc-bench suite',
    createdAt: new Date().toISOString(),
    host: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown' },
    device: null,
    note: 'The software NVENC engine stands in for the hardware engine: NVENC engine speed itself is not measured.',
    overhead: null,
    upload: { ok: false, rows: [], goal: 0.9 },
    sessions: null,
    lag: { rows: [], goalMs: 1 },
    depth: { rows: [] },
  };
  const setDevice = (runs: ChildRun[]) => {
    const d = runs.find((r) => r.ok && r.device)?.device;
    if (d && !report.device) report.device = { line: suiteDeviceLine(d), kind: d.kind, name: d.deviceName, abi: d.abi };
    return d;
  };

  // 1: JS-side overhead, TS vs a C++ loop on the same session, in one process.
  if (parts.has('overhead')) {
    report.overhead = await measureOverhead(
      {
        device: o.device,
        width: o.width,
        height: o.height,
        rounds: o.overheadRounds,
        framesPerRound: o.overheadFrames,
      },
      log,
    );
    if (report.overhead.device && !report.device) {
      const d = report.overhead.device;
      report.device = { line: suiteDeviceLine(d), kind: d.kind, name: d.deviceName, abi: d.abi };
    }
  }

  // 2: host-frame upload, null engine.
  if (parts.has('upload')) {
    const uploadFrames = 300;
    const nullBase: Partial<BenchOptions> = {
      ...size,
      mode: 'sync',
      depth: 0,
      warmup: 50,
      preset: 'p1',
      tuning: 'ull',
    };
    const configs: ChildConfig[] = [];
    for (const [label, input, hostUpload] of [
      ['device', 'device', 'auto'],
      ['pinned', 'pinned', 'auto'],
      ['pageable direct', 'host', 'direct'],
      ['pageable staged (pinned chunks, copy pool)', 'host', 'staged'],
      ['pageable auto (default)', 'host', 'auto'],
    ] as const) {
      configs.push({
        label: `upload:${label}`,
        overrides: { ...nullBase, format: 'bgra', input, hostCopy: 'direct', hostUpload, frames: uploadFrames },
      });
    }
    log(`suite: host-frame upload, null engine, ${configs.length} configurations …`);
    const runs = await runChild('null', o.device, configs);
    const device = setDevice(runs);
    const byLabel = new Map(runs.map((r) => [r.label, r]));
    const libs = device
      ? { cudaLibrary: device.cudaLibrary, nvencLibrary: device.nvencLibrary, gpu: device.gpu }
      : undefined;
    {
      let raw: HarnessCopyResult | undefined;
      try {
        if (!device || !libs) throw new Error(runs.find((r) => !r.ok)?.error ?? 'no encoder');
        log('suite: raw host→device copy (harness) …');
        raw = await harnessCopyBench(device.abi, libs, o.width, o.height, 200, defaults.distinctFrames, 'bgra');
        report.upload.rawCopy = raw;
        report.upload.rawCopyHot = await harnessCopyBench(device.abi, libs, o.width, o.height, 200, 1, 'bgra');
      } catch (err) {
        report.upload.error = `raw copy: ${(err as Error).message}`;
      }
      const base = byLabel.get('upload:device');
      for (const r of runs.filter((x) => x.label.startsWith('upload:'))) {
        const label = r.label.slice('upload:'.length);
        if (!r.ok) {
          report.upload.rows.push({
            label,
            perFrameUs: null,
            uploadUs: null,
            efficiencyVsRawPinned: null,
            efficiencyVsRawPageable: null,
            error: r.error!,
          });
          continue;
        }
        // Medians, not means: on a shared machine other processes' bursts land in the mean.
        const perFrame = (x: ChildRun) => x.callUs!.p50 + (x.stagingP50Us ?? 0);
        // The addon times the copy itself (lastFrameTimings); a difference of two per-frame
        // medians is only the fallback, as it also carries the other stages' noise.
        const measured = r.nativeUploadP50Us !== undefined ? r.nativeUploadP50Us + (r.stagingP50Us ?? 0) : undefined;
        const uploadUs = label === 'device' ? 0 : (measured ?? (base?.ok ? perFrame(r) - perFrame(base) : null));
        const eff = (rawUs: number | undefined) =>
          label !== 'device' && uploadUs !== null && uploadUs > 0 && rawUs ? rawUs / uploadUs : null;
        report.upload.rows.push({
          label,
          ...(label.startsWith('pageable auto') && r.hostUploadUsed ? { chose: r.hostUploadUsed } : {}),
          perFrameUs: perFrame(r),
          uploadUs,
          efficiencyVsRawPinned: eff(raw?.pinnedUs.p50),
          efficiencyVsRawPageable: eff(raw?.pageableUs.p50),
        });
      }
      const pageable = report.upload.rows.filter(
        (r) => r.label.startsWith('pageable') && !r.label.startsWith('pageable auto') && r.uploadUs !== null,
      );
      pageable.sort((a, b) => a.uploadUs! - b.uploadUs!);
      if (pageable[0]) report.upload.bestPageable = pageable[0].label;
      report.upload.ok =
        !!raw && report.upload.rows.some((r) => r.label === 'pinned' && r.efficiencyVsRawPinned !== null);
      if (!base?.ok && !report.upload.error)
        report.upload.error = `device-input baseline failed: ${base?.error ?? '?'}`;
    }
  }

  // 3: event-loop lag while encodeAsync runs flat out (real engine, then null engine).
  if (parts.has('lag')) {
    for (const engine of ['libav', 'null'] as const) {
      log(`suite: event-loop lag, encodeAsync flat out, ${engine} engine, ${o.lagSeconds} s …`);
      const [r] = await runChild(engine, o.device, [
        {
          label: `lag:${engine}`,
          overrides: {
            ...size,
            format: 'bgra',
            input: 'host',
            mode: 'async',
            depth: 0,
            warmup: 5,
            durationMs: o.lagSeconds * 1000,
          },
        },
      ]);
      setDevice(r ? [r] : []);
      report.lag.rows.push(
        r?.ok
          ? {
              engine,
              ok: true,
              fps: r.fps!,
              p50Ms: r.lagMs!.p50,
              p99Ms: r.lagMs!.p99,
              maxMs: r.lagMs!.max,
              samples: r.lagMs!.samples,
            }
          : { engine, ok: false, error: r?.error ?? 'no result' },
      );
    }
  }

  // 4: latency vs throughput at pipeline depths 0-4 (real engine), sync and async.
  if (parts.has('depth')) {
    // The first encoder of a process pays for loading the codec libraries: warm up, do not report.
    const configs: ChildConfig[] = [
      {
        label: 'depth:warm-up',
        overrides: { ...size, format: 'bgra', input: 'pinned', mode: 'sync', depth: 0, warmup: 0, frames: 5 },
      },
    ];
    for (let depth = 0; depth <= 4; depth++) {
      for (const mode of ['sync', 'async'] as const) {
        configs.push({
          label: `depth:${depth}:${mode}`,
          overrides: { ...size, format: 'bgra', input: 'pinned', mode, depth, warmup: 5, frames: o.depthFrames },
        });
      }
    }
    log(`suite: pipeline depths 0–4, libav engine, ${configs.length - 1} runs of ${o.depthFrames} frames …`);
    const runs = await runChild('libav', o.device, configs);
    setDevice(runs);
    for (const r of runs.slice(1)) {
      const [, depth, mode] = r.label.split(':');
      report.depth.rows.push(
        r.ok
          ? {
              depth: Number(depth),
              mode: mode!,
              ok: true,
              fps: r.fps!,
              latencyP50Us: r.latencyUs!.p50,
              latencyP99Us: r.latencyUs!.p99,
              callP50Us: r.callUs!.p50,
            }
          : { depth: Number(depth), mode: mode!, ok: false, error: r.error! },
      );
    }
  }

  // 5: many concurrent encodeAsync sessions.
  if (parts.has('sessions')) {
    report.sessions = await measureSessions(
      {
        device: o.device,
        width: o.width,
        height: o.height,
        seconds: o.sessionsSeconds,
        counts: o.sessionCounts,
        engines: ['libav', 'null'],
      },
      log,
    );
    const d = report.sessions.device;
    if (d && !report.device) report.device = { line: suiteDeviceLine(d), kind: d.kind, name: d.deviceName, abi: d.abi };
  }
  return report;
}

/** The suite's first line: the device, without the engine of any one measurement. */
function suiteDeviceLine(d: DeviceDescription): string {
  if (d.kind === 'nvidia') return `device: ${d.deviceName} (NVIDIA driver, NVENC ABI ${d.abi}), hardware NVENC engine`;
  const engines = 'null engine for 1–2, libavcodec engine for 3–4, both for 5';
  const why = d.fallbackSummary ? `: ${d.fallbackSummary}` : '';
  if (d.kind === 'hybrid')
    return `device: ${d.deviceName} real CUDA + software NVENC engine (${engines}), not NVIDIA's NVENC engine${why}`;
  return `device: software NVENC device (software CUDA; ${engines}), not NVIDIA hardware${why}`;
}

const pct = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : `${(v * 100).toFixed(1)} %`;
const us = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : formatUs(v));
const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(3)} ms`);

export function renderSuiteText(r: SuiteReport): string {
  const out: string[] = [];
  out.push(r.device?.line ?? 'device: none could be opened');
  out.push(r.note);
  out.push('');
  out.push(renderOverheadText(r.overhead));
  const up = r.upload;
  out.push('');
  out.push(
    `2. Host-frame upload (null engine, BGRA; upload = the addon's timed host→surface copy, p50 (+ JS staging); goal pinned ≥ ${up.goal * 100} % of raw)`,
  );
  if (up.rawCopy) {
    out.push(
      `   raw cuMemcpyHtoD of one frame (${(up.rawCopy.bytes / 1e6).toFixed(2)} MB) from ${up.rawCopy.buffers ?? 1} buffers cycled, as the rows below: ` +
        `pinned ${us(up.rawCopy.pinnedUs.p50)} (${up.rawCopy.pinnedGBps.toFixed(1)} GB/s), pageable ${us(up.rawCopy.pageableUs.p50)} (${up.rawCopy.pageableGBps.toFixed(1)} GB/s)` +
        (up.rawCopyHot
          ? `\n   the same from one cache-hot buffer: pinned ${us(up.rawCopyHot.pinnedUs.p50)} (${up.rawCopyHot.pinnedGBps.toFixed(1)} GB/s), ` +
            `pageable ${us(up.rawCopyHot.pageableUs.p50)} (${up.rawCopyHot.pageableGBps.toFixed(1)} GB/s)`
          : ''),
    );
  }
  if (up.error) out.push(`   note: ${up.error}`);
  if (up.rows.length) {
    out.push(
      renderTable(
        ['input', 'per frame p50', 'upload', 'raw pinned / upload', 'raw pageable / upload'],
        up.rows.map((x) =>
          x.error
            ? [x.label, `failed: ${x.error}`, '', '', '']
            : [
                x.label + (x.chose ? ` → ${x.chose}` : ''),
                us(x.perFrameUs),
                us(x.uploadUs),
                pct(x.efficiencyVsRawPinned),
                pct(x.efficiencyVsRawPageable),
              ],
        ),
      ),
    );
    if (up.bestPageable) out.push(`   best strategy for pageable Buffers: ${up.bestPageable}`);
  }
  out.push('');
  out.push(`3. Event-loop lag while encodeAsync runs flat out (pageable BGRA input; goal p99 < ${r.lag.goalMs} ms)`);
  if (r.lag.rows.length) {
    out.push(
      renderTable(
        ['engine', 'fps', 'lag p50', 'lag p99', 'lag max', 'samples'],
        r.lag.rows.map((x) =>
          x.ok
            ? [x.engine, x.fps!.toFixed(1), ms(x.p50Ms), ms(x.p99Ms), ms(x.maxMs), String(x.samples)]
            : [x.engine, `failed: ${x.error}`, '', '', '', ''],
        ),
      ),
    );
  } else out.push('   skipped');
  out.push('');
  out.push('4. Latency vs throughput by pipeline depth (libav engine, pinned BGRA input)');
  if (r.depth.rows.length) {
    out.push(
      renderTable(
        ['depth', 'mode', 'fps', 'latency p50', 'latency p99', 'call p50'],
        r.depth.rows.map((x) =>
          x.ok
            ? [String(x.depth), x.mode, x.fps!.toFixed(1), us(x.latencyP50Us), us(x.latencyP99Us), us(x.callP50Us)]
            : [String(x.depth), x.mode, `failed: ${x.error}`, '', '', ''],
        ),
      ),
    );
  } else out.push('   skipped');
  if (r.sessions) {
    out.push('');
    out.push(renderSessionsText(r.sessions));
  }
  return out.join('\n');
}

export function renderOverheadText(ov: OverheadReport | null): string {
  const out: string[] = [];
  if (!ov) return '1. JS-side overhead per frame: skipped';
  const first = ov.inputs.find((x) => x.ok);
  out.push(
    `1. JS-side overhead per frame (${ov.width}x${ov.height} NV12, ${ov.engine}; TS call vs a C++ loop on the same session, ` +
      `${first?.rounds ?? '?'} alternating rounds of ${first?.framesPerRound ?? '?'} frames; goal ≤ ${ov.goalSyncUs} µs sync, ≤ ${ov.goalAsyncUs} µs async)`,
  );
  if (!ov.ok) {
    out.push(`   not measured: ${ov.error ?? 'no input could be measured'}`);
    return out.join('\n');
  }
  const d = (x: { p50Us: number; minUs: number; maxUs: number } | undefined) =>
    x ? `${x.p50Us.toFixed(2)} µs  [${x.minUs.toFixed(2)} … ${x.maxUs.toFixed(2)}]` : 'n/a';
  const rows: string[][] = [];
  for (const x of ov.inputs) {
    if (!x.ok) {
      rows.push([x.input, `failed: ${x.error}`, '', '', '', '']);
      continue;
    }
    rows.push([
      x.input,
      us(x.cppLoop!.p50Us),
      `${us(x.syncEncode!.p50Us)} / ${us(x.syncEncodeWithMeta!.p50Us)}`,
      d(x.overhead!.sync),
      d(x.overhead!.syncWithMeta),
      `${us(x.asyncRoundTrip!.p50Us)}  (+${x.overhead!.asyncRoundTrip.p50Us.toFixed(1)} µs)`,
      us(x.asyncJsThreadUs!.p50Us),
    ]);
  }
  out.push(
    renderTable(
      [
        'input',
        'C++ loop p50',
        'encode() p50 (plain / with seq+ts)',
        'sync overhead [range over rounds]',
        'with seq+timestamp',
        'encodeAsync round trip',
        'async JS-thread time / frame',
      ],
      rows,
    ),
  );
  // encodeAsync against its floor: the same hand-offs with a busy-wait as long as the C++ call.
  const floorRows = ov.inputs
    .filter((x) => x.ok && x.asyncFloor)
    .map((x) => [
      x.input,
      `${us(x.asyncRoundTrip!.p50Us)}  (+${x.overhead!.asyncRoundTrip.p50Us.toFixed(1)} µs)`,
      `${us(x.asyncFloor!.p50Us)}  (busy-wait ${x.floorWorkUs!.toFixed(1)} µs)`,
      d(x.overhead!.hops),
      d(x.overhead!.asyncOverFloor),
      `${us(x.asyncJsThreadUs!.p50Us)} / ${us(x.asyncFloorJsThreadUs!.p50Us)}`,
    ]);
  if (floorRows.length > 0) {
    out.push(
      renderTable(
        [
          'input',
          'encodeAsync round trip (− C++)',
          'floor round trip',
          'hops = floor − busy-wait',
          'encodeAsync − floor',
          'JS-thread time encodeAsync / floor',
        ],
        floorRows,
      ),
    );
  }
  return out.join('\n');
}

export function renderSessionsText(r: SessionsReport): string {
  const out: string[] = [];
  out.push(
    `5. Concurrent encodeAsync sessions (${r.width}x${r.height} NV12 device input, H.264 p1/ull, ${r.seconds} s per count, ${r.cpus} CPUs; goal ≥ ${r.goalScalingAt8}× at 8 with the libav engine)`,
  );
  out.push(
    renderTable(
      [
        'engine',
        'sessions',
        'aggregate fps',
        'scaling',
        'per session fps (min…max)',
        'lag p99',
        'lag max',
        'cores busy',
        'JS thread busy',
      ],
      r.rows.map((x) =>
        x.ok
          ? [
              x.engine,
              String(x.sessions),
              x.aggregateFps!.toFixed(1),
              x.scaling !== undefined ? `${x.scaling.toFixed(2)}×` : 'n/a',
              `${Math.min(...x.perSessionFps!).toFixed(1)} … ${Math.max(...x.perSessionFps!).toFixed(1)}`,
              ms(x.lagP99Ms),
              ms(x.lagMaxMs),
              x.coresBusy!.toFixed(2),
              `${(x.jsThreadBusy! * 100).toFixed(0)} %`,
            ]
          : [x.engine, String(x.sessions), `failed: ${x.error}`, '', '', '', '', '', ''],
      ),
    ),
  );
  return out.join('\n');
}
