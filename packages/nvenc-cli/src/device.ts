/**
 * Which NVENC the benchmark runs on, and the one line that says so. `auto` opens a session on the
 * NVIDIA driver first (only a session open reveals a GPU without an NVENC engine, like the H100)
 * and falls back to the software device, carrying the reason into the first line of output.
 */
import type { BenchOptions, DeviceChoice, Engine } from './options.js';
import { softwareDevice, type DeviceOption, type Encoder, type EncoderOptions, type NvencModule } from './nvenc-api.js';

export type DeviceKind =
  /** NVIDIA driver: real CUDA and the GPU's NVENC engine. */
  | 'nvidia'
  /** The software device: software CUDA and software NVENC. */
  | 'software'
  /** Real CUDA (a GPU's memory and copies) with the software NVENC library's engine. */
  | 'hybrid';

export interface DeviceDescription {
  kind: DeviceKind;
  engine: Engine;
  /** The first line of output: what runs, and for software, that it is not NVIDIA hardware and why. */
  line: string;
  /** Why `auto` did not use the NVIDIA driver, in full (undefined when it did, or was not asked); printed with --verbose. */
  fallbackReason: string | undefined;
  /** The same reason in a few words, as the device line gives it. */
  fallbackSummary: string | undefined;
  /** The software device's library directory (for ffmpeg's LD_LIBRARY_PATH and the C harness). */
  softwareLibraryDir: string | undefined;
  cudaLibrary: string;
  nvencLibrary: string;
  gpu: number;
  /** enc.info.device as the encoder reports it. */
  deviceName: string;
  abi: string;
}

export interface OpenedEncoder {
  encoder: Encoder;
  device: DeviceDescription;
}

export class DeviceUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceUnavailableError';
  }
}

/** Encoder options for a benchmark run, without the device. */
export function encoderOptionsFor(o: BenchOptions): Omit<EncoderOptions, 'device'> {
  const base: Omit<EncoderOptions, 'device'> = {
    width: o.width,
    height: o.height,
    codec: o.codec,
    preset: o.preset,
    tuning: o.tuning,
    rateControl: o.rateControl,
    fps: o.fps,
    gop: o.gop,
    bFrames: o.bFrames,
    inputFormat: o.format,
    extraOutputDelay: o.depth,
    hostUpload: o.hostUpload,
  };
  if (o.rateControl === 'cqp') base.qp = o.qp ?? 28;
  else base.bitrate = o.bitrate;
  return base;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).trim();
}

/** Joins sentences and clauses with '; ' without leaving a '.;' where a sentence ended. */
function joinReasons(...parts: string[]): string {
  return parts
    .map((p) => p.trim().replace(/\.$/, ''))
    .filter(Boolean)
    .join('; ');
}

/**
 * Why the NVIDIA driver could not be used, in a few words for the device line (the full message
 * goes to fallbackReason, shown with --verbose). Keyed on the typed error's code.
 */
function shortReason(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  const message = firstLine(String((err as Error)?.message ?? err));
  switch (code) {
    case 'DRIVER_NOT_FOUND':
      return 'no NVIDIA driver on this machine';
    case 'NVENC_LIBRARY_NOT_FOUND':
      return "the NVIDIA driver's NVENC library is missing";
    case 'CUDA_ERROR_NO_DEVICE':
      return 'CUDA sees no GPU';
    case 'SOFTWARE_DEVICE_HOLDS_DRIVER_NAME':
      return "the software device holds the driver's library names in this process";
    case 'NV_ENC_ERR_NO_ENCODE_DEVICE':
    case 'NV_ENC_ERR_UNSUPPORTED_DEVICE': {
      const gpu = /^(.*?) has no NVENC engine/.exec(message)?.[1];
      return gpu ? `${gpu} has no NVENC engine` : 'the GPU has no NVENC engine';
    }
    default: {
      const sentence = /^[^.]*/.exec(message)?.[0] ?? message;
      return sentence.length > 100 ? `${sentence.slice(0, 97)}...` : sentence;
    }
  }
}

function softwareLibraries(): { libraryDir: string; cudaLibrary: string; nvencLibrary: string } {
  const state = softwareDevice();
  if (!state.available) throw new DeviceUnavailableError(`software device unavailable: ${state.reason}`);
  return state.libraries;
}

function engineWords(engine: Engine): string {
  return engine === 'null'
    ? "null engine: no encoding, measures the stack's overhead"
    : 'libavcodec/x264-class encoders';
}

/**
 * Opens the encoder on the chosen device. Sets NVENC_SOFT_ENGINE before the software NVENC library
 * is loaded when a software engine is asked for (the library reads it at load / session open).
 */
export function openEncoder(nvenc: NvencModule, o: BenchOptions): OpenedEncoder {
  const options = encoderOptionsFor(o);
  const choice: DeviceChoice = o.device;
  const engine = o.engine;
  const softwareEngine: Engine = engine === 'null' ? 'null' : 'libav';

  const open = (device: DeviceOption): Encoder => new nvenc.NvencEncoder({ ...options, device });

  const describe = (
    encoder: Encoder,
    kind: DeviceKind,
    eng: Engine,
    libs: { cudaLibrary: string; nvencLibrary: string; libraryDir?: string },
    gpu: number,
    fallback?: Fallback,
  ): OpenedEncoder => {
    const info = encoder.info;
    const fallbackReason = fallback?.full;
    // One short sentence: what runs and, for software, why; the full reason is fallbackReason.
    let line: string;
    if (kind === 'nvidia') {
      line = `device: ${info.device} (NVIDIA driver, NVENC ABI ${info.abi}), hardware NVENC engine`;
    } else if (kind === 'software') {
      line =
        `device: software NVENC device (${engineWords(eng)}), not NVIDIA hardware` +
        (fallback ? `: ${fallback.short}` : ', as asked (--device software)');
    } else {
      line =
        `device: ${info.device} real CUDA + software NVENC engine (${engineWords(eng)}), NVENC engine speed not measured` +
        (fallback ? `: ${fallback.short}` : '');
    }
    return {
      encoder,
      device: {
        kind,
        engine: eng,
        line,
        fallbackReason,
        fallbackSummary: fallback?.short,
        softwareLibraryDir: libs.libraryDir,
        cudaLibrary: libs.cudaLibrary,
        nvencLibrary: libs.nvencLibrary,
        gpu,
        deviceName: String(info.device),
        abi: String(info.abi),
      },
    };
  };

  const openSoftware = (reason?: Fallback): OpenedEncoder => {
    let libs;
    try {
      libs = softwareLibraries();
    } catch (err) {
      if (reason === undefined) throw err;
      throw new DeviceUnavailableError(
        joinReasons(`no usable NVENC: NVIDIA driver: ${reason.full}`, (err as Error).message),
      );
    }
    process.env.NVENC_SOFT_ENGINE = softwareEngine;
    // The software device's libraries by path (what device: 'software' means), so that the
    // harness, ffmpeg and the test-only CUDA helpers are sure to get the very same files.
    const encoder = open({ cudaLibrary: libs.cudaLibrary, nvencLibrary: libs.nvencLibrary, gpu: 0 });
    return describe(encoder, 'software', softwareEngine, libs, 0, reason);
  };

  const openHybrid = (gpu: number, fallbackReason?: Fallback): OpenedEncoder => {
    const libs = softwareLibraries();
    process.env.NVENC_SOFT_ENGINE = softwareEngine;
    const encoder = open({ gpu, nvencLibrary: libs.nvencLibrary });
    return describe(
      encoder,
      'hybrid',
      softwareEngine,
      { cudaLibrary: 'libcuda.so.1', nvencLibrary: libs.nvencLibrary, libraryDir: libs.libraryDir },
      gpu,
      fallbackReason,
    );
  };

  const nvidiaLibs = { cudaLibrary: 'libcuda.so.1', nvencLibrary: 'libnvidia-encode.so.1' };

  if (choice.kind === 'software') return openSoftware();

  if (choice.kind === 'gpu') {
    if (engine === 'libav' || engine === 'null') return openHybrid(choice.index);
    try {
      return describe(open({ gpu: choice.index }), 'nvidia', 'nvidia', nvidiaLibs, choice.index);
    } catch (err) {
      throw new DeviceUnavailableError(`gpu:${choice.index}: ${firstLine((err as Error).message)}`);
    }
  }

  // auto
  if (engine === 'libav' || engine === 'null') {
    // A software engine was asked for: on real CUDA when the driver has a GPU, else all software.
    const report = safeProbe(nvenc);
    if (report.cudaUsable) {
      try {
        return openHybrid(0);
      } catch (err) {
        return openSoftware({ short: 'real CUDA + software engine failed', full: firstLine((err as Error).message) });
      }
    }
    return openSoftware(report.reason);
  }
  let reason: Fallback;
  try {
    return describe(open('auto'), 'nvidia', 'nvidia', nvidiaLibs, 0);
  } catch (err) {
    reason = { short: shortReason(err), full: firstLine((err as Error).message) };
  }
  if (engine === 'nvidia') throw new DeviceUnavailableError(`--engine nvidia: ${reason.full}`);
  // A GPU without an NVENC engine (H100, A100) still has real CUDA: keep it (host-to-device copies
  // and device memory stay real) and take only the engine from the software device. Loading the
  // software libcuda next to an already loaded real one would also make the software NVENC library
  // resolve "libcuda.so.1" to the real one.
  if (safeProbe(nvenc).cudaUsable) {
    try {
      return openHybrid(0, reason);
    } catch (err) {
      reason = {
        short: reason.short,
        full: joinReasons(reason.full, `real CUDA + software engine failed too: ${firstLine((err as Error).message)}`),
      };
    }
  }
  return openSoftware(reason);
}

/** Why the NVIDIA driver was not used: a few words for the device line, the full text for --verbose and JSON. */
interface Fallback {
  short: string;
  full: string;
}

function safeProbe(nvenc: NvencModule): { cudaUsable: boolean; reason: Fallback } {
  try {
    const report = nvenc.probeDriver({ device: 'auto' });
    const gpus = report.devices ?? [];
    if (gpus.length > 0 && !report.software) return { cudaUsable: true, reason: { short: '', full: '' } };
    const full = report.problems?.[0] ?? 'no CUDA device';
    return { cudaUsable: false, reason: { short: report.error ? shortReason(report.error) : full, full } };
  } catch (err) {
    return { cudaUsable: false, reason: { short: shortReason(err), full: firstLine((err as Error).message) } };
  }
}
