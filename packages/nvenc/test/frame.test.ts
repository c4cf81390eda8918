import { describe, expect, it } from 'vitest';
import { InvalidFrameError } from '../src/errors.js';
import { frameLayout, normaliseFrame, type Frame } from '../src/frame.js';
import type { InputFormat } from '../src/options.js';

const W = 320;
const H = 240;

function frameError(frame: unknown, format: InputFormat = 'nv12'): InvalidFrameError {
  try {
    normaliseFrame(frame as Frame, frameLayout(format, W, H));
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidFrameError);
    expect((err as InvalidFrameError).code).toBe('INVALID_FRAME');
    return err as InvalidFrameError;
  }
  throw new Error('expected InvalidFrameError');
}

/** Shallow equality by identity: deep-comparing 300 KB typed arrays is slow. */
function sameObjects(a: object, b: object): boolean {
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length &&
    ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k])
  );
}

describe('frame layouts', () => {
  it.each<[InputFormat, number, number]>([
    ['nv12', W, W * H * 1.5],
    ['p010', W * 2, W * H * 3],
    ['yuv444', W, W * H * 3],
    ['bgra', W * 4, W * H * 4],
    ['rgba', W * 4, W * H * 4],
  ])('%s: pitch %i, %i bytes', (format, pitch, bytes) => {
    const l = frameLayout(format, W, H);
    expect(l.tightPitch).toBe(pitch);
    expect(l.frameBytes).toBe(bytes);
  });
});

describe('accepted frames', () => {
  it('a tight Buffer / Uint8Array / Uint8ClampedArray', () => {
    const l = frameLayout('bgra', W, H);
    const buf = Buffer.alloc(l.frameBytes);
    expect(sameObjects(normaliseFrame(buf, l), { data: buf })).toBe(true);
    const clamped = new Uint8ClampedArray(l.frameBytes);
    expect(sameObjects(normaliseFrame(clamped, l), { data: clamped })).toBe(true);
  });
  it('a Uint16Array for p010', () => {
    const l = frameLayout('p010', W, H);
    const px = new Uint16Array(l.frameBytes / 2);
    expect(sameObjects(normaliseFrame(px, l), { data: px })).toBe(true);
  });
  it('{ data, pitch } with padded rows', () => {
    const l = frameLayout('nv12', W, H);
    const data = new Uint8Array(384 * H * 1.5);
    expect(sameObjects(normaliseFrame({ data, pitch: 384 }, l), { data, pitch: 384 })).toBe(true);
  });
  it('{ devicePtr, pitch } with a bigint or a safe-integer number', () => {
    const l = frameLayout('nv12', W, H);
    expect(normaliseFrame({ devicePtr: 0x7f0000001000n, pitch: 512 }, l)).toEqual({
      devicePtr: 0x7f0000001000n,
      pitch: 512,
    });
    expect(normaliseFrame({ devicePtr: 0x1000, pitch: 320 }, l)).toEqual({ devicePtr: 0x1000n, pitch: 320 });
  });
  it('a __cuda_array_interface__ holder (CuPy/PyTorch style), C-contiguous', () => {
    const l = frameLayout('bgra', W, H);
    const frame = {
      __cuda_array_interface__: { data: [0xdead000n, false] as const, shape: [H, W, 4], typestr: '|u1', version: 3 },
    };
    expect(normaliseFrame(frame, l)).toEqual({ devicePtr: 0xdead000n, pitch: W * 4 });
  });
  it('a CUDA array interface object itself, with a padded row stride', () => {
    const l = frameLayout('nv12', W, H);
    const cai = { data: [0x10000, true] as const, shape: [H * 1.5, W], strides: [512, 1], typestr: '|u1' };
    expect(normaliseFrame(cai, l)).toEqual({ devicePtr: 0x10000n, pitch: 512 });
  });
  it('p010 as <u2 and yuv444 as three planes', () => {
    expect(
      normaliseFrame(
        { __cuda_array_interface__: { data: [0x2000n, false], shape: [H * 1.5, W], typestr: '<u2' } },
        frameLayout('p010', W, H),
      ),
    ).toEqual({
      devicePtr: 0x2000n,
      pitch: W * 2,
    });
    expect(
      normaliseFrame(
        { data: [0x3000n, false], shape: [3, H, W], strides: [H * 384, 384, 1], typestr: '|u1' },
        frameLayout('yuv444', W, H),
      ),
    ).toEqual({
      devicePtr: 0x3000n,
      pitch: 384,
    });
  });
});

describe('rejected frames name the expected and actual sizes', () => {
  it('a Buffer of the wrong size', () => {
    const err = frameError(Buffer.alloc(1000));
    expect(err.message).toContain('320x240 nv12');
    expect(err.message).toContain('115200 bytes');
    expect(err.message).toContain('got 1000 bytes');
  });
  it('a padded frame too small for its pitch', () => {
    const err = frameError({ data: new Uint8Array(W * H * 1.5), pitch: 384 });
    expect(err.message).toMatch(/pitch 384 needs 138240 bytes .* got 115200 bytes/);
  });
  it('a pitch smaller than a row', () => {
    expect(frameError({ data: new Uint8Array(W * H * 4), pitch: 100 }, 'bgra').message).toMatch(
      /pitch 100.*row is 1280 bytes/,
    );
  });
  it('an odd pitch for 16-bit p010', () => {
    expect(frameError({ data: new Uint8Array(642 * H * 1.5 + 10), pitch: 641 }, 'p010').message).toMatch(
      /multiple of 2/,
    );
  });
  it('a Uint16Array for an 8-bit format', () => {
    expect(frameError(new Uint16Array(W * H), 'bgra').message).toMatch(/Uint16Array.*8-bit/);
  });
  it('a Float32Array', () => {
    expect(frameError({ data: new Float32Array(W * H) }).message).toMatch(/Float32Array/);
  });
  it('a device frame without pitch, or with a null pointer', () => {
    expect(frameError({ devicePtr: 0x1000n }).message).toMatch(/pitch is required/);
    expect(frameError({ devicePtr: 0n, pitch: 320 }).message).toMatch(/non-zero CUDA device pointer/);
  });
  it('a CUDA array of the wrong dtype, shape or strides', () => {
    expect(
      frameError({ __cuda_array_interface__: { data: [1n, false], shape: [H * 1.5, W], typestr: '<f4' } }).message,
    ).toMatch(/typestr <f4.*u1/);
    expect(
      frameError({ __cuda_array_interface__: { data: [1n, false], shape: [H, W], typestr: '|u1' } }).message,
    ).toMatch(/shape \[240, 320\].*\[360, 320\]/);
    expect(
      frameError(
        { __cuda_array_interface__: { data: [1n, false], shape: [H, W, 4], strides: [W * 4, 8, 1], typestr: '|u1' } },
        'bgra',
      ).message,
    ).toMatch(/contiguous/);
  });
  it('null, numbers and plain objects', () => {
    expect(frameError(null).message).toMatch(/got null/);
    expect(frameError(42).message).toMatch(/got number/);
    expect(frameError({ foo: 1 }).message).toMatch(/expected a Buffer/);
  });
});
