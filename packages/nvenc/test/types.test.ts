import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { fromNative, isErrorCode, NVENC_PHASES } from '../src/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('types that catch mistakes', () => {
  it('a misspelt error code, an unknown phase and an unknown capability name do not compile', () => {
    const file = path.join(here, 'types', 'typed-api.ts');
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(here, '..', 'tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    const program = ts.createProgram([file], { ...config!.options, noEmit: true });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map(
        (d) =>
          `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      );
    expect(problems).toEqual([]);
  }, 60_000);

  it('NVENC_PHASES names every phase the native binding reports', () => {
    const src = path.join(here, '..', '..', 'nvenc-native', 'src');
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) =>
        statSync(path.join(dir, n)).isDirectory() ? files(path.join(dir, n)) : [path.join(dir, n)],
      );
    const phases = new Set<string>();
    for (const f of files(src).filter((f) => /\.(cc|h)$/.test(f))) {
      const text = readFileSync(f, 'utf8');
      // The phase is the string argument after the message; NativeError may add an option name after it.
      const calls =
        /(?:NativeError|invalidOption|checkCuda|checkNvenc|nvencError)\([^;]*?,\s*"([a-z]+)"(?:,\s*"[A-Za-z.]+")?\)/gs;
      for (const m of text.matchAll(calls)) phases.add(m[1]!);
    }
    expect(phases.size).toBeGreaterThan(8);
    expect([...phases].filter((p) => !(NVENC_PHASES as readonly string[]).includes(p))).toEqual([]);
  });

  it('fromNative keeps the binding codes and phases (cuda, flush) as typed values', () => {
    const e = fromNative(
      Object.assign(new Error('cuCtxPushCurrent failed'), {
        code: 'CUDA_ERROR_INVALID_CONTEXT',
        status: 201,
        phase: 'cuda',
      }),
    );
    expect(e.code).toBe('CUDA_ERROR_INVALID_CONTEXT');
    expect(e.phase).toBe('cuda');
    expect(isErrorCode('NV_ENC_STATUS_99')).toBe(true);
    expect(isErrorCode('INVALID_FRAM')).toBe(false);
  });
});
