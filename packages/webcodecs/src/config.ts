/**
 * VideoEncoderConfig: WebIDL conversion + "check if a VideoEncoderConfig is valid" (TypeError), the
 * clone that isConfigSupported() returns, and the codec string → NVENC request mapping (what
 * decides `supported`). A valid config the encoder cannot do is never a TypeError: the spec makes
 * it `supported: false` / NotSupportedError.
 */
import type { Codec, Profile } from '@nvenc-ts/nvenc';
import type { HardwareAcceleration, VideoEncoderConfig } from './types.js';

const HARDWARE_ACCELERATION = ['no-preference', 'prefer-hardware', 'prefer-software'] as const;
const ALPHA = ['keep', 'discard'] as const;
const BITRATE_MODES = ['constant', 'variable', 'quantizer'] as const;
const LATENCY_MODES = ['quality', 'realtime'] as const;
const AVC_FORMATS = ['annexb', 'avc'] as const;
const HEVC_FORMATS = ['annexb', 'hevc'] as const;

const UNSIGNED_LONG_MAX = 0xffff_ffff;

/** WebIDL `[EnforceRange] unsigned long` / `unsigned long long`: TypeError instead of wrapping. */
export function enforceRange(value: unknown, name: string, max = UNSIGNED_LONG_MAX): number {
  const n = typeof value === 'bigint' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`${name} must be a finite number, got ${String(value)}`);
  const t = Math.trunc(n);
  if (t < 0 || t > max) throw new TypeError(`${name} ${t} is outside 0..${max}`);
  return t;
}

/** WebIDL `[EnforceRange] long long` (timestamps): TypeError for non-finite values or beyond ±(2⁵³ − 1). */
export function enforceLongLong(value: unknown, name: string): number {
  const n = typeof value === 'bigint' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`${name} must be a finite number, got ${String(value)}`);
  const t = Math.trunc(n);
  if (!Number.isSafeInteger(t)) throw new TypeError(`${name} ${t} is outside ±(2^53 - 1)`);
  return t === 0 ? 0 : t;
}

/**
 * The `transfer` member of VideoFrameBufferInit and EncodedVideoChunkInit, checked as the spec's
 * constructors do before anything else happens: the same ArrayBuffer twice, or one already
 * detached, is a DataCloneError. Returns the buffers; detachAll() detaches them afterwards.
 */
export function transferList(transfer: unknown): ArrayBuffer[] {
  if (transfer === undefined) return [];
  if (!Array.isArray(transfer)) throw new TypeError('transfer must be a sequence of ArrayBuffers');
  const list = transfer as unknown[];
  list.forEach((b, i) => {
    if (!(b instanceof ArrayBuffer)) throw new TypeError(`transfer[${i}] is not an ArrayBuffer`);
    if (list.indexOf(b) !== i) throw new DOMException(`transfer[${i}] appears twice`, 'DataCloneError');
    if (isDetached(b)) throw new DOMException(`transfer[${i}] is detached`, 'DataCloneError');
  });
  return list as ArrayBuffer[];
}

/** Whether an ArrayBuffer was detached (Node 20 has no ArrayBuffer.prototype.detached). */
function isDetached(buffer: ArrayBuffer): boolean {
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * Takes over the ArrayBuffer behind `view` without copying (the caller's buffer is detached) and
 * returns a view of the same bytes in it. Offset and length are read first: a view of a detached
 * buffer reads as empty.
 */
export function takeOver(view: Uint8Array): Uint8Array {
  const { byteOffset, byteLength } = view;
  const moved = structuredClone(view.buffer as ArrayBuffer, { transfer: [view.buffer as ArrayBuffer] });
  return new Uint8Array(moved, byteOffset, byteLength);
}

/** The spec's last constructor step: "For each transferable in init.transfer: DetachArrayBuffer". */
export function detachAll(buffers: readonly ArrayBuffer[]): void {
  for (const b of buffers) if (!isDetached(b)) structuredClone(b, { transfer: [b] });
}

/** WebIDL DOMString conversion: ToString, where a Symbol is a TypeError as in browsers. */
function domString(value: unknown): string {
  if (typeof value === 'symbol') throw new TypeError('a Symbol cannot be converted to a string');
  return `${value as string}`;
}

function enumValue<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback?: T): T | undefined {
  if (value === undefined) return fallback;
  const s = domString(value);
  if (!(allowed as readonly string[]).includes(s)) {
    throw new TypeError(`${name} '${s}' is not one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return s as T;
}

function dictionary(value: unknown, name: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' && typeof value !== 'function') throw new TypeError(`${name} must be an object`);
  return value as Record<string, unknown>;
}

/**
 * WebIDL dictionary conversion plus the spec's validity check. Returns a clone holding only the
 * members the spec defines (what isConfigSupported() reports back). Throws TypeError.
 */
export function validateEncoderConfig(config: unknown): VideoEncoderConfig {
  const c = dictionary(config, 'config');
  if (c === undefined) throw new TypeError('VideoEncoderConfig is required');
  if (c['codec'] === undefined) throw new TypeError('VideoEncoderConfig.codec is required');
  if (c['width'] === undefined) throw new TypeError('VideoEncoderConfig.width is required');
  if (c['height'] === undefined) throw new TypeError('VideoEncoderConfig.height is required');
  const out: VideoEncoderConfig = {
    codec: domString(c['codec']),
    width: enforceRange(c['width'], 'width'),
    height: enforceRange(c['height'], 'height'),
  };
  if (c['displayWidth'] !== undefined) out.displayWidth = enforceRange(c['displayWidth'], 'displayWidth');
  if (c['displayHeight'] !== undefined) out.displayHeight = enforceRange(c['displayHeight'], 'displayHeight');
  if (c['bitrate'] !== undefined) out.bitrate = enforceRange(c['bitrate'], 'bitrate', Number.MAX_SAFE_INTEGER);
  if (c['framerate'] !== undefined) {
    const f = Number(c['framerate']);
    if (!Number.isFinite(f)) throw new TypeError(`framerate must be a finite number, got ${domString(c['framerate'])}`);
    out.framerate = f;
  }
  out.hardwareAcceleration = enumValue(
    c['hardwareAcceleration'],
    'hardwareAcceleration',
    HARDWARE_ACCELERATION,
    'no-preference',
  );
  out.alpha = enumValue(c['alpha'], 'alpha', ALPHA, 'discard');
  if (c['scalabilityMode'] !== undefined) out.scalabilityMode = domString(c['scalabilityMode']);
  out.bitrateMode = enumValue(c['bitrateMode'], 'bitrateMode', BITRATE_MODES, 'variable');
  out.latencyMode = enumValue(c['latencyMode'], 'latencyMode', LATENCY_MODES, 'quality');
  if (c['contentHint'] !== undefined) out.contentHint = domString(c['contentHint']);
  const avc = dictionary(c['avc'], 'avc');
  if (avc !== undefined) out.avc = { format: enumValue(avc['format'], 'avc.format', AVC_FORMATS, 'avc') ?? 'avc' };
  const hevc = dictionary(c['hevc'], 'hevc');
  if (hevc !== undefined)
    out.hevc = { format: enumValue(hevc['format'], 'hevc.format', HEVC_FORMATS, 'hevc') ?? 'hevc' };

  // "Check if a VideoEncoderConfig is a valid VideoEncoderConfig".
  if (out.codec.trim() === '') throw new TypeError('codec is empty');
  if (out.width === 0 || out.height === 0)
    throw new TypeError(`width and height must be non-zero (got ${out.width}x${out.height})`);
  if ((out.displayWidth === undefined) !== (out.displayHeight === undefined)) {
    throw new TypeError('displayWidth and displayHeight must be given together');
  }
  if (out.displayWidth === 0 || out.displayHeight === 0)
    throw new TypeError('displayWidth and displayHeight must be non-zero');
  if (out.bitrate === 0) throw new TypeError('bitrate must be non-zero when present');
  return out;
}

/** What a codec string asks NVENC for. */
export interface CodecRequest {
  codec: Codec;
  profile: Profile;
  /** The codec string's prefix, kept for decoderConfig.codec (avc1/avc3, hvc1/hev1, av01). */
  prefix: 'avc1' | 'avc3' | 'hvc1' | 'hev1' | 'av01';
  /** Largest picture in luma samples the requested level allows. */
  maxLumaSamples: number;
  levelName: string;
}

/** H.264 Table A-1: MaxFS in macroblocks per level_idc. */
const AVC_MAX_FS: Readonly<Record<number, number>> = {
  9: 99,
  10: 99,
  11: 396,
  12: 396,
  13: 396,
  20: 396,
  21: 792,
  22: 1620,
  30: 1620,
  31: 3600,
  32: 5120,
  40: 8192,
  41: 8192,
  42: 8704,
  50: 22080,
  51: 36864,
  52: 36864,
  60: 139264,
  61: 139264,
  62: 139264,
};
/** H.265 Table A.8: MaxLumaPs per general_level_idc (level × 30). */
const HEVC_MAX_LUMA_PS: Readonly<Record<number, number>> = {
  30: 36864,
  60: 122880,
  63: 245760,
  90: 552960,
  93: 983040,
  120: 2228224,
  123: 2228224,
  150: 8912896,
  153: 8912896,
  156: 8912896,
  180: 35651584,
  183: 35651584,
  186: 35651584,
};
/** AV1 Annex A: MaxPicSize per seq_level_idx (levels 2.0–6.3; 7.x is undefined in the spec). */
const AV1_MAX_PIC_SIZE: Readonly<Record<number, number>> = {
  0: 147456,
  1: 278784,
  4: 665856,
  5: 1065024,
  8: 2359296,
  9: 2359296,
  12: 8912896,
  13: 8912896,
  14: 8912896,
  15: 8912896,
  16: 35651584,
  17: 35651584,
  18: 35651584,
  19: 35651584,
};

/** H.264 profile_idc values NVENC encodes from 8-bit 4:2:0 input. */
const AVC_PROFILES: Readonly<Record<number, Profile>> = { 0x42: 'baseline', 0x4d: 'main', 0x64: 'high' };

/**
 * Parses a codec string into what NVENC should encode; returns the reason when this encoder
 * cannot (an unknown codec, VP8/VP9, a 10-bit or 4:4:4 profile, a malformed string).
 */
export function parseCodecString(codec: string): CodecRequest | string {
  let m = /^(avc[13])\.([0-9A-Fa-f]{2})([0-9A-Fa-f]{2})([0-9A-Fa-f]{2})$/.exec(codec);
  if (m) {
    const profileIdc = parseInt(m[2]!, 16);
    const levelIdc = parseInt(m[4]!, 16);
    const profile = AVC_PROFILES[profileIdc];
    if (!profile)
      return `H.264 profile_idc 0x${m[2]} is not one NVENC encodes from 8-bit 4:2:0 input (42 Baseline, 4D Main, 64 High)`;
    const maxFs = AVC_MAX_FS[levelIdc];
    if (maxFs === undefined) return `H.264 level_idc 0x${m[4]} is not a level`;
    return {
      codec: 'h264',
      profile,
      prefix: m[1] as 'avc1' | 'avc3',
      maxLumaSamples: maxFs * 256,
      levelName: `${levelIdc / 10}`,
    };
  }
  m = /^(hvc1|hev1)\.([ABC]?)(\d{1,2})\.([0-9A-Fa-f]{1,8})\.([LH])(\d{1,3})((?:\.[0-9A-Fa-f]{1,2}){0,6})$/.exec(codec);
  if (m) {
    const profileIdc = Number(m[3]);
    const levelIdc = Number(m[6]);
    if (m[2] !== '') return `HEVC general_profile_space ${m[2]} is not encodable`;
    if (profileIdc !== 1)
      return `HEVC profile ${profileIdc} is not encodable here (1 = Main; Main 10 needs 10-bit frames)`;
    const maxPs = HEVC_MAX_LUMA_PS[levelIdc];
    if (maxPs === undefined) return `HEVC level ${levelIdc} is not a level`;
    return {
      codec: 'hevc',
      profile: 'main',
      prefix: m[1] as 'hvc1' | 'hev1',
      maxLumaSamples: maxPs,
      levelName: `${levelIdc / 30}`,
    };
  }
  m = /^av01\.(\d)\.(\d{2})([MH])\.(\d{2})(?:\.\d(?:\.\d{3}(?:\.\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d)?)?)?)?)?)?$/.exec(
    codec,
  );
  if (m) {
    const profile = Number(m[1]);
    const levelIdx = Number(m[2]);
    const bitDepth = Number(m[4]);
    if (profile !== 0) return `AV1 seq_profile ${profile} is not encodable (NVENC encodes Main, profile 0)`;
    if (bitDepth !== 8) return `AV1 bit depth ${bitDepth} needs 10-bit frames; this encoder takes 8-bit VideoFrames`;
    const maxPic = AV1_MAX_PIC_SIZE[levelIdx];
    if (maxPic === undefined) return `AV1 seq_level_idx ${levelIdx} is not a defined level`;
    return {
      codec: 'av1',
      profile: 'main',
      prefix: 'av01',
      maxLumaSamples: maxPic,
      levelName: `${2 + (levelIdx >> 2)}.${levelIdx & 3}`,
    };
  }
  return `codec '${codec}' is not one this encoder supports (avc1/avc3, hvc1/hev1, av01)`;
}

/**
 * The support decision that needs no device: the codec string, the level's picture size and the
 * options NVENC cannot honour. Returns the reason when unsupported.
 */
export function staticSupport(config: VideoEncoderConfig): { request: CodecRequest } | { reason: string } {
  const request = parseCodecString(config.codec);
  if (typeof request === 'string') return { reason: request };
  const area = config.width * config.height;
  if (area > request.maxLumaSamples) {
    return {
      reason: `${config.width}x${config.height} exceeds level ${request.levelName} (at most ${request.maxLumaSamples} luma samples)`,
    };
  }
  if (config.scalabilityMode !== undefined && config.scalabilityMode !== 'L1T1') {
    return { reason: `scalabilityMode '${config.scalabilityMode}' is not supported (only 'L1T1')` };
  }
  if (config.alpha === 'keep') return { reason: "alpha 'keep': NVENC encodes no alpha channel" };
  if (config.avc !== undefined && request.codec !== 'h264')
    return { reason: 'avc options given for a non-H.264 codec' };
  if (config.hevc !== undefined && request.codec !== 'hevc')
    return { reason: 'hevc options given for a non-HEVC codec' };
  if (config.width > 16384 || config.height > 16384) return { reason: 'width or height above 16384' };
  if (config.framerate !== undefined && (config.framerate <= 0 || config.framerate > 1000)) {
    return { reason: `framerate ${config.framerate} is outside (0, 1000]` };
  }
  if (config.bitrate !== undefined && (config.bitrate < 1000 || config.bitrate > 2_000_000_000)) {
    return { reason: `bitrate ${config.bitrate} is outside 1000..2e9 bits/s` };
  }
  return { request };
}

export function hardwareAcceleration(config: VideoEncoderConfig): HardwareAcceleration {
  return config.hardwareAcceleration ?? 'no-preference';
}
