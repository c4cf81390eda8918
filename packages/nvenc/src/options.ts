/**
 * Encoder options: validation, defaults and conversion to the native binding's options.
 * Defaults are chosen for browser decoders at low latency (WebCodecs, noVNC): no B-frames, zero
 * reorder delay signalled in the VUI, SPS/PPS repeated on every IDR, no extra pipeline delay.
 */
import { deviceTarget } from './device.js';
import { InvalidOptionError } from './errors.js';
import type { NativeEncoderOptions, NativeReconfigureOptions, NativeEncodeOptions } from './native-types.js';
import type {
  BFrameRefMode,
  Codec,
  ColourOptions,
  Multipass,
  QpMapMode,
  SliceMode,
  EncodeOptions,
  EncoderOptions,
  InputFormat,
  HostUpload,
  Preset,
  Profile,
  RateControl,
  ReconfigureOptions,
  ResolvedEncoderOptions,
  Tuning,
  ColourPrimariesName,
  TransferName,
  MatrixName,
} from './types.js';

// The option types live in the leaf types.ts; modules that import them from here still find them.
export type * from './types.js';

/** What `gop: 'infinite'` resolves to: NVENC_INFINITE_GOPLENGTH, no periodic intra frames. */
export const INFINITE_GOP = 0xffffffff;

/** Every accepted value of each string option, in documentation order (CLIs and forms list these). */
export const CODECS: readonly Codec[] = ['h264', 'hevc', 'av1'];
/** Every accepted `preset`. */
export const PRESETS: readonly Preset[] = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
/** Every accepted `tuning`. */
export const TUNINGS: readonly Tuning[] = ['ull', 'll', 'hq', 'lossless'];
/** Every accepted `profile`. */
export const PROFILES: readonly Profile[] = ['auto', 'baseline', 'main', 'high', 'high444', 'main10'];
/** Every accepted `rateControl`. */
export const RATE_CONTROLS: readonly RateControl[] = ['cbr', 'vbr', 'cqp'];
/** Every accepted `inputFormat`. */
export const INPUT_FORMATS: readonly InputFormat[] = ['nv12', 'yuv444', 'bgra', 'rgba', 'p010'];
/** Every accepted `hostUpload`. */
export const HOST_UPLOADS: readonly HostUpload[] = ['auto', 'direct', 'staged'];

/** H.273 code points for named colour values. */
export const COLOUR_PRIMARIES: Readonly<Record<ColourPrimariesName, number>> = Object.freeze({
  bt709: 1,
  srgb: 1,
  unspecified: 2,
  bt470bg: 5,
  bt601: 6,
  smpte170m: 6,
  bt2020: 9,
  'display-p3': 12,
});
/** H.273 code points for named transfer characteristics. */
export const TRANSFER_CHARACTERISTICS: Readonly<Record<TransferName, number>> = Object.freeze({
  bt709: 1,
  unspecified: 2,
  bt601: 6,
  smpte170m: 6,
  linear: 8,
  srgb: 13,
  bt2020: 14,
  pq: 16,
  hlg: 18,
});
/** H.273 code points for named matrix coefficients. */
export const MATRIX_COEFFICIENTS: Readonly<Record<MatrixName, number>> = Object.freeze({
  rgb: 0,
  bt709: 1,
  unspecified: 2,
  bt470bg: 5,
  bt601: 6,
  smpte170m: 6,
  bt2020: 9,
});

/** Values of the `multipass` option. */
export const MULTIPASS_MODES: readonly Multipass[] = ['disabled', 'quarter-resolution', 'full-resolution'];
/** Values of the `bFrameRefMode` option. */
export const BFRAME_REF_MODES: readonly BFrameRefMode[] = ['disabled', 'each', 'middle'];
/** Values of the `qpMap` option. */
export const QP_MAP_MODES: readonly QpMapMode[] = ['off', 'delta', 'emphasis'];

const MAX_DIMENSION = 16384;
// Encoder controls: NVENC's own limits (aqStrength is a 4-bit field; lookahead and reference
// counts as the NVENC API documents them); what a GPU supports is asked from its caps natively.
const MAX_SLICES = 256;
const SLICE_BYTES = { min: 64, max: 1 << 20 };
const MAX_AQ_STRENGTH = 15;
const MAX_LOOKAHEAD = 32;
const MAX_REFERENCE_FRAMES = 16;
const MAX_LTR_FRAMES = 8;
const MAX_INTRA_REFRESH_PICTURES = 1024;
const QP_DELTA_LIMIT = 51;
const MAX_EMPHASIS_LEVEL = 5;
/** Macroblock edge of `qpMap` entries (H.264). */
const QP_MAP_BLOCK = 16;
const MAX_EXTRA_OUTPUT_DELAY = 16;
const MAX_B_FRAMES = 4;
const REFERENCE_AREA = 1920 * 1080;
const REFERENCE_BITRATE = 5_000_000;

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null)
    return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function invalid(option: string, value: unknown, allowed: string): InvalidOptionError {
  return new InvalidOptionError(`Invalid option ${option}: ${show(value)}; expected ${allowed}`, { option });
}

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalid(option, value, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
}

function integer(option: string, value: unknown, min: number, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(option, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

function positiveNumber(option: string, value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(option, value, what);
  return value;
}

function boolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(option, value, 'true or false');
  return value;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Frame rate as an exact fraction: 30 → 30/1, 29.97 → 30000/1001, 12.5 → 25/2. */
export function fpsToRational(option: string, fps: unknown): { num: number; den: number } {
  if (typeof fps === 'object' && fps !== null) {
    const { num, den } = fps as { num?: unknown; den?: unknown };
    const n = integer(`${option}.num`, num, 1, 0x7fffffff);
    const d = integer(`${option}.den`, den, 1, 0x7fffffff);
    const g = gcd(n, d);
    return { num: n / g, den: d / g };
  }
  const value = positiveNumber(option, fps, 'frames per second (a number > 0, at most 1000) or { num, den }');
  if (value > 1000) throw invalid(option, fps, 'frames per second (a number > 0, at most 1000) or { num, den }');
  if (Number.isInteger(value)) return { num: value, den: 1 };
  // NTSC rates (23.976, 29.97, 59.94): x * 1001 / 1000 is an integer.
  const ntsc = Math.round(value * 1.001);
  if (Math.abs(ntsc / 1.001 - value) < 0.005 && Math.abs(value - ntsc) > 1e-9) return { num: ntsc * 1000, den: 1001 };
  const num = Math.round(value * 1000);
  const g = gcd(num, 1000);
  return { num: num / g, den: 1000 / g };
}

function frameCount(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === 'infinite') return INFINITE_GOP;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= INFINITE_GOP) return value;
  throw invalid(option, value, "'infinite' or a number of frames (integer ≥ 1)");
}

function colourCode<K extends string>(
  option: string,
  value: unknown,
  names: Readonly<Record<K, number>>,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 255) return value;
  } else if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(names, value)) {
    return names[value as K];
  }
  throw invalid(
    option,
    value,
    `one of ${Object.keys(names)
      .map((n) => `'${n}'`)
      .join(', ')} or an H.273 code (integer 0–255)`,
  );
}

function resolveColour(value: unknown): ResolvedEncoderOptions['colour'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('colour', value, '{ primaries?, transfer?, matrix?, fullRange? }');
  }
  const c = value as ColourOptions;
  const out: NonNullable<ResolvedEncoderOptions['colour']> = {};
  const primaries = colourCode('colour.primaries', c.primaries, COLOUR_PRIMARIES);
  const transfer = colourCode('colour.transfer', c.transfer, TRANSFER_CHARACTERISTICS);
  const matrix = colourCode('colour.matrix', c.matrix, MATRIX_COEFFICIENTS);
  if (primaries !== undefined) out.primaries = primaries;
  if (transfer !== undefined) out.transfer = transfer;
  if (matrix !== undefined) out.matrix = matrix;
  if (c.fullRange !== undefined) out.fullRange = boolean('colour.fullRange', c.fullRange, false);
  return out;
}

const PROFILE_CODECS: Readonly<Record<Profile, readonly Codec[]>> = {
  auto: ['h264', 'hevc', 'av1'],
  baseline: ['h264'],
  main: ['h264', 'hevc', 'av1'],
  high: ['h264'],
  high444: ['h264', 'hevc'],
  main10: ['hevc'],
};

/**
 * Why a size must be even, for an input format: RGB input is encoded as 4:2:0 (NVENC converts it),
 * whose chroma planes and H.264/HEVC cropping work in units of two pixels, so the session would
 * fail at initialisation; YUV inputs carry subsampled planes (4:4:4 is kept even like the rest).
 */
function evenSizeReason(format: InputFormat): string {
  return format === 'bgra' || format === 'rgba'
    ? `RGB input is encoded as 4:2:0, which needs an even width and height`
    : `inputFormat '${format}' needs an even width and height`;
}

/** Default bitrate: 5 Mbit/s for 1920×1080, scaled by picture area (at least 100 kbit/s). */
export function defaultBitrate(width: number, height: number): number {
  return Math.max(100_000, Math.round((REFERENCE_BITRATE * width * height) / REFERENCE_AREA / 1000) * 1000);
}

function bitrateOption(option: string, value: unknown): number {
  return integer(option, value, 1000, 2_000_000_000);
}

/** Validates the options and fills in defaults; each problem is an InvalidOptionError naming the option. */
export function resolveEncoderOptions(options: EncoderOptions): ResolvedEncoderOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid('options', options, 'an object with at least { width, height }');
  }
  const o = options as EncoderOptions & Record<string, unknown>;
  const known = new Set([
    'width',
    'height',
    'codec',
    'preset',
    'tuning',
    'profile',
    'rateControl',
    'bitrate',
    'maxBitrate',
    'vbvBufferSize',
    'qp',
    'fps',
    'gop',
    'idrPeriod',
    'bFrames',
    'inputFormat',
    'colour',
    'extraOutputDelay',
    'repeatSpsPps',
    'zeroReorderDelay',
    'intraRefresh',
    'slices',
    'spatialAq',
    'temporalAq',
    'lookahead',
    'multipass',
    'weightedPrediction',
    'bFrameRefMode',
    'maxReferenceFrames',
    'qpMap',
    'longTermReferences',
    'cudaStream',
    'hostUpload',
    'device',
    'abi',
  ]);
  for (const key of Object.keys(o)) {
    if (!known.has(key)) {
      const hint =
        key === 'color' ? " (did you mean 'colour'?)" : key === 'format' ? " (did you mean 'inputFormat'?)" : '';
      throw new InvalidOptionError(`Unknown option ${key}${hint}; known options: ${[...known].join(', ')}`, {
        option: key,
      });
    }
  }

  const codec = oneOf('codec', o.codec, CODECS, 'h264');
  const inputFormat = oneOf('inputFormat', o.inputFormat, INPUT_FORMATS, 'bgra');
  const width = integer('width', o.width, 1, MAX_DIMENSION);
  const height = integer('height', o.height, 1, MAX_DIMENSION);
  if (width % 2 !== 0 || height % 2 !== 0) {
    const option = width % 2 !== 0 ? 'width' : 'height';
    throw new InvalidOptionError(
      `Invalid option ${option}: ${option === 'width' ? width : height}; ${evenSizeReason(inputFormat)} (got ${width}x${height}). ` +
        'Pad the frame to even dimensions (e.g. one extra row or column).',
      { option },
    );
  }
  if (inputFormat === 'p010' && codec === 'h264') {
    throw invalid(
      'inputFormat',
      inputFormat,
      "an 8-bit format for codec 'h264' (NVENC has no 10-bit H.264); use codec 'hevc' or 'av1' for p010",
    );
  }
  if (inputFormat === 'yuv444' && codec === 'av1') {
    throw invalid(
      'inputFormat',
      inputFormat,
      "'nv12', 'p010', 'bgra' or 'rgba' for codec 'av1' (NVENC AV1 encodes 4:2:0 only)",
    );
  }
  const preset = oneOf('preset', o.preset, PRESETS, 'p4');
  const tuning = oneOf('tuning', o.tuning, TUNINGS, 'ull');
  const profile = oneOf('profile', o.profile, PROFILES, 'auto');
  if (!PROFILE_CODECS[profile].includes(codec)) {
    throw invalid(
      'profile',
      profile,
      `a profile of ${codec}: ${PROFILES.filter((p) => PROFILE_CODECS[p].includes(codec))
        .map((p) => `'${p}'`)
        .join(', ')}`,
    );
  }
  if (profile === 'baseline' && (inputFormat === 'yuv444' || inputFormat === 'p010')) {
    throw invalid(
      'profile',
      profile,
      `a profile that can carry inputFormat '${inputFormat}' ('auto'${inputFormat === 'yuv444' ? " or 'high444'" : ''})`,
    );
  }
  const rateControl = oneOf('rateControl', o.rateControl, RATE_CONTROLS, tuning === 'lossless' ? 'cqp' : 'cbr');

  const fps = fpsToRational('fps', o.fps ?? 30);
  const bitrate = o.bitrate === undefined ? defaultBitrate(width, height) : bitrateOption('bitrate', o.bitrate);
  const bFrames = integer('bFrames', o.bFrames, 0, MAX_B_FRAMES, 0);
  const resolved: ResolvedEncoderOptions = {
    width,
    height,
    codec,
    preset,
    tuning,
    profile,
    rateControl,
    bitrate,
    fpsNum: fps.num,
    fpsDen: fps.den,
    fps: fps.num / fps.den,
    gop: frameCount('gop', o.gop, INFINITE_GOP),
    idrPeriod: 0,
    bFrames,
    inputFormat,
    extraOutputDelay: integer('extraOutputDelay', o.extraOutputDelay, 0, MAX_EXTRA_OUTPUT_DELAY, 0),
    repeatSpsPps: boolean('repeatSpsPps', o.repeatSpsPps, true),
    zeroReorderDelay: false,
    ...resolveControls(o, codec, bFrames),
    hostUpload: oneOf('hostUpload', o.hostUpload, HOST_UPLOADS, 'auto'),
    device: o.device ?? 'auto',
  };
  resolved.idrPeriod = frameCount('idrPeriod', o.idrPeriod, resolved.gop);
  resolved.zeroReorderDelay = boolean('zeroReorderDelay', o.zeroReorderDelay, resolved.bFrames === 0);
  if (resolved.zeroReorderDelay && resolved.bFrames > 0) {
    throw new InvalidOptionError(
      `Invalid option zeroReorderDelay: true with bFrames: ${resolved.bFrames}; B-frames reorder output, so set bFrames: 0 or zeroReorderDelay: false`,
      { option: 'zeroReorderDelay' },
    );
  }
  if (o.maxBitrate !== undefined) {
    resolved.maxBitrate = bitrateOption('maxBitrate', o.maxBitrate);
    if (resolved.maxBitrate < bitrate) {
      throw invalid('maxBitrate', o.maxBitrate, `a peak bitrate ≥ bitrate (${bitrate})`);
    }
  }
  if (o.vbvBufferSize !== undefined) resolved.vbvBufferSize = integer('vbvBufferSize', o.vbvBufferSize, 1, 0x7fffffff);
  const qpMax = codec === 'av1' ? 255 : 51;
  if (o.qp !== undefined) {
    if (typeof o.qp === 'number') {
      const q = integer('qp', o.qp, 0, qpMax);
      resolved.qp = { i: q, p: q, b: q };
    } else if (typeof o.qp === 'object' && o.qp !== null) {
      const i = integer('qp.i', o.qp.i, 0, qpMax);
      const p = integer('qp.p', o.qp.p, 0, qpMax);
      resolved.qp = { i, p, b: integer('qp.b', o.qp.b, 0, qpMax, p) };
    } else {
      throw invalid('qp', o.qp, `a QP (integer 0–${qpMax}) or { i, p, b? }`);
    }
  } else if (rateControl === 'cqp') {
    const q = tuning === 'lossless' ? 0 : codec === 'av1' ? 100 : 23;
    resolved.qp = { i: q, p: q, b: q };
  }
  const colour = resolveColour(o.colour);
  if (colour !== undefined) resolved.colour = colour;
  if (o.abi !== undefined) {
    if (typeof o.abi !== 'string' || !/^\d+\.\d+$/.test(o.abi))
      throw invalid('abi', o.abi, "an NVENC API version such as '12.1'");
    resolved.abi = o.abi;
  }
  // Validates the device option's shape now (library resolution happens when the encoder opens).
  if (resolved.device !== 'software') deviceTarget(resolved.device);
  return resolved;
}

/** The encoder controls streamers use (intra refresh, slices, AQ, lookahead, ...), into `resolved`. */
type Controls = Pick<
  ResolvedEncoderOptions,
  | 'intraRefresh'
  | 'slices'
  | 'spatialAq'
  | 'aqStrength'
  | 'temporalAq'
  | 'lookahead'
  | 'multipass'
  | 'weightedPrediction'
  | 'bFrameRefMode'
  | 'maxReferenceFrames'
  | 'qpMap'
  | 'longTermReferences'
  | 'cudaStream'
>;

function resolveControls(o: EncoderOptions, codec: Codec, bFrames: number): Controls {
  const resolved: Controls = {
    slices: resolveSlices(o.slices),
    spatialAq: false,
    aqStrength: 0,
    temporalAq: boolean('temporalAq', o.temporalAq, false),
    lookahead: integer('lookahead', o.lookahead, 0, MAX_LOOKAHEAD, 0),
    weightedPrediction: boolean('weightedPrediction', o.weightedPrediction, false),
    bFrameRefMode: oneOf('bFrameRefMode', o.bFrameRefMode, BFRAME_REF_MODES, 'disabled'),
    maxReferenceFrames: integer('maxReferenceFrames', o.maxReferenceFrames, 0, MAX_REFERENCE_FRAMES, 0),
    qpMap: oneOf('qpMap', o.qpMap, QP_MAP_MODES, 'off'),
    longTermReferences: integer('longTermReferences', o.longTermReferences, 0, MAX_LTR_FRAMES, 0),
  };
  const notAv1 = (option: string, value: unknown) => {
    if (codec === 'av1')
      throw invalid(option, value, "off for codec 'av1' (this control is wired for H.264 and HEVC only)");
  };
  if (o.intraRefresh !== undefined && o.intraRefresh !== false) {
    const ir = o.intraRefresh as unknown;
    if (typeof ir !== 'object' || ir === null) throw invalid('intraRefresh', ir, '{ period, count } or false');
    notAv1('intraRefresh', ir);
    const period = integer('intraRefresh.period', (ir as { period?: unknown }).period, 2, MAX_INTRA_REFRESH_PICTURES);
    const count = integer('intraRefresh.count', (ir as { count?: unknown }).count, 1, period - 1);
    if (bFrames > 0)
      throw invalid('intraRefresh', ir, 'off with bFrames > 0 (NVENC ignores intra refresh when the GOP has B-frames)');
    resolved.intraRefresh = { period, count };
  }
  if (resolved.slices.mode !== 'count' || resolved.slices.value !== 1) notAv1('slices', o.slices);
  const aq = o.spatialAq;
  if (aq === undefined || typeof aq === 'boolean') {
    resolved.spatialAq = aq ?? false;
    resolved.aqStrength = 0;
  } else if (typeof aq === 'object' && aq !== null) {
    resolved.spatialAq = true;
    resolved.aqStrength = integer('spatialAq.strength', aq.strength, 1, MAX_AQ_STRENGTH);
  } else {
    throw invalid('spatialAq', aq, `true, false or { strength: 1–${MAX_AQ_STRENGTH} }`);
  }
  if (o.multipass !== undefined) resolved.multipass = oneOf('multipass', o.multipass, MULTIPASS_MODES, 'disabled');
  if (resolved.weightedPrediction && bFrames > 0) {
    throw invalid(
      'weightedPrediction',
      true,
      'false with bFrames > 0 (NVENC does not support weighted prediction with B-frames)',
    );
  }
  if (resolved.bFrameRefMode !== 'disabled' && bFrames === 0)
    throw invalid('bFrameRefMode', o.bFrameRefMode, "'disabled' with bFrames: 0 (there are no B-frames to reference)");
  if (resolved.qpMap !== 'off' && codec !== 'h264') {
    throw invalid(
      'qpMap',
      o.qpMap,
      "'off' for codec '" +
        codec +
        "' (HEVC maps are per CTB of a size the driver picks; per-macroblock maps are H.264's)",
    );
  }
  if (resolved.longTermReferences > 0) notAv1('longTermReferences', o.longTermReferences);
  if (resolved.weightedPrediction) notAv1('weightedPrediction', true);
  if (o.cudaStream !== undefined) {
    if (typeof o.cudaStream !== 'bigint' || o.cudaStream < 0n || o.cudaStream >= 1n << 64n)
      throw invalid('cudaStream', o.cudaStream, 'a CUstream handle as a bigint');
    resolved.cudaStream = o.cudaStream;
  }
  return resolved;
}

function resolveSlices(value: unknown): { mode: SliceMode; value: number } {
  if (value === undefined) return { mode: 'count', value: 1 };
  if (typeof value === 'number') return { mode: 'count', value: integer('slices', value, 1, MAX_SLICES) };
  const allowed = `1–${MAX_SLICES}, { maxBytes: ${SLICE_BYTES.min}–${SLICE_BYTES.max} }, { macroblocks: n } or { rows: n }`;
  if (typeof value !== 'object' || value === null) throw invalid('slices', value, allowed);
  const keys = Object.keys(value);
  if (keys.length !== 1) throw invalid('slices', value, allowed);
  const v = (value as Record<string, unknown>)[keys[0] as string];
  switch (keys[0]) {
    case 'maxBytes':
      return { mode: 'maxBytes', value: integer('slices.maxBytes', v, SLICE_BYTES.min, SLICE_BYTES.max) };
    case 'macroblocks':
      return { mode: 'macroblocks', value: integer('slices.macroblocks', v, 1, (MAX_DIMENSION / 16) ** 2) };
    case 'rows':
      return { mode: 'rows', value: integer('slices.rows', v, 1, MAX_DIMENSION / 16) };
    default:
      throw invalid('slices', value, allowed);
  }
}

/** Entries of a per-frame `qpMap`: one per 16×16 macroblock. */
export function qpMapLength(width: number, height: number): number {
  return Math.ceil(width / QP_MAP_BLOCK) * Math.ceil(height / QP_MAP_BLOCK);
}

/** The native binding's options for resolved options and the device's libraries. */
export function toNativeOptions(
  resolved: ResolvedEncoderOptions,
  target: { cudaLibrary: string; nvencLibrary: string; gpu: number; cudaContext?: bigint },
): NativeEncoderOptions {
  const native: NativeEncoderOptions = {
    cudaLibrary: target.cudaLibrary,
    nvencLibrary: target.nvencLibrary,
    gpu: target.gpu,
    width: resolved.width,
    height: resolved.height,
    codec: resolved.codec,
    preset: resolved.preset,
    tuning: resolved.tuning,
    profile: resolved.profile,
    rateControl: resolved.rateControl,
    bitrate: resolved.bitrate,
    fpsNum: resolved.fpsNum,
    fpsDen: resolved.fpsDen,
    gop: resolved.gop,
    idrPeriod: resolved.idrPeriod,
    bFrames: resolved.bFrames,
    inputFormat: resolved.inputFormat,
    extraOutputDelay: resolved.extraOutputDelay,
    repeatSpsPps: resolved.repeatSpsPps,
    zeroReorderDelay: resolved.zeroReorderDelay,
    slices: resolved.slices,
    spatialAq: resolved.spatialAq,
    aqStrength: resolved.aqStrength,
    temporalAq: resolved.temporalAq,
    lookahead: resolved.lookahead,
    weightedPrediction: resolved.weightedPrediction,
    bFrameRefMode: resolved.bFrameRefMode,
    maxReferenceFrames: resolved.maxReferenceFrames,
    qpMap: resolved.qpMap,
    longTermReferences: resolved.longTermReferences,
    hostUpload: resolved.hostUpload,
  };
  if (resolved.intraRefresh !== undefined) native.intraRefresh = resolved.intraRefresh;
  if (resolved.multipass !== undefined) native.multipass = resolved.multipass;
  if (resolved.cudaStream !== undefined) native.cudaStream = resolved.cudaStream;
  if (target.cudaContext !== undefined) native.cudaContext = target.cudaContext;
  if (resolved.maxBitrate !== undefined) native.maxBitrate = resolved.maxBitrate;
  if (resolved.vbvBufferSize !== undefined) native.vbvBufferSize = resolved.vbvBufferSize;
  if (resolved.qp !== undefined) native.qp = resolved.qp;
  if (resolved.colour !== undefined) {
    // A colour description names all four values; the ones not given are H.273's "unspecified".
    native.colour = {
      primaries: resolved.colour.primaries ?? COLOUR_PRIMARIES.unspecified,
      transfer: resolved.colour.transfer ?? TRANSFER_CHARACTERISTICS.unspecified,
      matrix: resolved.colour.matrix ?? MATRIX_COEFFICIENTS.unspecified,
      fullRange: resolved.colour.fullRange ?? false,
    };
  }
  return native;
}

/** Validates reconfigure() options against the current resolved options. */
export function resolveReconfigure(
  current: ResolvedEncoderOptions,
  options: ReconfigureOptions,
): NativeReconfigureOptions {
  if (typeof options !== 'object' || options === null)
    throw invalid('reconfigure options', options, '{ bitrate?, maxBitrate?, fps?, width?, height?, forceKeyframe? }');
  const known = new Set(['bitrate', 'maxBitrate', 'fps', 'width', 'height', 'forceKeyframe']);
  for (const key of Object.keys(options)) {
    if (!known.has(key))
      throw new InvalidOptionError(`Unknown reconfigure option ${key}; known: ${[...known].join(', ')}`, {
        option: key,
      });
  }
  const out: NativeReconfigureOptions = {};
  if (options.bitrate !== undefined) out.bitrate = bitrateOption('bitrate', options.bitrate);
  if (options.maxBitrate !== undefined) out.maxBitrate = bitrateOption('maxBitrate', options.maxBitrate);
  if (options.fps !== undefined) {
    const r = fpsToRational('fps', options.fps);
    out.fpsNum = r.num;
    out.fpsDen = r.den;
  }
  if (options.width !== undefined) out.width = integer('width', options.width, 1, MAX_DIMENSION);
  if (options.height !== undefined) out.height = integer('height', options.height, 1, MAX_DIMENSION);
  const w = out.width ?? current.width;
  const h = out.height ?? current.height;
  if (w % 2 !== 0 || h % 2 !== 0) {
    throw invalid(
      w % 2 !== 0 ? 'width' : 'height',
      w % 2 !== 0 ? w : h,
      `an even number (${evenSizeReason(current.inputFormat)})`,
    );
  }
  if (options.forceKeyframe !== undefined) out.forceKeyframe = boolean('forceKeyframe', options.forceKeyframe, false);
  return out;
}

/** Validates per-frame options (against the encoder's options where a control needs one). */
export function resolveEncodeOptions(
  options: EncodeOptions | undefined,
  current?: ResolvedEncoderOptions,
): NativeEncodeOptions | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null)
    throw invalid('encode options', options, '{ forceKeyframe?, seq?, timestamp?, sei?, qp? }');
  const out: NativeEncodeOptions = {};
  if (options.forceKeyframe !== undefined) out.forceKeyframe = boolean('forceKeyframe', options.forceKeyframe, false);
  if (options.seq !== undefined) out.seq = integer('seq', options.seq, 0, Number.MAX_SAFE_INTEGER);
  if (options.timestamp !== undefined) {
    if (typeof options.timestamp !== 'number' || !Number.isFinite(options.timestamp))
      throw invalid('timestamp', options.timestamp, 'a finite number');
    out.timestamp = options.timestamp;
  }
  if (options.sei !== undefined) {
    if (!Array.isArray(options.sei)) throw invalid('sei', options.sei, 'an array of { type, payload: Uint8Array }');
    out.sei = options.sei.map((m, i) => {
      if (typeof m !== 'object' || m === null || !(m.payload instanceof Uint8Array)) {
        throw invalid(`sei[${i}]`, m, '{ type: number, payload: Uint8Array }');
      }
      return { type: integer(`sei[${i}].type`, m.type, 0, 255), payload: m.payload };
    });
  }
  if (options.startIntraRefresh !== undefined) {
    out.startIntraRefresh = integer('startIntraRefresh', options.startIntraRefresh, 1, MAX_INTRA_REFRESH_PICTURES);
    if (current && current.bFrames > 0)
      throw invalid(
        'startIntraRefresh',
        options.startIntraRefresh,
        'unset with bFrames > 0 (NVENC cannot refresh with B-frames)',
      );
  }
  if (options.ltr !== undefined) {
    const slots = current?.longTermReferences ?? MAX_LTR_FRAMES;
    if (slots === 0) throw invalid('ltr', options.ltr, 'unset: the encoder was opened with longTermReferences: 0');
    const ltr = options.ltr as unknown;
    if (typeof ltr !== 'object' || ltr === null) throw invalid('ltr', ltr, '{ mark?: slot, use?: slot[] }');
    const { mark, use } = ltr as { mark?: unknown; use?: unknown };
    const resolvedLtr: { mark?: number; use?: number } = {};
    if (mark !== undefined) resolvedLtr.mark = integer('ltr.mark', mark, 0, slots - 1);
    if (use !== undefined) {
      if (!Array.isArray(use)) throw invalid('ltr.use', use, 'an array of LTR slots');
      // NVENC takes the slots as a bitmap (ltrUseFrameBitmap).
      resolvedLtr.use = use.reduce(
        (bits: number, slot: unknown, i) => bits | (1 << integer(`ltr.use[${i}]`, slot, 0, slots - 1)),
        0,
      );
    }
    out.ltr = resolvedLtr;
  }
  if (options.qpMap !== undefined) {
    const map = options.qpMap as unknown;
    if (!(map instanceof Int8Array)) throw invalid('qpMap', map, 'an Int8Array with one value per 16×16 macroblock');
    if (current) {
      if (current.qpMap === 'off')
        throw invalid(
          'qpMap',
          'Int8Array',
          "unset: the encoder was opened with qpMap: 'off' (open it with 'delta' or 'emphasis')",
        );
      const want = qpMapLength(current.width, current.height);
      if (map.length !== want) {
        throw invalid(
          'qpMap',
          `Int8Array(${map.length})`,
          `${want} values (ceil(${current.width}/16) × ceil(${current.height}/16) macroblocks)`,
        );
      }
      const [lo, hi] = current.qpMap === 'delta' ? [-QP_DELTA_LIMIT, QP_DELTA_LIMIT] : [0, MAX_EMPHASIS_LEVEL];
      const bad = map.findIndex((v) => v < lo || v > hi);
      if (bad >= 0) throw invalid(`qpMap[${bad}]`, map[bad], `${lo}..${hi} for qpMap '${current.qpMap}'`);
    }
    out.qpMap = map;
  }
  if (options.qp !== undefined) {
    // Only constant-QP sessions have a QP to change; NVENC applies it with nvEncReconfigureEncoder.
    if (current && current.rateControl !== 'cqp')
      throw invalid(
        'qp',
        options.qp,
        `unset: the encoder was opened with rateControl '${current.rateControl}', not 'cqp'`,
      );
    out.qp = integer('qp', options.qp, 0, current?.codec === 'av1' ? 255 : 51);
  }
  return out;
}
