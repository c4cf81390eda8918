import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NvencEncoder } from '../src/encoder.js';
import { BinaryNotFoundError, DriverNotFoundError, UnsupportedPlatformError } from '../src/errors.js';
import { availableAbis, checkPlatform, listBinaries, loadBinary, locateNativePackage } from '../src/native-binary.js';
import { probeDriver, resolveDevice } from '../src/probe.js';
import { softwareDeviceState } from '../src/software-device.js';

const hasNvidiaDriver = probeDriver().cuda?.loaded === true;

describe('finding the native binary', () => {
  it('resolves @nvenc-ts/native and lists its built ABIs, oldest first', () => {
    const location = locateNativePackage();
    expect(location.error).toBeUndefined();
    expect(location.dir).toMatch(/nvenc-native$|@nvenc-ts[/\\]native$/);
    const abis = availableAbis();
    expect(abis.length).toBeGreaterThan(0);
    expect(abis).toEqual([...abis].sort((a, b) => Number(a) - Number(b)));
    for (const b of listBinaries()) expect(path.basename(b.path)).toBe(`nvenc_${b.abi.replace('.', '_')}.node`);
  });

  it('loads the newest binary, whose abi export matches its file name', () => {
    const newest = availableAbis().at(-1);
    const loaded = loadBinary();
    expect(loaded.abi).toBe(newest);
    expect(loaded.binding.abi).toBe(newest);
    expect(typeof loaded.binding.probe).toBe('function');
  });

  it('an ABI that is not built → one BinaryNotFoundError with what was tried and possible solutions', () => {
    let err: unknown;
    try {
      loadBinary('9.0');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BinaryNotFoundError);
    const e = err as BinaryNotFoundError;
    expect(e.code).toBe('BINARY_NOT_FOUND');
    expect(e.message).toContain('ABI 9.0');
    expect(e.message).toMatch(/Tried:\n\s+- .*build[/\\]Release[/\\]nvenc_9_0\.node: no such file/);
    expect(e.message).toContain('Possible solutions:');
    expect(e.message).toContain('pnpm --filter @nvenc-ts/native build');
    expect(e.attempts.length).toBe(2);
  });

  describe('with NVENC_NATIVE_DIR pointing at an empty directory', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'nvenc-empty-'));
    afterEach(() => {
      delete process.env['NVENC_NATIVE_DIR'];
    });
    it('reports every directory it searched', () => {
      process.env['NVENC_NATIVE_DIR'] = empty;
      expect(availableAbis()).toEqual([]);
      expect(() => loadBinary()).toThrow(BinaryNotFoundError);
      expect(() => loadBinary()).toThrow(new RegExp(`Searched: ${empty}/build/Release, ${empty}/prebuilds/linux-x64`));
      const report = probeDriver();
      expect(report.ok).toBe(false);
      expect(report.abi).toBeNull();
      expect(report.error).toBeInstanceOf(BinaryNotFoundError);
      rmSync(empty, { recursive: true, force: true });
    });
  });
});

describe('platform check', () => {
  it('accepts linux-x64 with glibc', () => {
    expect(() => checkPlatform({ platform: 'linux', arch: 'x64', glibcVersion: '2.36' })).not.toThrow();
  });
  it('names the platform and what is supported', () => {
    expect(() => checkPlatform({ platform: 'darwin', arch: 'arm64', glibcVersion: undefined })).toThrow(
      UnsupportedPlatformError,
    );
    expect(() => checkPlatform({ platform: 'darwin', arch: 'arm64', glibcVersion: undefined })).toThrow(
      /no native binary for darwin-arm64; supported: linux-x64 \(glibc\)/,
    );
    expect(() => checkPlatform({ platform: 'linux', arch: 'arm64', glibcVersion: '2.36' })).toThrow(/linux-arm64/);
  });
  it("reads this machine's glibc from the process report without its network section, and restores that setting", async () => {
    vi.resetModules();
    const fresh = await import('../src/native-binary.js');
    const reporter = process.report as NodeJS.ProcessReport & { excludeNetwork?: boolean };
    let excludedDuringReport: boolean | undefined;
    const getReport = reporter.getReport.bind(reporter);
    const spy = vi.spyOn(reporter, 'getReport').mockImplementation((...args) => {
      excludedDuringReport = reporter.excludeNetwork;
      return getReport(...args);
    });
    const before = reporter.excludeNetwork;
    try {
      expect(fresh.currentPlatform().glibcVersion).toMatch(/^2\.\d+$/);
    } finally {
      spy.mockRestore();
    }
    expect(excludedDuringReport).toBe(true);
    expect(reporter.excludeNetwork).toBe(before);
  });
  it('rejects musl (Alpine)', () => {
    expect(() => checkPlatform({ platform: 'linux', arch: 'x64', glibcVersion: undefined })).toThrow(/musl/);
  });
});

describe.skipIf(hasNvidiaDriver)('probe on a machine without an NVIDIA driver', () => {
  it('never throws and reports "No CUDA driver" with the loader\'s reason', () => {
    const report = probeDriver({ device: 'auto' });
    expect(report.ok).toBe(false);
    expect(report.device).toBe('nvidia');
    expect(report.cuda?.loaded).toBe(false);
    expect(report.nvenc?.loaded).toBe(false);
    expect(report.problems[0]).toMatch(
      /^No CUDA driver: could not load libcuda\.so\.1 \(libcuda\.so\.1: cannot open shared object file/,
    );
    expect(report.problems.some((p) => /No NVENC library: could not load libnvidia-encode\.so\.1/.test(p))).toBe(true);
    expect(report.error).toBeInstanceOf(DriverNotFoundError);
    expect(report.error?.code).toBe('DRIVER_NOT_FOUND');
    expect(report.devices).toEqual([]);
    expect(report.availableAbis).toEqual(availableAbis());
    // With no driver maximum known, the report names the ABI an encoder would try.
    expect(report.abi).toBe(availableAbis().at(-1));
  });

  it('the encoder with device "auto" throws DriverNotFoundError and does not fall back to software', () => {
    let err: unknown;
    try {
      new NvencEncoder({ width: 320, height: 240, device: 'auto' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DriverNotFoundError);
    expect((err as DriverNotFoundError).code).toBe('DRIVER_NOT_FOUND');
    expect((err as Error).message).toMatch(/libcuda\.so\.1: cannot open shared object file/);
    expect((err as Error).message).toMatch(/device: 'software'/);
  });

  it('resolveDevice("auto") says it means the NVIDIA driver and why it is unusable', () => {
    const r = resolveDevice('auto');
    expect(r.device).toBe('nvidia');
    expect(r.usable).toBe(false);
    expect(r.reason).toMatch(/^the NVIDIA driver is not usable: No CUDA driver/);
  });

  it('a forced ABI that is not built is reported', () => {
    const report = probeDriver({ abi: '13.0' });
    expect(report.problems.some((p) => /13\.0 was forced \(option abi\) but is not built/.test(p))).toBe(true);
  });

  it('NVENC_ABI forces the same way', () => {
    process.env['NVENC_ABI'] = '10.0';
    try {
      expect(probeDriver().problems.join('\n')).toMatch(/10\.0 was forced \(env NVENC_ABI\)/);
    } finally {
      delete process.env['NVENC_ABI'];
    }
  });

  it('custom library paths are tried as given', () => {
    const report = probeDriver({
      device: { cudaLibrary: '/nonexistent/libcuda.so.1', nvencLibrary: '/nonexistent/libnvidia-encode.so.1' },
    });
    expect(report.device).toBe('custom');
    expect(report.problems[0]).toMatch(/could not load \/nonexistent\/libcuda\.so\.1/);
  });
});

describe.skipIf(softwareDeviceState().available)('device "software" without a built software device', () => {
  it('probe reports it, and the encoder throws DriverNotFoundError SOFTWARE_DEVICE_NOT_BUILT with the build command', () => {
    const report = probeDriver({ device: 'software' });
    expect(report.ok).toBe(false);
    expect(report.device).toBe('software');
    expect(report.error?.code).toBe('SOFTWARE_DEVICE_NOT_BUILT');
    let err: unknown;
    try {
      new NvencEncoder({ width: 320, height: 240, device: 'software' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DriverNotFoundError);
    expect((err as DriverNotFoundError).code).toBe('SOFTWARE_DEVICE_NOT_BUILT');
    expect((err as Error).message).toContain('pnpm --filter @nvenc-ts/software-device build');
  });
});
