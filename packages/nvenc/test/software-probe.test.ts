import { beforeAll, describe, expect, it } from 'vitest';
import type { DriverReport } from '../src/probe.js';
import { DIST_CJS, DIST_ESM, ensureBuilt, runNode } from './helpers/package.js';
import { hasSoftwareDevice, softwareSkipReason } from './helpers/software.js';

type Summary = Pick<DriverReport, 'ok' | 'abi' | 'availableAbis' | 'software' | 'problems' | 'device'> & {
  maxApiVersion: string | null | undefined;
  errorName?: string;
  errorCode?: string;
};

const summarise = `(r) => JSON.stringify({ ok: r.ok, abi: r.abi, availableAbis: r.availableAbis, software: r.software, problems: r.problems,
  device: r.device, maxApiVersion: r.nvenc && r.nvenc.maxApiVersion, errorName: r.error && r.error.name, errorCode: r.error && r.error.code })`;

/** probeDriver({ device: 'software' }) in a fresh process: the software device reads NVENC_SOFT_MAX_API once, at load. */
function probeInChild(env: Record<string, string | undefined>, format: 'esm' | 'cjs' = 'esm'): Summary {
  const code =
    format === 'esm'
      ? `const m = await import(${JSON.stringify(DIST_ESM)}); console.log((${summarise})(m.probeDriver({ device: 'software' })));`
      : `const m = require(${JSON.stringify(DIST_CJS)}); console.log((${summarise})(m.probeDriver({ device: 'software' })));`;
  return runNode<Summary>(code, { NVENC_ABI: undefined, ...env }, format);
}

describe.skipIf(!hasSoftwareDevice)(
  `ABI selection against the software device${softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : ''}`,
  () => {
    beforeAll(() => ensureBuilt(), 120_000);

    it('NVENC_SOFT_MAX_API=11.1 → ABI 11.1', () => {
      const r = probeInChild({ NVENC_SOFT_MAX_API: '11.1' });
      expect(r).toMatchObject({
        ok: true,
        abi: '11.1',
        software: true,
        device: 'software',
        maxApiVersion: '11.1',
        problems: [],
      });
    });

    it('NVENC_SOFT_MAX_API=12.1 → ABI 12.1', () => {
      expect(probeInChild({ NVENC_SOFT_MAX_API: '12.1' })).toMatchObject({
        ok: true,
        abi: '12.1',
        maxApiVersion: '12.1',
      });
    });

    it('NVENC_SOFT_MAX_API=13.0 → ABI 12.1, the newest built', () => {
      expect(probeInChild({ NVENC_SOFT_MAX_API: '13.0' })).toMatchObject({
        ok: true,
        abi: '12.1',
        maxApiVersion: '13.0',
      });
    });

    it('NVENC_SOFT_MAX_API=10.0 → AbiUnsupportedError text naming R470', () => {
      const r = probeInChild({ NVENC_SOFT_MAX_API: '10.0' });
      expect(r).toMatchObject({ ok: false, abi: null, errorName: 'AbiUnsupportedError', errorCode: 'ABI_UNSUPPORTED' });
      expect(r.problems).toContain(
        'The driver supports NVENC API 10.0; this package needs ≥ 11.1, i.e. driver R470 or newer. Update the NVIDIA driver.',
      );
    });

    it('NVENC_ABI=11.1 forces 11.1 on a 12.1 driver', () => {
      expect(probeInChild({ NVENC_SOFT_MAX_API: '12.1', NVENC_ABI: '11.1' })).toMatchObject({ ok: true, abi: '11.1' });
    });

    it('the CommonJS build finds the binary and the software device the same way', () => {
      expect(probeInChild({ NVENC_SOFT_MAX_API: '11.1' }, 'cjs')).toMatchObject({
        ok: true,
        abi: '11.1',
        software: true,
      });
    });
  },
);
