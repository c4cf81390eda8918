/**
 * hardwareAcceleration → NVENC device. 'prefer-hardware' is the NVIDIA driver only;
 * 'prefer-software' is the software device; 'no-preference' is the NVIDIA driver when one of its
 * sessions opens, else the software device. The choice is reported, never hidden. Sessions open
 * with NvencEncoder.open(): the driver and session setup run off the event loop.
 */
import {
  AbiUnsupportedError,
  BinaryNotFoundError,
  DriverNotFoundError,
  loadDriver,
  NoEncodeDeviceError,
  NvencEncoder,
  NvencError,
  softwareDeviceState,
  UnsupportedPlatformError,
  type EncoderOptions,
} from '@nvenc-ts/nvenc';
import type { HardwareAcceleration } from './types.js';

/** Which implementation encodes: NVIDIA's driver or the software device. */
export type EncoderDeviceKind = 'nvidia' | 'software';

/** The device a session opened on, and why that one. */
export interface DeviceChoice {
  kind: EncoderDeviceKind;
  /** The `device` option of NvencEncoder that opens it again. */
  option: 'auto' | 'software';
  /** One sentence: why this device. */
  reason: string;
  /** Set when NVIDIA's failure behind this choice may pass (GPU memory, GPU busy): ask again later. */
  transient?: true;
}

/** No device can serve the preference: the config is unsupported (NotSupportedError), `message` says why. */
export class DeviceUnavailable extends Error {
  /** The NVIDIA failure behind it may pass (GPU memory, GPU busy): asking again may succeed. */
  readonly transient: boolean;

  constructor(message: string, transient = false) {
    super(message);
    this.transient = transient;
  }
}

/**
 * Why NVIDIA's driver cannot encode in this process, once a session open failed for a reason of
 * the driver, the GPU or its engine (not of the config). Such a reason holds for the process:
 * later configurations go straight to the software device.
 */
let nvidiaUnusable: string | undefined;

/**
 * A failure of NVIDIA's side that holds for the process (no driver, no GPU, no NVENC engine, an
 * unsupported API, no binary for the platform, a driver that fails to load), not of the config.
 */
function isLastingDeviceFailure(err: unknown): boolean {
  return (
    err instanceof DriverNotFoundError ||
    err instanceof NoEncodeDeviceError ||
    err instanceof AbiUnsupportedError ||
    err instanceof BinaryNotFoundError ||
    err instanceof UnsupportedPlatformError ||
    (err instanceof NvencError && err.phase === 'load')
  );
}

/**
 * Any other failure to set up the CUDA device (CUDA_ERROR_OUT_OF_MEMORY, CUDA_ERROR_DEVICE_UNAVAILABLE
 * when another process holds a GPU in exclusive-process mode): this open falls back, the next tries
 * NVIDIA again.
 */
function isPassingDeviceFailure(err: unknown): boolean {
  return err instanceof NvencError && err.phase === 'device';
}

const SOFTWARE = 'the software device (libavcodec behind the NVENC API; not NVENC hardware)';

/**
 * Opens an encoder for `options` on the device `preference` picks. Rejects with DeviceUnavailable
 * when no device serves the preference, or with the session's own typed error (the config).
 */
export async function openOnDevice(
  preference: HardwareAcceleration,
  options: Omit<EncoderOptions, 'device'>,
): Promise<{ encoder: NvencEncoder; device: DeviceChoice }> {
  let nvidiaFailure = nvidiaUnusable;
  let passing = false;
  if (preference !== 'prefer-software' && nvidiaUnusable === undefined) {
    try {
      const encoder = await NvencEncoder.open({ ...options, device: 'auto' });
      const reason = `${preference}: NVIDIA's driver opened a session on ${encoder.info.device}`;
      return { encoder, device: { kind: 'nvidia', option: 'auto', reason } };
    } catch (err) {
      passing = !isLastingDeviceFailure(err);
      if (passing && !isPassingDeviceFailure(err)) throw err;
      nvidiaFailure = (err as Error).message;
      if (!passing) nvidiaUnusable = nvidiaFailure;
    }
  }
  if (preference === 'prefer-hardware')
    throw new DeviceUnavailable(`prefer-hardware needs the NVIDIA driver: ${nvidiaFailure}`, passing);
  const state = softwareDeviceState();
  if (!state.available) {
    throw new DeviceUnavailable(
      preference === 'prefer-software'
        ? `prefer-software: ${state.reason}`
        : `no-preference: neither NVIDIA (${nvidiaFailure}) nor the software device (${state.reason}) is usable`,
      passing,
    );
  }
  // The software device's libraries carry NVIDIA's sonames: loaded first, they would keep NVIDIA's
  // driver out of this process for good (a later prefer-hardware would fail for that alone).
  // NVIDIA's driver loaded first keeps its names, and the software device still opens beside it.
  if (nvidiaUnusable === undefined) await loadDriver('auto');
  const reason =
    preference === 'prefer-software'
      ? `prefer-software: ${SOFTWARE}`
      : `no-preference: NVIDIA not usable (${nvidiaFailure}); using ${SOFTWARE}`;
  const encoder = await NvencEncoder.open({ ...options, device: 'software' });
  const device: DeviceChoice = { kind: 'software', option: 'software', reason };
  if (passing) device.transient = true;
  return { encoder, device };
}
