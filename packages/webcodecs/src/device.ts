/**
 * hardwareAcceleration → NVENC device. 'prefer-hardware' is the NVIDIA driver only;
 * 'prefer-software' is the software device; 'no-preference' is the NVIDIA driver when one of its
 * sessions opens, else the software device. The choice is reported, never hidden.
 */
import { resolveDevice, softwareDeviceState } from '@nvenc-ts/nvenc';
import type { HardwareAcceleration } from './types.js';

/** Which implementation encodes: NVIDIA's driver or the software device. */
export type EncoderDeviceKind = 'nvidia' | 'software';

export interface DeviceChoice {
  kind: EncoderDeviceKind;
  /** The `device` option for NvencEncoder. */
  option: 'auto' | 'software';
  /** One sentence: why this device. */
  reason: string;
}

let nvidiaCache: { usable: boolean; reason: string } | undefined;

/** Whether the NVIDIA driver opens an encode session (asked once per process: it opens one). */
function nvidia(): { usable: boolean; reason: string } {
  nvidiaCache ??= (() => {
    const r = resolveDevice('auto');
    return { usable: r.usable, reason: r.reason };
  })();
  return nvidiaCache;
}

function software(): { usable: boolean; reason: string } {
  const s = softwareDeviceState();
  return s.available
    ? { usable: true, reason: 'the software device (libavcodec behind the NVENC API; not NVENC hardware)' }
    : { usable: false, reason: s.reason };
}

/** The device for a preference, or the reason there is none. */
export function chooseDevice(preference: HardwareAcceleration): DeviceChoice | { unsupported: string } {
  if (preference === 'prefer-software') {
    const s = software();
    return s.usable
      ? { kind: 'software', option: 'software', reason: `prefer-software: ${s.reason}` }
      : { unsupported: `prefer-software: ${s.reason}` };
  }
  const n = nvidia();
  if (n.usable) return { kind: 'nvidia', option: 'auto', reason: `${preference}: ${n.reason}` };
  if (preference === 'prefer-hardware') return { unsupported: `prefer-hardware needs the NVIDIA driver: ${n.reason}` };
  const s = software();
  if (s.usable)
    return {
      kind: 'software',
      option: 'software',
      reason: `no-preference: NVIDIA not usable (${n.reason}); using ${s.reason}`,
    };
  return { unsupported: `no-preference: neither NVIDIA (${n.reason}) nor the software device (${s.reason}) is usable` };
}
