/**
 * Typed errors. Every error this package throws is an `NvencError` with a stable `code`:
 * a native NVENC status name (`NV_ENC_ERR_*`), a CUDA error name (`CUDA_ERROR_*`) or one of the
 * package's own codes below. Subclasses let callers branch with `instanceof`.
 */

/** Phases of the encoder's life, as reported by the native layer (every phase it can name). */
export const NVENC_PHASES = [
  'load',
  'device',
  'cuda',
  'open',
  'caps',
  'configure',
  'initialize',
  'allocate',
  'input',
  'encode',
  'output',
  'flush',
  'reconfigure',
  'close',
] as const;

/** Where in the encoder's life a failure happened. */
export type NvencPhase = (typeof NVENC_PHASES)[number];

/** The package's own codes (see `errorDocs` and docs/errors.md). */
export type NvencPackageErrorCode =
  | 'DRIVER_NOT_FOUND'
  | 'NVENC_LIBRARY_NOT_FOUND'
  | 'SOFTWARE_DEVICE_NOT_BUILT'
  | 'SOFTWARE_DEVICE_HOLDS_DRIVER_NAME'
  | 'ABI_UNSUPPORTED'
  | 'SESSION_LIMIT'
  | 'INVALID_FRAME'
  | 'INVALID_OPTION'
  | 'CAPABILITY_UNSUPPORTED'
  | 'ENCODER_CLOSED'
  | 'BINARY_NOT_FOUND'
  | 'UNSUPPORTED_PLATFORM'
  | 'NO_PARAMETER_SETS'
  | 'MALFORMED_BITSTREAM'
  | 'NATIVE_ERROR';

/** Every `NVENCSTATUS` failure name of the NVENC API (nvEncodeAPI.h, 11.1–13.0). */
export const NVENC_STATUS_CODES = [
  'NV_ENC_ERR_NO_ENCODE_DEVICE',
  'NV_ENC_ERR_UNSUPPORTED_DEVICE',
  'NV_ENC_ERR_INVALID_ENCODERDEVICE',
  'NV_ENC_ERR_INVALID_DEVICE',
  'NV_ENC_ERR_DEVICE_NOT_EXIST',
  'NV_ENC_ERR_INVALID_PTR',
  'NV_ENC_ERR_INVALID_EVENT',
  'NV_ENC_ERR_INVALID_PARAM',
  'NV_ENC_ERR_INVALID_CALL',
  'NV_ENC_ERR_OUT_OF_MEMORY',
  'NV_ENC_ERR_ENCODER_NOT_INITIALIZED',
  'NV_ENC_ERR_UNSUPPORTED_PARAM',
  'NV_ENC_ERR_LOCK_BUSY',
  'NV_ENC_ERR_NOT_ENOUGH_BUFFER',
  'NV_ENC_ERR_INVALID_VERSION',
  'NV_ENC_ERR_MAP_FAILED',
  'NV_ENC_ERR_NEED_MORE_INPUT',
  'NV_ENC_ERR_ENCODER_BUSY',
  'NV_ENC_ERR_EVENT_NOT_REGISTERD',
  'NV_ENC_ERR_GENERIC',
  'NV_ENC_ERR_INCOMPATIBLE_CLIENT_KEY',
  'NV_ENC_ERR_UNIMPLEMENTED',
  'NV_ENC_ERR_RESOURCE_REGISTER_FAILED',
  'NV_ENC_ERR_RESOURCE_NOT_REGISTERED',
  'NV_ENC_ERR_RESOURCE_NOT_MAPPED',
  'NV_ENC_ERR_NEED_MORE_OUTPUT',
] as const;

/** An NVENC status name, or `NV_ENC_STATUS_<n>` for a status newer than the binding knows. */
export type NvencStatusCode = (typeof NVENC_STATUS_CODES)[number] | `NV_ENC_STATUS_${number}`;

/**
 * Every `code` an `NvencError` can carry: the package's codes, the NVENC status names and the
 * CUDA driver's result names. CUDA names stay a pattern because the driver, not this package,
 * names them (`cuGetErrorName`: about a hundred, and each CUDA release adds some).
 */
export type NvencErrorCode = NvencPackageErrorCode | NvencStatusCode | `CUDA_ERROR_${string}`;

/** Constructor options of `NvencError` and its subclasses. */
export interface NvencErrorOptions {
  code: NvencErrorCode;
  status?: number | undefined;
  phase?: NvencPhase | undefined;
  cause?: unknown;
}

/** Base class of every error this package throws; `code` says which failure it is. */
export class NvencError extends Error {
  /** Stable machine-readable code (see `errorDocs` and docs/errors.md). */
  readonly code: NvencErrorCode;
  /** Numeric NVENC status (`NVENCSTATUS`) or CUDA result (`CUresult`), where one exists. */
  readonly status?: number;
  /** Phase of the encoder's life in which the failure happened. */
  readonly phase?: NvencPhase;

  constructor(message: string, options: NvencErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    if (options.status !== undefined) this.status = options.status;
    if (options.phase !== undefined) this.phase = options.phase;
  }
}

type SubclassOptions = Partial<NvencErrorOptions>;

function withCode(options: SubclassOptions | undefined, code: NvencErrorCode): NvencErrorOptions {
  return { ...options, code: options?.code ?? code };
}

/** The CUDA driver (`libcuda.so.1`) or the NVENC library (`libnvidia-encode.so.1`) could not be loaded or used. */
export class DriverNotFoundError extends NvencError {
  constructor(message: string, options?: SubclassOptions) {
    super(message, withCode(options, 'DRIVER_NOT_FOUND'));
  }
}

/** The GPU has no NVENC engine (e.g. H100, A100) or no CUDA device is present. */
export class NoEncodeDeviceError extends NvencError {
  constructor(message: string, options?: SubclassOptions) {
    super(message, withCode(options, 'NV_ENC_ERR_NO_ENCODE_DEVICE'));
  }
}

/** The driver's NVENC API is older than every ABI this package ships, or a forced ABI is not built. */
export class AbiUnsupportedError extends NvencError {
  constructor(message: string, options?: SubclassOptions) {
    super(message, withCode(options, 'ABI_UNSUPPORTED'));
  }
}

/** The driver refused another concurrent encode session (consumer GPUs allow only a few). */
export class SessionLimitError extends NvencError {
  constructor(message: string, options?: SubclassOptions) {
    super(message, withCode(options, 'SESSION_LIMIT'));
  }
}

/** A frame does not match the encoder's size, pitch or input format. */
export class InvalidFrameError extends NvencError {
  constructor(message: string, options?: SubclassOptions) {
    super(message, withCode(options, 'INVALID_FRAME'));
  }
}

/** An encoder option is invalid or unsupported by the device. */
export class InvalidOptionError extends NvencError {
  /** The option's name (dotted path for nested options, e.g. `colour.primaries`). */
  readonly option?: string;
  constructor(message: string, options?: SubclassOptions & { option?: string }) {
    super(message, withCode(options, 'INVALID_OPTION'));
    if (options?.option !== undefined) this.option = options.option;
  }
}

/**
 * The device's capabilities (`nvEncGetEncodeCaps`, asked before the session is initialised) say
 * it cannot do what an option asks, e.g. intra refresh on a GPU without it. An
 * `InvalidOptionError`, so existing handlers still catch it.
 */
export class CapabilityError extends InvalidOptionError {
  /** The capability, named as in `getCapabilities()` (e.g. `supportIntraRefresh`). */
  readonly capability: string;
  constructor(message: string, capability: string, options?: SubclassOptions & { option?: string }) {
    super(message, withCode(options, 'CAPABILITY_UNSUPPORTED'));
    this.capability = capability;
  }
}

/** The encoder was used after `close()`. */
export class EncoderClosedError extends NvencError {
  constructor(message = 'The encoder is closed; create a new NvencEncoder', options?: SubclassOptions) {
    super(message, withCode(options, 'ENCODER_CLOSED'));
  }
}

/** No native binary (`nvenc_<abi>.node`) could be loaded. */
export class BinaryNotFoundError extends NvencError {
  /** Every path that was tried, with the reason it failed. */
  readonly attempts: readonly { path: string; error: string }[];
  constructor(message: string, attempts: readonly { path: string; error: string }[] = [], options?: SubclassOptions) {
    super(message, withCode(options, 'BINARY_NOT_FOUND'));
    this.attempts = attempts;
  }
}

/** This platform has no native binary (only linux-x64 with glibc is supported). */
export class UnsupportedPlatformError extends NvencError {
  constructor(message: string, options?: SubclassOptions) {
    super(message, withCode(options, 'UNSUPPORTED_PLATFORM'));
  }
}

/** codecString() found no parameter set (NO_PARAMETER_SETS) or could not parse one (MALFORMED_BITSTREAM). */
export class BitstreamParseError extends NvencError {
  constructor(message: string, options?: SubclassOptions) {
    super(message, withCode(options, 'NO_PARAMETER_SETS'));
  }
}

/** Shape of the errors the native binding throws (see nvenc-native/BINDING.md). */
export interface NativeErrorLike {
  message: string;
  code?: unknown;
  status?: unknown;
  phase?: unknown;
  /** INVALID_OPTION from the binding: the field it names (e.g. 'qp.b'). */
  option?: unknown;
  /** CAPABILITY_UNSUPPORTED from the binding: the capability's getCapabilities() name. */
  capability?: unknown;
}

const PACKAGE_CODES: ReadonlySet<string> = new Set<NvencPackageErrorCode>([
  'DRIVER_NOT_FOUND',
  'NVENC_LIBRARY_NOT_FOUND',
  'SOFTWARE_DEVICE_NOT_BUILT',
  'SOFTWARE_DEVICE_HOLDS_DRIVER_NAME',
  'ABI_UNSUPPORTED',
  'SESSION_LIMIT',
  'INVALID_FRAME',
  'INVALID_OPTION',
  'CAPABILITY_UNSUPPORTED',
  'ENCODER_CLOSED',
  'BINARY_NOT_FOUND',
  'UNSUPPORTED_PLATFORM',
  'NO_PARAMETER_SETS',
  'MALFORMED_BITSTREAM',
  'NATIVE_ERROR',
]);

/** Whether a string is one of the codes `NvencErrorCode` describes. */
export function isErrorCode(code: string): code is NvencErrorCode {
  return (
    PACKAGE_CODES.has(code) ||
    (NVENC_STATUS_CODES as readonly string[]).includes(code) ||
    /^NV_ENC_STATUS_\d+$/.test(code) ||
    /^CUDA_ERROR_[A-Z0-9_]+$/.test(code)
  );
}

function isPhase(value: unknown): value is NvencPhase {
  return typeof value === 'string' && (NVENC_PHASES as readonly string[]).includes(value);
}

function isNativeErrorLike(value: unknown): value is NativeErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

/** What `fromNative()` adds to a native error's message. */
export interface FromNativeContext {
  /** GPU name, used to make NV_ENC_ERR_NO_ENCODE_DEVICE say which GPU has no engine. */
  gpuName?: string | undefined;
}

/**
 * Maps an error thrown by the native binding to the matching typed class, keeping its message,
 * code, status and phase. Errors that already are `NvencError`s are returned unchanged; anything
 * without a `code` becomes a plain `NvencError` with code `NATIVE_ERROR`.
 */
export function fromNative(err: unknown, context: FromNativeContext = {}): NvencError {
  if (err instanceof NvencError) return err;
  if (!isNativeErrorLike(err)) {
    return new NvencError(String(err), { code: 'NATIVE_ERROR', cause: err });
  }
  // The binding's codes are the union's members by construction (its own codes, nvencStatusName,
  // cuGetErrorName); anything else it might send is kept as a native error rather than mislabelled.
  const code: NvencErrorCode = typeof err.code === 'string' && isErrorCode(err.code) ? err.code : 'NATIVE_ERROR';
  const status = typeof err.status === 'number' ? err.status : undefined;
  const phase = isPhase(err.phase) ? err.phase : undefined;
  const base: NvencErrorOptions = { code, status, phase, cause: err };
  const message = err.message;

  switch (code) {
    case 'DRIVER_NOT_FOUND':
    case 'NVENC_LIBRARY_NOT_FOUND':
    case 'SOFTWARE_DEVICE_HOLDS_DRIVER_NAME':
    case 'CUDA_ERROR_NOT_INITIALIZED':
    case 'CUDA_ERROR_INSUFFICIENT_DRIVER':
    case 'CUDA_ERROR_SYSTEM_DRIVER_MISMATCH':
      return new DriverNotFoundError(message, base);
    case 'NV_ENC_ERR_NO_ENCODE_DEVICE':
    case 'NV_ENC_ERR_UNSUPPORTED_DEVICE':
    case 'CUDA_ERROR_NO_DEVICE': {
      // At session open both NVENC codes mean "this GPU has no NVENC engine": the H100's driver
      // answers NV_ENC_ERR_UNSUPPORTED_DEVICE (2). Say so, naming the GPU.
      const noEngine =
        code === 'NV_ENC_ERR_NO_ENCODE_DEVICE' ||
        (code === 'NV_ENC_ERR_UNSUPPORTED_DEVICE' && (phase === 'open' || phase === undefined));
      const gpu = context.gpuName ?? 'This GPU';
      const text = noEngine && !/no NVENC engine/i.test(message) ? `${gpu} has no NVENC engine (${message})` : message;
      return new NoEncodeDeviceError(text, base);
    }
    case 'ABI_UNSUPPORTED':
    case 'NV_ENC_ERR_INVALID_VERSION':
      return new AbiUnsupportedError(message, base);
    case 'SESSION_LIMIT':
      return new SessionLimitError(message, base);
    case 'NV_ENC_ERR_OUT_OF_MEMORY':
    case 'NV_ENC_ERR_INCOMPATIBLE_CLIENT_KEY':
      // The driver reports the concurrent-session limit as one of these at session open.
      return phase === 'open' ? new SessionLimitError(message, base) : new NvencError(message, base);
    case 'INVALID_FRAME':
      return new InvalidFrameError(message, base);
    case 'CAPABILITY_UNSUPPORTED':
      return new CapabilityError(
        message,
        typeof err.capability === 'string' ? err.capability : 'unknown',
        typeof err.option === 'string' ? { ...base, option: err.option } : base,
      );
    case 'INVALID_OPTION':
    case 'NV_ENC_ERR_UNSUPPORTED_PARAM':
      return new InvalidOptionError(message, typeof err.option === 'string' ? { ...base, option: err.option } : base);
    case 'NV_ENC_ERR_INVALID_PARAM':
      return phase === 'configure' || phase === 'initialize' || phase === 'reconfigure' || phase === 'caps'
        ? new InvalidOptionError(message, base)
        : phase === 'input'
          ? new InvalidFrameError(message, base)
          : new NvencError(message, base);
    case 'ENCODER_CLOSED':
      return new EncoderClosedError(message, base);
    default:
      return new NvencError(message, base);
  }
}

/** One entry of the error reference (docs/errors.md is generated from these). */
export interface ErrorDoc {
  /** The class thrown for this code. */
  className: string;
  /** What happened. */
  meaning: string;
  /** What to do about it. */
  fix: string;
}

/** Reference text per error code, for docs/errors.md and for tooling that explains errors. */
export const errorDocs: Readonly<Record<string, ErrorDoc>> = Object.freeze({
  DRIVER_NOT_FOUND: {
    className: 'DriverNotFoundError',
    meaning: 'The CUDA driver library (libcuda.so.1) could not be loaded or initialised.',
    fix: "Install the NVIDIA driver (R470 or newer) and check that libcuda.so.1 is on the loader path (ldconfig -p | grep libcuda). In containers, run with the NVIDIA container toolkit (--gpus all, NVIDIA_DRIVER_CAPABILITIES=video,compute). For tests without a GPU use device: 'software'.",
  },
  NVENC_LIBRARY_NOT_FOUND: {
    className: 'DriverNotFoundError',
    meaning: 'The NVENC library (libnvidia-encode.so.1) could not be loaded.',
    fix: 'Install the NVIDIA driver\'s encode library (Debian/Ubuntu: libnvidia-encode-<version>). In containers, NVIDIA_DRIVER_CAPABILITIES must include "video".',
  },
  NV_ENC_ERR_NO_ENCODE_DEVICE: {
    className: 'NoEncodeDeviceError',
    meaning: 'The selected GPU has no NVENC engine (data-centre GPUs such as H100 and A100 have none).',
    fix: "Pick a GPU with NVENC (device: { gpu: n }), or use device: 'software' for testing.",
  },
  NV_ENC_ERR_UNSUPPORTED_DEVICE: {
    className: 'NoEncodeDeviceError',
    meaning: 'The driver does not support NVENC on this device.',
    fix: 'Pick another GPU or update the driver.',
  },
  CUDA_ERROR_NO_DEVICE: {
    className: 'NoEncodeDeviceError',
    meaning: 'The CUDA driver loaded but found no GPU.',
    fix: 'Check nvidia-smi; in containers pass the GPU through (--gpus all).',
  },
  ABI_UNSUPPORTED: {
    className: 'AbiUnsupportedError',
    meaning:
      "The driver's NVENC API is older than every ABI this package ships, or a forced ABI (option abi / NVENC_ABI) is not built.",
    fix: 'Update the NVIDIA driver (NVENC API 11.1 needs R470+, 12.1 needs R530+, 13.0 needs R570+), or unset NVENC_ABI / pick a built ABI.',
  },
  NV_ENC_ERR_INVALID_VERSION: {
    className: 'AbiUnsupportedError',
    meaning: 'The driver rejected the API or structure version of the loaded binary.',
    fix: 'Let probeDriver() choose the ABI (unset NVENC_ABI), or update the driver.',
  },
  SESSION_LIMIT: {
    className: 'SessionLimitError',
    meaning: 'The driver refused another concurrent encode session.',
    fix: 'Close unused encoders (consumer GPUs allow a handful of sessions), or spread sessions over GPUs.',
  },
  NV_ENC_ERR_OUT_OF_MEMORY: {
    className: 'SessionLimitError (at open) / NvencError',
    meaning:
      'At session open this usually means the concurrent-session limit was reached; elsewhere, GPU memory ran out.',
    fix: 'Close unused encoders; reduce resolution or pipeline depth (extraOutputDelay).',
  },
  NV_ENC_ERR_INCOMPATIBLE_CLIENT_KEY: {
    className: 'SessionLimitError (at open) / NvencError',
    meaning: 'At session open, drivers report the consumer-GPU session limit this way.',
    fix: 'Close unused encoders, or use a GPU without a session limit.',
  },
  INVALID_FRAME: {
    className: 'InvalidFrameError',
    meaning: "A frame's size, pitch, element type or memory kind does not match the encoder.",
    fix: "Pass width×height frames in the encoder's inputFormat; see the message for the expected byte size and pitch. The encoder stays usable.",
  },
  INVALID_OPTION: {
    className: 'InvalidOptionError',
    meaning: 'An option is out of range, of the wrong type, or not supported by the device.',
    fix: 'The message names the option, the value and what is allowed.',
  },
  CAPABILITY_UNSUPPORTED: {
    className: 'CapabilityError',
    meaning:
      "The device's capabilities (nvEncGetEncodeCaps) say it cannot do what an option asks (intra refresh, lookahead, temporal AQ, weighted prediction, B-frame references, byte-limited slices, LTR, emphasis maps, multiple references). Checked before the session is initialised.",
    fix: 'The error names the option and the capability (`error.capability`, as in getCapabilities()); turn the option off or pick a GPU whose capabilities include it.',
  },
  NV_ENC_ERR_UNSUPPORTED_PARAM: {
    className: 'InvalidOptionError',
    meaning: 'The device does not support a requested parameter (profile, B-frames, size, ...).',
    fix: 'Check enc.getCapabilities(codec) and choose supported options.',
  },
  NV_ENC_ERR_INVALID_PARAM: {
    className: 'InvalidOptionError / InvalidFrameError / NvencError',
    meaning: 'The driver rejected a parameter (by phase: configuration → option, input → frame).',
    fix: 'Check the options and the frame against the message.',
  },
  ENCODER_CLOSED: {
    className: 'EncoderClosedError',
    meaning: 'The encoder was used after close() (or after `using` disposed it).',
    fix: 'Create a new NvencEncoder.',
  },
  BINARY_NOT_FOUND: {
    className: 'BinaryNotFoundError',
    meaning: 'No native binary nvenc_<abi>.node could be loaded from @nvenc-ts/native.',
    fix: 'Build it (pnpm --filter @nvenc-ts/native build) or reinstall the package so its prebuilds are present.',
  },
  UNSUPPORTED_PLATFORM: {
    className: 'UnsupportedPlatformError',
    meaning: 'NVENC binaries exist for linux-x64 (glibc) only.',
    fix: 'Run on Linux x86-64 with glibc (not Alpine/musl).',
  },
  SOFTWARE_DEVICE_NOT_BUILT: {
    className: 'DriverNotFoundError',
    meaning: "device: 'software' was asked for but @nvenc-ts/software-device is missing or not built.",
    fix: 'pnpm --filter @nvenc-ts/software-device build (the software device is for tests and CI).',
  },
  SOFTWARE_DEVICE_HOLDS_DRIVER_NAME: {
    className: 'DriverNotFoundError',
    meaning:
      "NVIDIA's driver was asked for by name (device 'auto' or { gpu }), but in this process libcuda.so.1 / libnvidia-encode.so.1 already are the software device (loaded by an earlier device: 'software' encoder or probe, or found through LD_LIBRARY_PATH); the dynamic loader hands back a loaded library for its soname, so the driver cannot be loaded beside it.",
    fix: "Use device: 'software' explicitly for this encoder, or run NVIDIA and software encoders in separate processes (worker threads share the process); remove the software device from LD_LIBRARY_PATH.",
  },
  NO_PARAMETER_SETS: {
    className: 'BitstreamParseError',
    meaning: 'codecString() found no SPS / sequence header in the access unit.',
    fix: 'Pass a keyframe access unit (repeatSpsPps is on by default, so every IDR carries them).',
  },
  MALFORMED_BITSTREAM: {
    className: 'BitstreamParseError',
    meaning: 'codecString() found a parameter set but it ended early or had invalid values.',
    fix: 'Pass complete access units as the encoder returned them (Annex B for H.264/HEVC, low-overhead OBUs for AV1).',
  },
  NATIVE_ERROR: {
    className: 'NvencError',
    meaning: 'The native layer threw an error without a code.',
    fix: 'Report a bug with the message.',
  },
});

/** docs/errors.md content: one section per code, from `errorDocs`. */
export function renderErrorDocs(): string {
  const lines = [
    '# Errors',
    '',
    'Every error thrown by `@nvenc-ts/nvenc` is an `NvencError` with a stable `code`.',
    '',
  ];
  for (const [code, doc] of Object.entries(errorDocs)) {
    lines.push(`## \`${code}\``, '', `Class: \`${doc.className}\``, '', doc.meaning, '', `**Fix:** ${doc.fix}`, '');
  }
  return lines.join('\n');
}
