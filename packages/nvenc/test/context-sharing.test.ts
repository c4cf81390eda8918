// The GPU machine's context test (nvenc-native/test/gpu/context.test.mjs, run on 2 × H200 with
// real CUDA: docs/device-runs/2026-11-30-h200/) also runs here on the software CUDA, so CI keeps
// the primary-context and caller-context paths honest between GPU runs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/ffmpeg.js';
import { ensureBuilt, PACKAGE_DIR } from './helpers/package.js';
import { hasSoftwareDevice, softwareLibraries, softwareSkipReason } from './helpers/software.js';

const script = path.join(PACKAGE_DIR, '..', 'nvenc-native', 'test', 'gpu', 'context.test.mjs');
const peerSource = path.join(PACKAGE_DIR, '..', 'nvenc-native', 'test', 'gpu', 'cuda-peer.c');
const hasCompiler = spawnSync('gcc', ['--version']).status === 0;

describe.skipIf(!hasSoftwareDevice || !hasCompiler)(
  `CUDA context sharing on the software CUDA${softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : !hasCompiler ? ' (skipped: no gcc)' : ''}`,
  () => {
    beforeAll(() => ensureBuilt(), 120_000);

    it('a second CUDA user’s primary-context and own-context memory encode in place; close() leaves its context alive', () => {
      using tmp = makeTempDir();
      const addon = path.join(tmp.dir, 'cuda_peer.node');
      const cc = spawnSync(
        'gcc',
        [
          '-shared',
          '-fPIC',
          '-O2',
          '-DNODE_GYP_MODULE_NAME=cuda_peer',
          `-I${path.join(path.dirname(process.execPath), '..', 'include', 'node')}`,
          '-I/usr/include/node',
          peerSource,
          '-o',
          addon,
          '-ldl',
        ],
        { encoding: 'utf8' },
      );
      expect(cc.status, cc.stderr).toBe(0);
      const libs = softwareLibraries!;
      const r = spawnSync(process.execPath, ['--test', script], {
        encoding: 'utf8',
        env: {
          ...process.env,
          NVENC_SOFT_NVENC: libs.nvencLibrary,
          NVENC_TEST_CUDA_LIBRARY: libs.cudaLibrary,
          CUDA_PEER_LIBRARY: libs.cudaLibrary,
          CUDA_PEER_ADDON: addon,
        },
      });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const report = JSON.parse(/CONTEXT-REPORT (.*)/.exec(r.stdout)![1]!);
      expect(report.tests.primary).toMatchObject({ registeredResources: 2, uploadUs: 0, identicalToHostEncode: true });
      expect(report.tests.callerContext).toMatchObject({ allocAfterClose: true, identicalToHostEncode: true });
      expect(report.tests.callerContext.apiVersionAfterClose).toBe(report.tests.callerContext.apiVersionBefore);
      expect(report.tests.callerContext.apiVersionAfterDestroy).toBeLessThan(0);
    });
  },
);
