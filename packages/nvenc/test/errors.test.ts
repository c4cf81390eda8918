import { describe, expect, it } from 'vitest';
import {
  AbiUnsupportedError,
  DriverNotFoundError,
  EncoderClosedError,
  errorDocs,
  fromNative,
  InvalidFrameError,
  InvalidOptionError,
  NoEncodeDeviceError,
  NvencError,
  renderErrorDocs,
  SessionLimitError,
} from '../src/errors.js';

function nativeError(
  code: string,
  message: string,
  extra: { status?: number; phase?: string; option?: string } = {},
): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

describe('fromNative maps native error codes to typed classes', () => {
  const cases: [string, string | undefined, new (...args: never[]) => NvencError][] = [
    ['DRIVER_NOT_FOUND', 'load', DriverNotFoundError],
    ['NVENC_LIBRARY_NOT_FOUND', 'load', DriverNotFoundError],
    ['NV_ENC_ERR_NO_ENCODE_DEVICE', 'open', NoEncodeDeviceError],
    ['NV_ENC_ERR_UNSUPPORTED_DEVICE', 'open', NoEncodeDeviceError],
    ['ABI_UNSUPPORTED', 'open', AbiUnsupportedError],
    ['NV_ENC_ERR_INVALID_VERSION', 'open', AbiUnsupportedError],
    ['NV_ENC_ERR_OUT_OF_MEMORY', 'open', SessionLimitError],
    ['INVALID_FRAME', 'input', InvalidFrameError],
    ['INVALID_OPTION', 'configure', InvalidOptionError],
    ['NV_ENC_ERR_UNSUPPORTED_PARAM', 'caps', InvalidOptionError],
    ['NV_ENC_ERR_INVALID_PARAM', 'configure', InvalidOptionError],
    ['NV_ENC_ERR_INVALID_PARAM', 'input', InvalidFrameError],
    ['ENCODER_CLOSED', 'encode', EncoderClosedError],
  ];
  for (const [code, phase, cls] of cases) {
    it(`${code}${phase ? ` (${phase})` : ''} → ${cls.name}`, () => {
      const err = fromNative(nativeError(code, `native says ${code}`, { status: 7, ...(phase ? { phase } : {}) }));
      expect(err).toBeInstanceOf(cls);
      expect(err).toBeInstanceOf(NvencError);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(code);
      expect(err.status).toBe(7);
      expect(err.phase).toBe(phase);
      expect(err.message).toContain(`native says ${code}`); // kept (no-engine codes add the GPU in front)
      expect(err.name).toBe(cls.name);
    });
  }

  it('out of memory outside session open stays a plain NvencError', () => {
    const err = fromNative(nativeError('NV_ENC_ERR_OUT_OF_MEMORY', 'oom', { phase: 'allocate' }));
    expect(err.constructor).toBe(NvencError);
  });

  it("the binding's INVALID_OPTION keeps the option it names", () => {
    const err = fromNative(nativeError('INVALID_OPTION', 'qp.b is required', { phase: 'configure', option: 'qp.b' }));
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).option).toBe('qp.b');
  });

  it('unknown codes keep their code as a plain NvencError', () => {
    const err = fromNative(nativeError('CUDA_ERROR_LAUNCH_FAILED', 'boom', { status: 719, phase: 'input' }));
    expect(err.constructor).toBe(NvencError);
    expect(err.code).toBe('CUDA_ERROR_LAUNCH_FAILED');
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('errors without a code become NATIVE_ERROR; NvencErrors pass through unchanged', () => {
    expect(fromNative(new Error('x')).code).toBe('NATIVE_ERROR');
    const e = new InvalidFrameError('bad');
    expect(fromNative(e)).toBe(e);
  });

  it('NV_ENC_ERR_NO_ENCODE_DEVICE names the GPU when the native message does not', () => {
    const err = fromNative(
      nativeError('NV_ENC_ERR_NO_ENCODE_DEVICE', 'nvEncOpenEncodeSessionEx failed', { status: 2, phase: 'open' }),
      {
        gpuName: 'NVIDIA H100 80GB HBM3',
      },
    );
    expect(err.message).toBe('NVIDIA H100 80GB HBM3 has no NVENC engine (nvEncOpenEncodeSessionEx failed)');
    const already = fromNative(
      nativeError('NV_ENC_ERR_NO_ENCODE_DEVICE', 'NVIDIA H100 80GB HBM3 has no NVENC engine (NVENC status 2)'),
      {
        gpuName: 'NVIDIA H100 80GB HBM3',
      },
    );
    expect(already.message).toBe('NVIDIA H100 80GB HBM3 has no NVENC engine (NVENC status 2)');
  });

  it('NV_ENC_ERR_UNSUPPORTED_DEVICE at open (what the H100 driver answers) also says "has no NVENC engine"', () => {
    // The message the native Encoder gave on the H100 (driver 580.159.04), 2026-11-25.
    const native =
      'nvEncOpenEncodeSessionEx on NVIDIA H100 80GB HBM3 failed: NV_ENC_ERR_UNSUPPORTED_DEVICE (the device passed to the API is not supported)';
    const err = fromNative(nativeError('NV_ENC_ERR_UNSUPPORTED_DEVICE', native, { status: 2, phase: 'open' }), {
      gpuName: 'NVIDIA H100 80GB HBM3',
    });
    expect(err).toBeInstanceOf(NoEncodeDeviceError);
    expect(err.message).toBe(`NVIDIA H100 80GB HBM3 has no NVENC engine (${native})`);
    expect(err.status).toBe(2);
  });
});

describe('error reference text', () => {
  it('documents every code fromNative produces a class for, with a meaning and a fix', () => {
    for (const code of [
      'DRIVER_NOT_FOUND',
      'NVENC_LIBRARY_NOT_FOUND',
      'NV_ENC_ERR_NO_ENCODE_DEVICE',
      'ABI_UNSUPPORTED',
      'SESSION_LIMIT',
      'INVALID_FRAME',
      'INVALID_OPTION',
      'ENCODER_CLOSED',
      'BINARY_NOT_FOUND',
      'UNSUPPORTED_PLATFORM',
      'NO_PARAMETER_SETS',
    ]) {
      const doc = errorDocs[code];
      expect(doc, code).toBeDefined();
      expect(doc!.meaning.length).toBeGreaterThan(10);
      expect(doc!.fix.length).toBeGreaterThan(10);
    }
  });
});

describe('renderErrorDocs', () => {
  it('renders a section per code with its class and fix', () => {
    const md = renderErrorDocs();
    expect(md).toContain('## `DRIVER_NOT_FOUND`');
    expect(md).toContain('Class: `DriverNotFoundError`');
    expect(md.match(/^## /gm)?.length).toBe(Object.keys(errorDocs).length);
  });
});
