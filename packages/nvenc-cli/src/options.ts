/**
 * Command-line parsing for nvenc-bench. Every mistake becomes a `UsageError` whose message fits on
 * one line; the entry point prints it and exits with code 2 (the convention of getopt tools).
 */

import {
  CODECS,
  HOST_UPLOADS,
  INPUT_FORMATS,
  PRESETS,
  RATE_CONTROLS,
  TUNINGS,
  type Codec,
  type HostUpload,
  type InputFormat,
  type Preset,
  type RateControl,
  type Tuning,
} from '@nvenc-ts/nvenc';

// The encoder's option values come from @nvenc-ts/nvenc (importing it loads no driver).
export type { Codec, HostUpload, InputFormat, Preset, RateControl, Tuning };
export type InputKind = 'device' | 'host' | 'pinned';
/** How a pageable host Buffer reaches the encoder: passed as is, or copied by JS into a pinned frame first. */
export type HostCopy = 'direct' | 'staged';
export type Mode = 'sync' | 'async';
/** NVENC engine: the NVIDIA driver's, or one of the software device's two engines. */
export type Engine = 'nvidia' | 'libav' | 'null';
export type DeviceChoice = { kind: 'auto' } | { kind: 'software' } | { kind: 'gpu'; index: number };
export type Compare = 'ffmpeg';

export interface BenchOptions {
  codec: Codec;
  preset: Preset;
  tuning: Tuning;
  width: number;
  height: number;
  /** Frames to measure (after warm-up); `durationMs` instead when given. */
  frames: number;
  durationMs: number | undefined;
  warmup: number;
  fps: number;
  input: InputKind;
  hostCopy: HostCopy;
  /** The encoder's own path for pageable Buffers (EncoderOptions.hostUpload). */
  hostUpload: HostUpload;
  format: InputFormat;
  mode: Mode;
  depth: number;
  rateControl: RateControl;
  bitrate: number;
  qp: number | undefined;
  gop: number | 'infinite';
  bFrames: number;
  device: DeviceChoice;
  /** undefined: the device's own (NVIDIA engine on a GPU, libav on the software device). */
  engine: Engine | undefined;
  json: OutputTarget | undefined;
  csv: OutputTarget | undefined;
  report: string | undefined;
  /** Write the encoded elementary stream (Annex B / OBUs), warm-up frames included. */
  output: string | undefined;
  compare: Compare | undefined;
  progress: 'auto' | 'on' | 'off';
  /** Print the full reason behind the device line (why the NVIDIA driver was not used). */
  verbose: boolean;
  /** Distinct synthetic frames cycled through (so the encoder sees motion, not a still image). */
  distinctFrames: number;
}

/** `--json` alone writes to stdout; `--json=path` writes a file. */
export type OutputTarget = { to: 'stdout' } | { to: 'file'; path: string };

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const defaults: Readonly<BenchOptions> = Object.freeze<BenchOptions>({
  codec: 'h264',
  // p1 + ull: the fastest, lowest-latency setting (what a remote desktop uses); with 1280x720 and
  // 120 frames a run on the software device finishes in seconds even on two slow cores.
  preset: 'p1',
  tuning: 'ull',
  width: 1280,
  height: 720,
  frames: 120,
  durationMs: undefined,
  warmup: 10,
  fps: 60,
  input: 'host',
  hostCopy: 'direct',
  hostUpload: 'auto',
  format: 'bgra',
  mode: 'sync',
  depth: 0,
  rateControl: 'cbr',
  bitrate: 8_000_000,
  qp: undefined,
  gop: 'infinite',
  bFrames: 0,
  device: { kind: 'auto' },
  engine: undefined,
  json: undefined,
  csv: undefined,
  report: undefined,
  output: undefined,
  compare: undefined,
  progress: 'auto',
  verbose: false,
  distinctFrames: 8,
});

const namedSizes: Readonly<Record<string, readonly [number, number]>> = {
  '360p': [640, 360],
  '480p': [854, 480],
  '720p': [1280, 720],
  hd: [1280, 720],
  '1080p': [1920, 1080],
  fhd: [1920, 1080],
  '1440p': [2560, 1440],
  qhd: [2560, 1440],
  '2160p': [3840, 2160],
  '4k': [3840, 2160],
  uhd: [3840, 2160],
  '8k': [7680, 4320],
};

export function parseSize(text: string): [number, number] {
  const named = namedSizes[text.toLowerCase()];
  if (named) return [named[0], named[1]];
  const m = /^(\d+)[xX×](\d+)$/.exec(text);
  if (!m) {
    throw new UsageError(`--size: '${text}' is not WIDTHxHEIGHT or one of ${Object.keys(namedSizes).join(', ')}`);
  }
  const w = Number(m[1]);
  const h = Number(m[2]);
  if (w < 16 || h < 16 || w > 16384 || h > 16384) {
    throw new UsageError(`--size: ${w}x${h} is outside 16..16384 in each dimension`);
  }
  if (w % 2 || h % 2) throw new UsageError(`--size: ${w}x${h} must have even width and height (4:2:0 chroma)`);
  return [w, h];
}

/** `8M`, `2.5m`, `800k`, `8000000` → bits per second. */
export function parseBitrate(text: string, flag = '--bitrate'): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)(?:bps|b\/s)?$/.exec(text);
  if (!m) throw new UsageError(`${flag}: '${text}' is not a bit rate (e.g. 8M, 800k, 5000000)`);
  const scale = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const v = Math.round(Number(m[1]) * scale);
  if (v < 1000 || v > 2_000_000_000) throw new UsageError(`${flag}: ${text} is outside 1k..2G bits/s`);
  return v;
}

/** `10s`, `1.5s`, `500ms`, `2m` → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new UsageError(`--duration: '${text}' is not a duration (e.g. 10s, 500ms, 2m)`);
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm'];
  if (ms <= 0 || ms > 3_600_000) throw new UsageError(`--duration: ${text} is outside (0, 1h]`);
  return ms;
}

export function parseDevice(text: string): DeviceChoice {
  if (text === 'auto') return { kind: 'auto' };
  if (text === 'software') return { kind: 'software' };
  const m = /^gpu:(\d+)$/.exec(text);
  if (m) return { kind: 'gpu', index: Number(m[1]) };
  throw new UsageError(`--device: '${text}' is not auto, software or gpu:N`);
}

export function parseInteger(text: string, flag: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag}: '${text}' is not an integer`);
  const v = Number(text);
  if (v < min || v > max) throw new UsageError(`${flag}: ${v} is outside ${min}..${max}`);
  return v;
}

function oneOf<T extends string>(text: string, flag: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`${flag}: '${text}' is not one of ${allowed.join(', ')}`);
}

export type Command =
  | { command: 'run'; options: BenchOptions }
  | { command: 'suite'; options: SuiteOptions }
  | { command: 'help' }
  | { command: 'version' };

export interface SuiteOptions {
  json: OutputTarget | undefined;
  device: DeviceChoice;
  /** Frames per round of the overhead measurement (null engine: cheap). */
  overheadFrames: number;
  /** Seconds of flat-out encodeAsync for the event-loop lag measurement. */
  lagSeconds: number;
  /** Frames per pipeline depth in the latency/throughput measurement. */
  depthFrames: number;
  width: number;
  height: number;
  /** Which measurements to run (default all). */
  only: SuitePart[] | undefined;
  /** Alternating TS / C++ rounds of the overhead measurement. */
  overheadRounds: number;
  /** Seconds per session count in the many-sessions measurement. */
  sessionsSeconds: number;
  sessionCounts: number[];
  /** `--report out.html`: the suite's charts on one page. */
  report: string | undefined;
}

export const suiteParts = ['overhead', 'upload', 'lag', 'depth', 'sessions'] as const;
export type SuitePart = (typeof suiteParts)[number];

interface FlagSpec {
  /** Takes a value (`--x v` or `--x=v`); `optional`: only through `--x=v`. */
  value: 'none' | 'required' | 'optional';
  apply: (target: Record<string, unknown>, value: string | undefined, flag: string) => void;
}

const runFlags: Record<string, FlagSpec> = {
  '--codec': { value: 'required', apply: (o, v, f) => (o.codec = oneOf(v!, f, CODECS)) },
  '--preset': { value: 'required', apply: (o, v, f) => (o.preset = oneOf(v!, f, PRESETS)) },
  '--tuning': { value: 'required', apply: (o, v, f) => (o.tuning = oneOf(v!, f, TUNINGS)) },
  '--size': {
    value: 'required',
    apply: (o, v) => {
      [o.width, o.height] = parseSize(v!);
    },
  },
  '--frames': { value: 'required', apply: (o, v, f) => (o.frames = parseInteger(v!, f, 1, 10_000_000)) },
  '--duration': { value: 'required', apply: (o, v) => (o.durationMs = parseDuration(v!)) },
  '--warmup': { value: 'required', apply: (o, v, f) => (o.warmup = parseInteger(v!, f, 0, 100_000)) },
  '--fps': { value: 'required', apply: (o, v, f) => (o.fps = parseInteger(v!, f, 1, 1000)) },
  '--input': { value: 'required', apply: (o, v, f) => (o.input = oneOf(v!, f, ['device', 'host', 'pinned'] as const)) },
  '--host-copy': { value: 'required', apply: (o, v, f) => (o.hostCopy = oneOf(v!, f, ['direct', 'staged'] as const)) },
  '--host-upload': { value: 'required', apply: (o, v, f) => (o.hostUpload = oneOf(v!, f, HOST_UPLOADS)) },
  '--format': {
    value: 'required',
    apply: (o, v, f) => (o.format = oneOf(v!, f, INPUT_FORMATS)),
  },
  '--mode': { value: 'required', apply: (o, v, f) => (o.mode = oneOf(v!, f, ['sync', 'async'] as const)) },
  '--sync': { value: 'none', apply: (o) => (o.mode = 'sync') },
  '--async': { value: 'none', apply: (o) => (o.mode = 'async') },
  '--depth': { value: 'required', apply: (o, v, f) => (o.depth = parseInteger(v!, f, 0, 16)) },
  '--rc': { value: 'required', apply: (o, v, f) => (o.rateControl = oneOf(v!, f, RATE_CONTROLS)) },
  '--bitrate': { value: 'required', apply: (o, v, f) => (o.bitrate = parseBitrate(v!, f)) },
  '--qp': { value: 'required', apply: (o, v, f) => (o.qp = parseInteger(v!, f, 0, 255)) },
  '--gop': {
    value: 'required',
    apply: (o, v, f) => (o.gop = v === 'infinite' ? 'infinite' : parseInteger(v!, f, 1, 1_000_000)),
  },
  '--bframes': { value: 'required', apply: (o, v, f) => (o.bFrames = parseInteger(v!, f, 0, 4)) },
  '--device': { value: 'required', apply: (o, v) => (o.device = parseDevice(v!)) },
  '--engine': {
    value: 'required',
    apply: (o, v, f) => (o.engine = oneOf(v!, f, ['nvidia', 'libav', 'null'] as const)),
  },
  '--json': { value: 'optional', apply: (o, v) => (o.json = outputTarget(v)) },
  '--csv': { value: 'optional', apply: (o, v) => (o.csv = outputTarget(v)) },
  '--report': { value: 'required', apply: (o, v) => (o.report = v) },
  '--output': { value: 'required', apply: (o, v) => (o.output = v) },
  '--compare': { value: 'required', apply: (o, v, f) => (o.compare = oneOf(v!, f, ['ffmpeg'] as const)) },
  '--progress': { value: 'none', apply: (o) => (o.progress = 'on') },
  '--no-progress': { value: 'none', apply: (o) => (o.progress = 'off') },
  '--verbose': { value: 'none', apply: (o) => (o.verbose = true) },
  '--distinct-frames': { value: 'required', apply: (o, v, f) => (o.distinctFrames = parseInteger(v!, f, 1, 256)) },
};

const suiteFlags: Record<string, FlagSpec> = {
  '--json': { value: 'optional', apply: (o, v) => (o.json = outputTarget(v)) },
  '--device': { value: 'required', apply: (o, v) => (o.device = parseDevice(v!)) },
  '--overhead-frames': {
    value: 'required',
    apply: (o, v, f) => (o.overheadFrames = parseInteger(v!, f, 10, 10_000_000)),
  },
  '--lag-seconds': { value: 'required', apply: (o, v, f) => (o.lagSeconds = parseInteger(v!, f, 1, 600)) },
  '--depth-frames': { value: 'required', apply: (o, v, f) => (o.depthFrames = parseInteger(v!, f, 5, 1_000_000)) },
  '--size': {
    value: 'required',
    apply: (o, v) => {
      [o.width, o.height] = parseSize(v!);
    },
  },
  '--only': {
    value: 'required',
    apply: (o, v, f) => (o.only = v!.split(',').map((p) => oneOf(p.trim(), f, suiteParts))),
  },
  '--rounds': { value: 'required', apply: (o, v, f) => (o.overheadRounds = parseInteger(v!, f, 2, 10_000)) },
  '--sessions-seconds': { value: 'required', apply: (o, v, f) => (o.sessionsSeconds = parseInteger(v!, f, 1, 600)) },
  '--sessions': {
    value: 'required',
    apply: (o, v, f) => (o.sessionCounts = v!.split(',').map((n) => parseInteger(n.trim(), f, 1, 64))),
  },
  '--report': { value: 'required', apply: (o, v) => (o.report = v) },
};

function outputTarget(value: string | undefined): OutputTarget {
  if (value === undefined || value === '-') return { to: 'stdout' };
  if (value === '') throw new UsageError('--json=/--csv= needs a file name (or use the flag alone for stdout)');
  return { to: 'file', path: value };
}

function applyFlags(argv: readonly string[], flags: Record<string, FlagSpec>, target: Record<string, unknown>): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = flags[name];
    if (!spec) throw new UsageError(`unknown option '${name}'${suggest(name, Object.keys(flags))}`);
    let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (spec.value === 'none' && value !== undefined) throw new UsageError(`${name} takes no value`);
    if (spec.value === 'required' && value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2))
        throw new UsageError(`${name} needs a value`);
      value = next;
      i++;
    }
    spec.apply(target, value, name);
  }
}

function suggest(name: string, known: string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return best ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

export function parseRunOptions(argv: readonly string[]): BenchOptions {
  const o: Record<string, unknown> = { ...defaults, device: { ...defaults.device } };
  applyFlags(argv, runFlags, o);
  const opts = o as unknown as BenchOptions;
  validateRun(opts, argv);
  return opts;
}

function validateRun(o: BenchOptions, argv: readonly string[]): void {
  const given = (flag: string) => argv.some((a) => a === flag || a.startsWith(`${flag}=`));
  if (given('--frames') && given('--duration')) throw new UsageError('--frames and --duration exclude each other');
  if (o.rateControl === 'cqp' && given('--bitrate'))
    throw new UsageError('--bitrate has no effect with --rc cqp (use --qp)');
  if (o.qp !== undefined && o.rateControl !== 'cqp') throw new UsageError('--qp needs --rc cqp');
  if (o.json && o.csv && o.json.to === 'stdout' && o.csv.to === 'stdout') {
    throw new UsageError('--json and --csv cannot both write to stdout (give one a file: --csv=out.csv)');
  }
  if (o.hostCopy === 'staged' && o.input !== 'host') throw new UsageError('--host-copy applies to --input host only');
  if (o.engine === 'nvidia' && o.device.kind === 'software') {
    throw new UsageError('--engine nvidia needs an NVIDIA GPU (--device auto or gpu:N), not --device software');
  }
  if (o.format === 'p010' && o.codec === 'h264') {
    throw new UsageError('--format p010 (10-bit) needs --codec hevc or av1');
  }
  if (o.compare === 'ffmpeg' && o.codec === 'av1') {
    throw new UsageError("--compare ffmpeg: Debian's ffmpeg has no av1_nvenc (built on the NVENC 11.1 headers)");
  }
  if (o.compare === 'ffmpeg' && o.input === 'device') {
    throw new UsageError('--compare ffmpeg reads frames from host memory; use --input host or pinned');
  }
}

export function parseSuiteOptions(argv: readonly string[]): SuiteOptions {
  const o: Record<string, unknown> = {
    json: undefined,
    device: { kind: 'auto' },
    overheadFrames: 500,
    lagSeconds: 3,
    depthFrames: 60,
    width: 1920,
    height: 1080,
    only: undefined,
    overheadRounds: 30,
    sessionsSeconds: 3,
    sessionCounts: [1, 2, 4, 8],
    report: undefined,
  } satisfies SuiteOptions;
  applyFlags(argv, suiteFlags, o);
  return o as unknown as SuiteOptions;
}

export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') return { command: 'help' };
  if (first === '--version' || first === '-V') return { command: 'version' };
  if (argv.includes('--help') || argv.includes('-h')) return { command: 'help' };
  if (first === 'suite') return { command: 'suite', options: parseSuiteOptions(rest) };
  if (first === 'run') return { command: 'run', options: parseRunOptions(rest) };
  if (first !== undefined && !first.startsWith('-'))
    throw new UsageError(`unknown command '${first}' (commands: run, suite, help)`);
  return { command: 'run', options: parseRunOptions(argv) };
}

export const helpText = `nvenc-bench — benchmark NVENC encoding from Node.js

Usage:
  nvenc-bench [run] [options]     encode synthetic frames and report speed and latency
  nvenc-bench suite [--json]      the stack measurements (overhead, upload, lag, depth, sessions)
  nvenc-bench help

Run options (defaults in brackets):
  --codec h264|hevc|av1                 [h264]
  --preset p1..p7                       [p1]
  --tuning ull|ll|hq|lossless           [ull]
  --size WxH|720p|1080p|1440p|4k|8k     [1280x720]
  --frames N | --duration 10s           [120 frames], plus --warmup N [10] not counted
  --fps N                               nominal frame rate for rate control [60]
  --input device|host|pinned            where frames live [host]
  --host-copy direct|staged             host Buffers: pass as is, or copy into a pinned frame first (in JS) [direct]
  --host-upload auto|direct|staged      the encoder's path for pageable Buffers: timed choice, the driver's
                                        pageable copy, or pinned chunks copied by a thread pool [auto]
  --format nv12|yuv444|bgra|rgba|p010   [bgra]
  --sync | --async | --mode sync|async  encode() or encodeAsync() [sync]
  --depth N                             pipeline depth (extraOutputDelay) [0]
  --rc cbr|vbr|cqp --bitrate 8M --qp N  rate control [cbr 8M]
  --gop N|infinite --bframes N          [infinite, 0]
  --device auto|gpu:N|software          [auto: the NVIDIA driver if it has an NVENC engine, else software]
  --engine nvidia|libav|null            software device engine; null = no encoding (pure stack overhead).
                                        With gpu:N, libav/null run the software engine on real CUDA.
Output:
  (default) a table; --json[=file] and --csv[=file] (stdout without a file)
  --report out.html                     self-contained HTML page with charts
  --output out.h264                     write the encoded stream (warm-up frames included)
  --compare ffmpeg                      also run ffmpeg's h264_nvenc/hevc_nvenc with the same settings
  --progress | --no-progress            progress bar (default: only on a TTY)
  --verbose                             also print why the NVIDIA driver was not used, in full

Suite options:
  --json[=file] --device ... --size [1920x1080] --overhead-frames N [500: frames per round]
  --rounds N [30: alternating TS / C++ rounds] --lag-seconds N [3] --depth-frames N [60]
  --sessions 1,2,4,8 --sessions-seconds N [3] --report out.html
  --only overhead,upload,lag,depth,sessions

Exit codes: 0 ok, 1 benchmark failed, 2 wrong options.`;
