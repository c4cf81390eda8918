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
  /** Why `auto` did not use the NVIDIA driver (undefined when it did, or was not asked). */
  fallbackReason: string | undefined;
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

function softwareLibraries(): { libraryDir: string; cudaLibrary: string; nvencLibrary: string } {
  const state = softwareDevice();
  if (!state.available) throw new DeviceUnavailableError(`software device unavailable: ${state.reason}`);
  return state.libraries;
}

function engineWords(engine: Engine): string {
  return engine === 'null' ? "null engine: no encoding, measures the stack's overhead" : 'libavcodec/x264-class encoders';
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
    fallbackReason?: string,
  ): OpenedEncoder => {
    const info = encoder.info;
    let line: string;
    if (kind === 'nvidia') {
      line = `device: ${info.device} (NVIDIA driver, NVENC ABI ${info.abi}) — hardware NVENC engine`;
    } else if (kind === 'software') {
      line =
        `device: software NVENC device (${engineWords(eng)}) — not NVIDIA hardware` +
        (fallbackReason ? `; no NVENC engine found: ${fallbackReason}` : '; chosen with --device software');
    } else {
      line =
        `device: ${info.device} real CUDA + software NVENC engine (${engineWords(eng)}) — NVENC engine speed is not measured` +
        (fallbackReason ? `; ${fallbackReason}` : '');
    }
    return {
      encoder,
      device: {
        kind,
        engine: eng,
        line,
        fallbackReason,
        softwareLibraryDir: libs.libraryDir,
        cudaLibrary: libs.cudaLibrary,
        nvencLibrary: libs.nvencLibrary,
        gpu,
        deviceName: String(info.device),
        abi: String(info.abi),
      },
    };
  };

  const openSoftware = (reason?: string): OpenedEncoder => {
    let libs;
    try {
      libs = softwareLibraries();
    } catch (err) {
      if (reason === undefined) throw err;
      throw new DeviceUnavailableError(`no usable NVENC — NVIDIA driver: ${reason}; ${(err as Error).message}`);
    }
    process.env.NVENC_SOFT_ENGINE = softwareEngine;
    // The software device's libraries by path (what device: 'software' means), so that the
    // harness, ffmpeg and the test-only CUDA helpers are sure to get the very same files.
    const encoder = open({ cudaLibrary: libs.cudaLibrary, nvencLibrary: libs.nvencLibrary, gpu: 0 });
    return describe(encoder, 'software', softwareEngine, libs, 0, reason);
  };

  const openHybrid = (gpu: number, fallbackReason?: string): OpenedEncoder => {
    const libs = softwareLibraries();
    process.env.NVENC_SOFT_ENGINE = softwareEngine;
    const encoder = open({ gpu, nvencLibrary: libs.nvencLibrary });
    return describe(encoder, 'hybrid', softwareEngine, { cudaLibrary: 'libcuda.so.1', nvencLibrary: libs.nvencLibrary, libraryDir: libs.libraryDir }, gpu, fallbackReason);
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
        return openSoftware(`real CUDA + software engine failed: ${firstLine((err as Error).message)}`);
      }
    }
    return openSoftware(report.reason);
  }
  let reason: string;
  try {
    return describe(open('auto'), 'nvidia', 'nvidia', nvidiaLibs, 0);
  } catch (err) {
    reason = firstLine((err as Error).message);
  }
  if (engine === 'nvidia') throw new DeviceUnavailableError(`--engine nvidia: ${reason}`);
  // A GPU without an NVENC engine (H100, A100) still has real CUDA: keep it (host-to-device copies
  // and device memory stay real) and take only the engine from the software device. Loading the
  // software libcuda next to an already loaded real one would also make the software NVENC library
  // resolve "libcuda.so.1" to the real one.
  if (safeProbe(nvenc).cudaUsable) {
    try {
      return openHybrid(0, `no NVENC engine found: ${reason}`);
    } catch (err) {
      reason += `; real CUDA + software engine failed too: ${firstLine((err as Error).message)}`;
    }
  }
  return openSoftware(reason);
}

function safeProbe(nvenc: NvencModule): { cudaUsable: boolean; reason: string } {
  try {
    const report = nvenc.probeDriver({ device: 'auto' });
    const gpus = report.devices ?? [];
    if (gpus.length > 0 && !report.software) return { cudaUsable: true, reason: '' };
    return { cudaUsable: false, reason: report.problems?.[0] ?? 'no CUDA device' };
  } catch (err) {
    return { cudaUsable: false, reason: firstLine((err as Error).message) };
  }
}
