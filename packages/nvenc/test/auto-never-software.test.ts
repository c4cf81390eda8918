// device: 'auto' means NVIDIA's driver. The software device's libraries carry the driver's sonames,
// so after a process has loaded them, dlopen("libcuda.so.1") returns the software libcuda: 'auto'
// must then refuse with a typed error, never open on software and call it 'nvidia'.
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST_ESM, ensureBuilt, runNode } from './helpers/package.js';
import { hasSoftwareDevice, softwareSkipReason } from './helpers/software.js';

interface Outcome {
  softwareInfo: { deviceKind: string; software: boolean };
  probe: { ok: boolean; errorName?: string; errorCode?: string; phase?: string; message?: string };
  resolve: { usable: boolean; device: string; errorCode?: string };
  open: { deviceKind?: string; software?: boolean; errorName?: string; errorCode?: string; message?: string };
  native: { errorCode?: string; message?: string; opened?: boolean };
}

/** In a fresh process: one software encoder, then 'auto' three ways (probe, resolve, open) and the binding directly. */
const scenario = `
const m = await import(${JSON.stringify(DIST_ESM)});
const { createRequire } = await import('node:module');
const out = {};
const soft = new m.NvencEncoder({ width: 64, height: 64, device: 'software' });
out.softwareInfo = { deviceKind: soft.info.deviceKind, software: soft.info.software };
const r = m.probeDriver();
out.probe = { ok: r.ok, errorName: r.error?.name, errorCode: r.error?.code, phase: r.error?.phase, message: r.error?.message };
const d = m.resolveDevice('auto');
out.resolve = { usable: d.usable, device: d.device, errorCode: d.error?.code };
try {
  const e = new m.NvencEncoder({ width: 64, height: 64 });
  out.open = { deviceKind: e.info.deviceKind, software: e.info.software };
  e.close();
} catch (err) {
  out.open = { errorName: err.name, errorCode: err.code, message: err.message };
}
const binding = createRequire(${JSON.stringify(DIST_ESM)})('@nvenc-ts/native').load(m.availableAbis().at(-1));
try {
  const n = new binding.Encoder({ cudaLibrary: 'libcuda.so.1', nvencLibrary: 'libnvidia-encode.so.1', gpu: 0, width: 64, height: 64,
    codec: 'h264', preset: 'p1', tuning: 'ull', profile: 'auto', rateControl: 'cbr', bitrate: 1000000, fpsNum: 30, fpsDen: 1,
    gop: 4294967295, idrPeriod: 4294967295, bFrames: 0, inputFormat: 'bgra', extraOutputDelay: 0, repeatSpsPps: true, zeroReorderDelay: true, hostUpload: 'direct' });
  out.native = { opened: true };
  n.close();
} catch (err) {
  out.native = { errorCode: err.code, message: err.message };
}
soft.close();
console.log(JSON.stringify(out));
`;

describe.skipIf(!hasSoftwareDevice)(
  `'auto' after a software encoder in the same process${softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : ''}`,
  () => {
    let o: Outcome;
    beforeAll(() => {
      ensureBuilt();
      o = runNode<Outcome>(scenario, { NVENC_ABI: undefined });
    }, 120_000);

    it('the software encoder says it is software', () => {
      expect(o.softwareInfo).toEqual({ deviceKind: 'software', software: true });
    });

    it('probeDriver() reports not ok with SOFTWARE_DEVICE_HOLDS_DRIVER_NAME, explaining that the software device holds the name', () => {
      expect(o.probe).toMatchObject({
        ok: false,
        errorName: 'DriverNotFoundError',
        errorCode: 'SOFTWARE_DEVICE_HOLDS_DRIVER_NAME',
        phase: 'load',
      });
      expect(o.probe.message).toMatch(/libcuda\.so\.1 .* is the software NVENC device/);
      expect(o.probe.message).toMatch(/device: 'software'/);
    });

    it("resolveDevice('auto') is not usable, with the same code", () => {
      expect(o.resolve).toMatchObject({
        usable: false,
        device: 'nvidia',
        errorCode: 'SOFTWARE_DEVICE_HOLDS_DRIVER_NAME',
      });
    });

    it("new NvencEncoder() with device 'auto' throws the typed refusal instead of opening on software as 'nvidia'", () => {
      expect(o.open).toMatchObject({
        errorName: 'DriverNotFoundError',
        errorCode: 'SOFTWARE_DEVICE_HOLDS_DRIVER_NAME',
      });
      expect(o.open.deviceKind).toBeUndefined();
    });

    it('the native loader itself refuses the driver sonames when they resolve to the software device', () => {
      expect(o.native, o.native.message).toMatchObject({ errorCode: 'SOFTWARE_DEVICE_HOLDS_DRIVER_NAME' });
    });
  },
);
