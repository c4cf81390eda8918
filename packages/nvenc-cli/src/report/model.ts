/** The benchmark's result document: what --json prints and what the table, CSV and HTML show. */
import type { DeviceDescription } from '../device.js';
import type { BenchOptions } from '../options.js';
import type { RunResult } from '../runner.js';
import type { Summary } from '../stats.js';
import type { FfmpegResult } from '../ffmpeg.js';

export interface BenchReport {
  tool: 'nvenc-bench';
  version: string;
  createdAt: string;
  host: { node: string; platform: string; cpus: number; cpuModel: string };
  device: {
    line: string;
    kind: DeviceDescription['kind'];
    engine: DeviceDescription['engine'];
    name: string;
    abi: string;
    fallbackReason: string | null;
  };
  settings: {
    codec: string;
    preset: string;
    tuning: string;
    width: number;
    height: number;
    format: string;
    input: string;
    hostCopy: string | null;
    mode: string;
    depth: number;
    rateControl: string;
    bitrate: number | null;
    qp: number | null;
    fps: number;
    gop: number | 'infinite';
    bFrames: number;
    warmup: number;
  };
  results: {
    frames: number;
    wallMs: number;
    fps: number;
    latencyUs: Summary;
    callUs: Summary;
    stagesUs: {
      upload: Summary | null;
      submit: Summary | null;
      waitForOutput: Summary | null;
      jsOverhead: Summary | null;
      staging: Summary | null;
      note: string | null;
    };
    bytes: number;
    bitrateBps: number;
    keyframes: number;
    /** Keyframes in the warm-up frames, not counted in `keyframes` (usually the stream's first IDR). */
    warmupKeyframes: number;
    /** null when no timer fired (a sync run never yields to the event loop). */
    eventLoopLagMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null; samples: number };
    openMs: number;
    endToEndMs: number;
  };
  /** Per measured frame (index = measured frame number). */
  perFrame: { submitMs: number[]; latencyUs: number[]; callUs: number[]; bytes: number[] };
  compare: {
    ffmpeg: FfmpegResult;
    /** This run's frames (warm-up included) over its end-to-end time, for comparison with ffmpeg's. */
    nvencBenchEndToEndFps: number;
    /** nvenc-bench end-to-end fps / ffmpeg end-to-end fps (both include opening the session and the warm-up frames). */
    endToEndRatio: number | null;
  } | null;
}

export function buildReport(
  version: string,
  o: BenchOptions,
  device: DeviceDescription,
  r: RunResult,
  host: BenchReport['host'],
  ffmpeg?: FfmpegResult,
): BenchReport {
  const round = (v: number, d = 3) => (Number.isFinite(v) ? Number(v.toFixed(d)) : v);
  const nn = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
  // Times in µs to 0.1 µs: the timers resolve no finer, and 17 digits of float noise help no one.
  const us = (sum: Summary): Summary => ({
    count: sum.count,
    mean: round(sum.mean, 1),
    min: round(sum.min, 1),
    p50: round(sum.p50, 1),
    p90: round(sum.p90, 1),
    p99: round(sum.p99, 1),
    max: round(sum.max, 1),
    stddev: round(sum.stddev, 1),
  });
  const usOrNull = (sum: Summary | undefined): Summary | null => (sum === undefined ? null : us(sum));
  // End to end covers the warm-up frames too (ffmpeg is given frames + warm-up).
  const e2eFps = (r.frames + o.warmup) / (r.endToEndMs / 1000);
  return {
    tool: 'nvenc-bench',
    version,
    createdAt: new Date().toISOString(),
    host,
    device: {
      line: device.line,
      kind: device.kind,
      engine: device.engine,
      name: device.deviceName,
      abi: device.abi,
      fallbackReason: nn(device.fallbackReason),
    },
    settings: {
      codec: o.codec,
      preset: o.preset,
      tuning: o.tuning,
      width: o.width,
      height: o.height,
      format: o.format,
      input: o.input,
      hostCopy: o.input === 'host' ? o.hostCopy : null,
      mode: o.mode,
      depth: o.depth,
      rateControl: o.rateControl,
      bitrate: o.rateControl === 'cqp' ? null : o.bitrate,
      qp: o.rateControl === 'cqp' ? (o.qp ?? 28) : null,
      fps: o.fps,
      gop: o.gop,
      bFrames: o.bFrames,
      warmup: o.warmup,
    },
    results: {
      frames: r.frames,
      wallMs: round(r.wallMs),
      fps: round(r.fps, 2),
      latencyUs: us(r.latencyUs),
      callUs: us(r.callUs),
      stagesUs: {
        upload: usOrNull(r.stages.upload),
        submit: usOrNull(r.stages.submit),
        waitForOutput: usOrNull(r.stages.waitForOutput),
        jsOverhead: usOrNull(r.stages.jsOverhead),
        staging: usOrNull(r.stages.staging),
        note: nn(r.stages.note),
      },
      bytes: r.bytes,
      bitrateBps: Math.round(r.bitrateBps),
      keyframes: r.keyframes,
      warmupKeyframes: r.warmupKeyframes,
      eventLoopLagMs: {
        p50: orNull(round(r.eventLoopLag.p50Ms)),
        p90: orNull(round(r.eventLoopLag.p90Ms)),
        p99: orNull(round(r.eventLoopLag.p99Ms)),
        max: orNull(round(r.eventLoopLag.maxMs)),
        samples: r.eventLoopLag.samples,
      },
      openMs: round(r.openMs),
      endToEndMs: round(r.endToEndMs),
    },
    perFrame: {
      submitMs: r.samples.submitMs.map((v) => round(v)),
      latencyUs: r.samples.latencyUs.map((v) => round(v, 1)),
      callUs: r.samples.callUs.map((v) => round(v, 1)),
      bytes: r.samples.bytes.map((v) => v ?? 0),
    },
    compare: ffmpeg
      ? {
          ffmpeg,
          nvencBenchEndToEndFps: round(e2eFps, 2),
          endToEndRatio: ffmpeg.ok && ffmpeg.endToEndFps > 0 ? round(e2eFps / ffmpeg.endToEndFps, 3) : null,
        }
      : null,
  };
}

function orNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/**
 * JSON text of a report with every fractional number rounded: at most three decimals, and four
 * significant digits below 1 (0.000123 stays readable). Timers resolve no finer, and 17-digit
 * float noise only hides the numbers that matter.
 */
export function reportJson(report: unknown): string {
  return JSON.stringify(
    report,
    (_key, v: unknown) => {
      if (typeof v !== 'number' || Number.isInteger(v) || !Number.isFinite(v)) return v;
      return Math.abs(v) >= 1 ? Math.round(v * 1000) / 1000 : Number(v.toPrecision(4));
    },
    2,
  );
}
