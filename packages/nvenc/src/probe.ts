/**
 * Driver probe and ABI selection. `probeDriver` is cheap (loads libraries, opens no encode
 * session) and never throws: everything it finds wrong is listed in `problems`, and `error` holds
 * the typed error an encoder would throw with the same options.
 */
import {
  fromNative,
  isErrorCode,
  AbiUnsupportedError,
  BinaryNotFoundError,
  DriverNotFoundError,
  InvalidOptionError,
  NoEncodeDeviceError,
  NvencError,
} from './errors.js';
import { DEFAULT_CUDA_LIBRARY, DEFAULT_NVENC_LIBRARY, deviceTarget, type DeviceTarget } from './device.js';
import { abiCompare, availableAbis, loadBinary, type LoadedBinary } from './native-binary.js';
import type {
  LibraryOptions,
  NativeCudaDevice,
  NativeOpenSessionProbeResult,
  NativeProbeResult,
} from './native-types.js';
import type { DeviceKind, DeviceOption } from './types.js';

/** Minimum Linux driver per NVENC API version (NVIDIA Video Codec SDK release notes). */
export const MIN_DRIVER_FOR_ABI: Readonly<Record<string, string>> = Object.freeze({
  '11.1': 'R470',
  '12.1': 'R530',
  '13.0': 'R570',
});

function driverFor(abi: string): string {
  const known = MIN_DRIVER_FOR_ABI[abi];
  return known ? `driver ${known} or newer` : `a driver that supports NVENC API ${abi}`;
}

/**
 * Picks the ABI to load: the newest built ABI ≤ the driver's maximum NVENC API version, or the
 * forced one (option `abi` / env NVENC_ABI) if it is built and the driver accepts it. With an
 * unknown maximum (no driver loaded) it returns the forced or newest ABI.
 */
export function selectAbi(
  maxApiVersion: string | null | undefined,
  available: readonly string[],
  forced?: string,
  forcedBy = 'option abi',
): string {
  const sorted = [...available].sort(abiCompare);
  const newest = sorted[sorted.length - 1];
  if (newest === undefined) {
    throw new BinaryNotFoundError(
      'No native binary (nvenc_<abi>.node) is built. Possible solutions: pnpm --filter @nvenc-ts/native build, or reinstall @nvenc-ts/nvenc.',
    );
  }
  if (forced !== undefined) {
    if (!sorted.includes(forced)) {
      throw new AbiUnsupportedError(
        `NVENC ABI ${forced} was forced (${forcedBy}) but is not built; built ABIs: ${sorted.join(', ')}. ` +
          'Unset it to let the probe choose, or build that ABI (add it to third_party/nvenc-abis.json).',
      );
    }
    if (maxApiVersion && abiCompare(forced, maxApiVersion) > 0) {
      throw new AbiUnsupportedError(
        `NVENC ABI ${forced} was forced (${forcedBy}) but the driver supports NVENC API ${maxApiVersion}; ` +
          `ABI ${forced} needs ${driverFor(forced)}. Choose ${sorted.filter((a) => abiCompare(a, maxApiVersion) <= 0).join(' or ') || 'nothing older is built'}, or update the driver.`,
      );
    }
    return forced;
  }
  if (!maxApiVersion) return newest;
  const usable = sorted.filter((abi) => abiCompare(abi, maxApiVersion) <= 0);
  const chosen = usable[usable.length - 1];
  if (chosen === undefined) {
    const oldest = sorted[0] ?? newest;
    throw new AbiUnsupportedError(
      `The driver supports NVENC API ${maxApiVersion}; this package needs ≥ ${oldest}, i.e. ${driverFor(oldest)}. ` +
        'Update the NVIDIA driver.',
    );
  }
  return chosen;
}

/** Options of `probeDriver()`. */
export interface ProbeOptions {
  device?: DeviceOption;
  /** Force an ABI ('11.1', '12.1', ...); env NVENC_ABI does the same. */
  abi?: string;
}

/** What `probeDriver()` found; `problems` says what is wrong when `ok` is false. */
export interface DriverReport {
  /** True when the libraries load, a GPU is present and a built ABI fits the driver. A session can still fail (e.g. no NVENC engine). */
  ok: boolean;
  /** Which implementation was probed. */
  device: DeviceKind;
  /** The ABI an encoder would load; null when none can be chosen. */
  abi: string | null;
  /** ABIs with a binary on disk, oldest first. */
  availableAbis: string[];
  /** The binary that ran the probe. */
  binary: { abi: string; path: string } | null;
  /** True when the NVENC library is the software device. */
  software: boolean;
  driver: {
    /** CUDA driver API version, e.g. '13.0'. */
    version: string | null;
    cudaLibrary: string;
    nvencLibrary: string;
  };
  cuda: NativeProbeResult['cuda'] | null;
  nvenc: (NativeProbeResult['nvenc'] & { minDriverForAbi?: string }) | null;
  devices: NativeCudaDevice[];
  /** Human-readable findings, most important first; empty when ok. */
  problems: string[];
  /** The typed error an encoder with the same options would throw; undefined when ok. */
  error?: NvencError;
}

/** @internal Probe state shared with NvencEncoder (which needs the chosen binary and GPU). */
export interface Inspection {
  report: DriverReport;
  target: DeviceTarget | null;
  binary: LoadedBinary | null;
}

function forcedAbi(options: ProbeOptions): { abi?: string; by: string } {
  if (options.abi !== undefined) return { abi: options.abi, by: 'option abi' };
  const env = process.env['NVENC_ABI'];
  if (env) return { abi: env, by: 'env NVENC_ABI' };
  return { by: '' };
}

function asNvencError(err: unknown): NvencError {
  return err instanceof NvencError
    ? err
    : new NvencError(String((err as Error)?.message ?? err), { code: 'NATIVE_ERROR', cause: err });
}

/** @internal */
export function inspect(options: ProbeOptions = {}): Inspection {
  const problems: string[] = [];
  let error: NvencError | undefined;
  const fail = (err: NvencError): void => {
    problems.push(err.message);
    error ??= err;
  };

  let available: string[] = [];
  try {
    available = availableAbis();
  } catch {
    available = [];
  }
  const report: DriverReport = {
    ok: false,
    device: 'nvidia',
    abi: null,
    availableAbis: available,
    binary: null,
    software: false,
    driver: { version: null, cudaLibrary: DEFAULT_CUDA_LIBRARY, nvencLibrary: DEFAULT_NVENC_LIBRARY },
    cuda: null,
    nvenc: null,
    devices: [],
    problems,
  };
  const done = (target: DeviceTarget | null, binary: LoadedBinary | null): Inspection => {
    report.ok = problems.length === 0;
    if (error) report.error = error;
    return { report, target, binary };
  };

  let target: DeviceTarget;
  try {
    target = deviceTarget(options.device);
  } catch (err) {
    fail(asNvencError(err));
    if (options.device === 'software') report.device = 'software';
    return done(null, null);
  }
  report.device = target.kind;
  report.driver.cudaLibrary = target.cudaLibrary;
  report.driver.nvencLibrary = target.nvencLibrary;

  let prober: LoadedBinary;
  try {
    prober = loadBinary();
  } catch (err) {
    fail(asNvencError(err));
    return done(target, null);
  }
  report.binary = { abi: prober.abi, path: prober.path };

  let result: NativeProbeResult;
  try {
    const libs: LibraryOptions = { cudaLibrary: target.cudaLibrary, nvencLibrary: target.nvencLibrary };
    result = prober.binding.probe(libs);
  } catch (err) {
    fail(asNvencError(err));
    return done(target, null);
  }
  report.cuda = result.cuda;
  report.nvenc = result.nvenc;
  report.software = result.nvenc.software === true;
  report.devices = result.cuda.devices ?? [];
  report.driver.version = result.cuda.driverVersion ?? null;

  const { cuda, nvenc } = result;
  if (!cuda.loaded) {
    fail(
      new DriverNotFoundError(
        `No CUDA driver: could not load ${cuda.library} (${cuda.error ?? 'unknown reason'}). ` +
          (target.kind === 'software'
            ? "The software device's libcuda did not load; rebuild it: pnpm --filter @nvenc-ts/software-device build."
            : "Install the NVIDIA driver (R470 or newer; in containers use the NVIDIA container toolkit), or use device: 'software' for tests."),
        { code: 'DRIVER_NOT_FOUND', phase: 'load' },
      ),
    );
  } else if (result.softwareHoldsDriverName) {
    // The native loader identified the software device under NVIDIA's sonames: 'auto' is refused,
    // never reported as the NVIDIA driver (see Driver in nvenc-native/src/driver/driver.cc).
    fail(
      new DriverNotFoundError(result.softwareHoldsDriverName, {
        code: 'SOFTWARE_DEVICE_HOLDS_DRIVER_NAME',
        phase: 'load',
      }),
    );
  } else if (cuda.initStatus && cuda.initStatus !== 'CUDA_SUCCESS') {
    const message = `CUDA driver ${cuda.path ?? cuda.library} loaded but cuInit failed with ${cuda.initStatus}${cuda.error ? ` (${cuda.error})` : ''}.`;
    fail(
      cuda.initStatus === 'CUDA_ERROR_NO_DEVICE'
        ? new NoEncodeDeviceError(`${message} No GPU is visible (check nvidia-smi / --gpus all).`, {
            code: cuda.initStatus,
            phase: 'device',
          })
        : new DriverNotFoundError(`${message} Check that the driver matches its kernel module (nvidia-smi).`, {
            code: isErrorCode(cuda.initStatus) ? cuda.initStatus : 'DRIVER_NOT_FOUND',
            phase: 'device',
          }),
    );
  } else if (report.devices.length === 0) {
    fail(
      new NoEncodeDeviceError('The CUDA driver loaded but reports no GPU.', {
        code: 'CUDA_ERROR_NO_DEVICE',
        phase: 'device',
      }),
    );
  } else if (target.gpu >= report.devices.length) {
    fail(
      new InvalidOptionError(
        `Invalid option device.gpu: ${target.gpu}; the driver reports ${report.devices.length} GPU(s): ${report.devices.map((d) => `${d.index} ${d.name}`).join(', ')}`,
        { option: 'device.gpu' },
      ),
    );
  }

  if (!nvenc.loaded) {
    fail(
      new DriverNotFoundError(
        `No NVENC library: could not load ${nvenc.library} (${nvenc.error ?? 'unknown reason'}). ` +
          (target.kind === 'software'
            ? "The software device's NVENC library needs Debian 12's FFmpeg runtime: apt-get install libavcodec59 libavutil57 libswscale6."
            : 'Install the driver\'s encode library (libnvidia-encode); in containers set NVIDIA_DRIVER_CAPABILITIES to include "video".'),
        { code: 'NVENC_LIBRARY_NOT_FOUND', phase: 'load' },
      ),
    );
  } else if (!nvenc.maxApiVersion) {
    fail(
      new DriverNotFoundError(
        `${nvenc.path ?? nvenc.library} loaded but reports no NVENC API version (${nvenc.error ?? 'unknown reason'}).`,
        {
          code: 'NVENC_LIBRARY_NOT_FOUND',
          phase: 'load',
        },
      ),
    );
  }

  const forced = forcedAbi(options);
  try {
    report.abi = selectAbi(nvenc.maxApiVersion, available, forced.abi, forced.by);
    const minDriver = MIN_DRIVER_FOR_ABI[report.abi];
    if (minDriver && report.nvenc) report.nvenc.minDriverForAbi = minDriver;
  } catch (err) {
    fail(asNvencError(err));
  }
  return done(target, prober);
}

/**
 * Reports what the NVIDIA driver (or the software device) offers: libraries, driver version,
 * GPUs, the NVENC API maximum and the ABI an encoder would use. Opens no session.
 *
 * @param options `device` (default `'auto'`, NVIDIA's driver) and `abi` to force one.
 * @returns `ok`, the findings in `problems`, and in `error` the typed error an encoder with the
 *   same options would throw.
 * @throws nothing: every failure is reported in the result.
 * @example
 * ```ts
 * const report = probeDriver();
 * if (!report.ok) console.error(report.error?.code, report.problems[0]);
 * ```
 */
export function probeDriver(options: ProbeOptions = {}): DriverReport {
  return inspect(options).report;
}

/** The answer of `resolveDevice()`. */
export interface DeviceResolution {
  /** What the option means: 'auto' always means the NVIDIA driver. */
  device: DeviceKind;
  /** Whether an encoder with this device is expected to open. */
  usable: boolean;
  /** One sentence: why it is or is not usable. */
  reason: string;
  /** The typed error an encoder would throw; undefined when usable. */
  error?: NvencError;
  /** The result of opening (and closing) one session, when `checkSession` ran it. */
  session?: { status: number; statusName: string; device: string };
  report: DriverReport;
}

/** Options of `resolveDevice()`. */
export interface ResolveDeviceOptions extends Omit<ProbeOptions, 'device'> {
  /**
   * Also open and close one encode session (default true): the only way to learn that a GPU has
   * no NVENC engine (H100, A100) before creating an encoder. Costs tens of milliseconds on a GPU.
   */
  checkSession?: boolean;
}

function sessionError(result: NativeOpenSessionProbeResult): NvencError {
  const noEngine = result.status === 1 || result.status === 2; // NO_ENCODE_DEVICE / UNSUPPORTED_DEVICE
  if (noEngine) {
    return new NoEncodeDeviceError(
      `${result.device} has no NVENC engine (NVENC status ${result.status}, ${result.statusName})`,
      {
        code: 'NV_ENC_ERR_NO_ENCODE_DEVICE',
        status: result.status,
        phase: 'open',
      },
    );
  }
  return fromNative(
    Object.assign(
      new Error(`nvEncOpenEncodeSessionEx on ${result.device} failed: ${result.statusName} (${result.meaning})`),
      {
        code: result.statusName,
        status: result.status,
        phase: 'open',
      },
    ),
    { gpuName: result.device },
  );
}

/**
 * Says which implementation a device option selects and whether an encoder with it would open,
 * so callers (e.g. an encoder registry) can decide on a fallback. The encoder itself never falls
 * back. With `checkSession` (default true) it opens and closes one session: the only way to learn
 * that a GPU has no NVENC engine.
 *
 * @throws nothing: `usable`, `reason` and `error` say what an encoder would meet.
 * @example
 * ```ts
 * const device = resolveDevice('auto').usable ? 'auto' : 'software';
 * ```
 */
export function resolveDevice(device: DeviceOption = 'auto', options: ResolveDeviceOptions = {}): DeviceResolution {
  const { checkSession = true, ...probeOptions } = options;
  const { report, target } = inspect({ ...probeOptions, device });
  const what =
    report.device === 'software'
      ? 'the software device'
      : report.device === 'custom'
        ? `custom libraries (${report.driver.cudaLibrary}, ${report.driver.nvencLibrary})`
        : 'the NVIDIA driver';
  const resolution: DeviceResolution = { device: report.device, usable: report.ok, reason: '', report };
  if (report.error) resolution.error = report.error;
  if (report.ok && checkSession && target && report.abi) {
    try {
      const binding = loadBinary(report.abi).binding;
      const result = binding.openSessionProbe({
        cudaLibrary: target.cudaLibrary,
        nvencLibrary: target.nvencLibrary,
        gpu: target.gpu,
      });
      resolution.session = { status: result.status, statusName: result.statusName, device: result.device };
      if (result.status !== 0) resolution.error = sessionError(result);
    } catch (err) {
      resolution.error = fromNative(err, { gpuName: report.devices[target.gpu]?.name });
    }
    resolution.usable = resolution.error === undefined;
  }
  const gpu = target ? report.devices[target.gpu]?.name : undefined;
  resolution.reason = resolution.usable
    ? `${what}${device === 'auto' ? " ('auto' selects the NVIDIA driver)" : ''}: ${gpu ?? 'GPU'}, CUDA ${report.driver.version ?? '?'}, NVENC API ${report.nvenc?.maxApiVersion ?? '?'}, ABI ${report.abi}`
    : `${what} is not usable: ${resolution.error?.message ?? report.problems[0] ?? 'unknown reason'}`;
  return resolution;
}
