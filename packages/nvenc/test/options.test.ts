import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/errors.js';
import {
  defaultBitrate,
  fpsToRational,
  INFINITE_GOP,
  resolveEncoderOptions,
  toNativeOptions,
  type EncoderOptions,
} from '../src/options.js';

function invalidOption(options: unknown): InvalidOptionError {
  try {
    resolveEncoderOptions(options as EncoderOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionError);
    return err as InvalidOptionError;
  }
  throw new Error(`expected InvalidOptionError for ${JSON.stringify(options)}`);
}

describe('defaults are browser-safe and low-latency', () => {
  const o = resolveEncoderOptions({ width: 1920, height: 1080 });
  it('no B-frames, zero reorder delay, SPS/PPS on every IDR, no extra output delay', () => {
    expect(o.bFrames).toBe(0);
    expect(o.zeroReorderDelay).toBe(true);
    expect(o.repeatSpsPps).toBe(true);
    expect(o.extraOutputDelay).toBe(0);
  });
  it('h264, p4, ultra-low-latency tuning, CBR 5 Mbit/s at 1080p, 30 fps, infinite GOP', () => {
    expect(o).toMatchObject({
      codec: 'h264',
      preset: 'p4',
      tuning: 'ull',
      rateControl: 'cbr',
      bitrate: 5_000_000,
      fpsNum: 30,
      fpsDen: 1,
    });
    expect(o.gop).toBe(INFINITE_GOP);
    expect(o.gop).toBe(0xffffffff);
    expect(o.idrPeriod).toBe(o.gop);
    expect(o.inputFormat).toBe('bgra');
    expect(o.device).toBe('auto');
  });
  it('scales the default bitrate by picture area', () => {
    expect(defaultBitrate(3840, 2160)).toBe(20_000_000);
    expect(defaultBitrate(1280, 720)).toBe(2_222_000);
    expect(resolveEncoderOptions({ width: 640, height: 360 }).bitrate).toBe(556_000);
    expect(defaultBitrate(16, 16)).toBe(100_000);
  });
  it('idrPeriod follows gop unless given', () => {
    expect(resolveEncoderOptions({ width: 64, height: 64, gop: 60 }).idrPeriod).toBe(60);
    expect(resolveEncoderOptions({ width: 64, height: 64, gop: 60, idrPeriod: 120 }).idrPeriod).toBe(120);
  });
  it('lossless tuning defaults to constant QP 0', () => {
    expect(resolveEncoderOptions({ width: 64, height: 64, tuning: 'lossless' })).toMatchObject({
      rateControl: 'cqp',
      qp: { i: 0, p: 0, b: 0 },
    });
  });
});

describe('frame rates become exact fractions', () => {
  it.each([
    [30, 30, 1],
    [60, 60, 1],
    [29.97, 30000, 1001],
    [59.94, 60000, 1001],
    [23.976, 24000, 1001],
    [12.5, 25, 2],
  ])('%s fps → %i/%i', (fps, num, den) => expect(fpsToRational('fps', fps)).toEqual({ num, den }));
  it('accepts { num, den } and reduces it', () =>
    expect(fpsToRational('fps', { num: 60, den: 2 })).toEqual({ num: 30, den: 1 }));
});

describe('colour names map to H.273 code points', () => {
  it.each([
    [
      { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709' },
      { primaries: 1, transfer: 1, matrix: 1 },
    ],
    [
      { primaries: 'bt601', transfer: 'smpte170m', matrix: 'bt601' },
      { primaries: 6, transfer: 6, matrix: 6 },
    ],
    [
      { primaries: 'bt2020', transfer: 'pq', matrix: 'bt2020' },
      { primaries: 9, transfer: 16, matrix: 9 },
    ],
    [
      { primaries: 'bt2020', transfer: 'hlg', matrix: 'bt2020', fullRange: true },
      { primaries: 9, transfer: 18, matrix: 9, fullRange: true },
    ],
    [
      { primaries: 'srgb', transfer: 'srgb', matrix: 'rgb' },
      { primaries: 1, transfer: 13, matrix: 0 },
    ],
    [
      { primaries: 5, transfer: 4, matrix: 5 },
      { primaries: 5, transfer: 4, matrix: 5 },
    ],
  ])('%j', (colour, expected) => {
    expect(resolveEncoderOptions({ width: 64, height: 64, colour: colour as EncoderOptions['colour'] }).colour).toEqual(
      expected,
    );
  });
});

describe('each invalid option names the option, the value and what is allowed', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['codec', { width: 64, height: 64, codec: 'vp9' }, 'codec', /'vp9'.*'h264', 'hevc', 'av1'/],
    ['preset', { width: 64, height: 64, preset: 'p8' }, 'preset', /'p8'.*'p1'.*'p7'/],
    ['tuning', { width: 64, height: 64, tuning: 'fast' }, 'tuning', /'fast'.*'ull', 'll', 'hq', 'lossless'/],
    ['rateControl', { width: 64, height: 64, rateControl: 'crf' }, 'rateControl', /'crf'.*'cbr', 'vbr', 'cqp'/],
    ['inputFormat', { width: 64, height: 64, inputFormat: 'yuyv' }, 'inputFormat', /'yuyv'.*'nv12'/],
    ['width missing', { height: 64 }, 'width', /width: undefined; expected an integer from 1 to 16384/],
    ['width fractional', { width: 64.5, height: 64 }, 'width', /64\.5/],
    ['height zero', { width: 64, height: 0 }, 'height', /height: 0/],
    ['odd width for nv12', { width: 63, height: 64, inputFormat: 'nv12' }, 'width', /63.*even/],
    // RGB input is encoded as 4:2:0: an odd size used to pass here and fail at initialize with option undefined.
    [
      'odd height for bgra (4:2:0 output)',
      { width: 64, height: 65, inputFormat: 'bgra' },
      'height',
      /height: 65; RGB input is encoded as 4:2:0.*even/,
    ],
    ['odd width for rgba (4:2:0 output)', { width: 65, height: 64, inputFormat: 'rgba' }, 'width', /width: 65;.*even/],
    ['bitrate', { width: 64, height: 64, bitrate: -5 }, 'bitrate', /bitrate: -5; expected an integer/],
    [
      'maxBitrate below bitrate',
      { width: 64, height: 64, bitrate: 2_000_000, maxBitrate: 1_000_000 },
      'maxBitrate',
      /≥ bitrate/,
    ],
    ['fps', { width: 64, height: 64, fps: 0 }, 'fps', /fps: 0/],
    ['gop', { width: 64, height: 64, gop: 0 }, 'gop', /'infinite' or a number of frames/],
    [
      'bFrames',
      { width: 64, height: 64, bFrames: 9, zeroReorderDelay: false },
      'bFrames',
      /bFrames: 9; expected an integer from 0 to 4/,
    ],
    [
      'zeroReorderDelay with B-frames',
      { width: 64, height: 64, bFrames: 2, zeroReorderDelay: true },
      'zeroReorderDelay',
      /B-frames reorder/,
    ],
    ['extraOutputDelay', { width: 64, height: 64, extraOutputDelay: -1 }, 'extraOutputDelay', /-1/],
    [
      'profile for codec',
      { width: 64, height: 64, codec: 'hevc', profile: 'baseline' },
      'profile',
      /a profile of hevc/,
    ],
    [
      'baseline with yuv444',
      { width: 64, height: 64, profile: 'baseline', inputFormat: 'yuv444' },
      'profile',
      /'high444'/,
    ],
    ['p010 with h264', { width: 64, height: 64, inputFormat: 'p010' }, 'inputFormat', /no 10-bit H\.264/],
    ['yuv444 with av1', { width: 64, height: 64, codec: 'av1', inputFormat: 'yuv444' }, 'inputFormat', /4:2:0 only/],
    [
      'qp range',
      { width: 64, height: 64, rateControl: 'cqp', qp: 60 },
      'qp',
      /qp: 60; expected an integer from 0 to 51/,
    ],
    [
      'colour.primaries',
      { width: 64, height: 64, colour: { primaries: 'pq' } },
      'colour.primaries',
      /'pq'.*'bt709'.*H\.273/,
    ],
    ['colour.transfer', { width: 64, height: 64, colour: { transfer: 300 } }, 'colour.transfer', /300/],
    ['colour.matrix', { width: 64, height: 64, colour: { matrix: 'srgb' } }, 'colour.matrix', /'srgb'/],
    ['colour.fullRange', { width: 64, height: 64, colour: { fullRange: 'yes' } }, 'colour.fullRange', /true or false/],
    ['repeatSpsPps', { width: 64, height: 64, repeatSpsPps: 1 }, 'repeatSpsPps', /true or false/],
    ['abi', { width: 64, height: 64, abi: 12 }, 'abi', /'12\.1'/],
    ['device', { width: 64, height: 64, device: 'gpu0' }, 'device', /'auto', 'software'/],
    ['device.gpu', { width: 64, height: 64, device: { gpu: -1 } }, 'device.gpu', /-1/],
    ['unknown option', { width: 64, height: 64, color: {} }, 'color', /did you mean 'colour'/],
  ])('%s', (_name, options, option, message) => {
    const err = invalidOption(options);
    expect(err.option).toBe(option);
    expect(err.code).toBe('INVALID_OPTION');
    expect(err.message).toContain(option);
    expect(err.message).toMatch(message);
  });
});

describe('conversion to the native options', () => {
  it('passes fps as a fraction, the device libraries and the low-latency switches', () => {
    const resolved = resolveEncoderOptions({
      width: 640,
      height: 360,
      fps: 29.97,
      codec: 'hevc',
      inputFormat: 'nv12',
      colour: { primaries: 'bt709' },
    });
    const native = toNativeOptions(resolved, {
      cudaLibrary: '/x/libcuda.so.1',
      nvencLibrary: '/x/libnvidia-encode.so.1',
      gpu: 1,
    });
    expect(native).toMatchObject({
      cudaLibrary: '/x/libcuda.so.1',
      nvencLibrary: '/x/libnvidia-encode.so.1',
      gpu: 1,
      width: 640,
      height: 360,
      codec: 'hevc',
      fpsNum: 30000,
      fpsDen: 1001,
      gop: 0xffffffff,
      idrPeriod: 0xffffffff,
      bFrames: 0,
      extraOutputDelay: 0,
      repeatSpsPps: true,
      zeroReorderDelay: true,
      inputFormat: 'nv12',
      colour: { primaries: 1 },
    });
    expect(native).not.toHaveProperty('fps');
    expect(native).not.toHaveProperty('cudaContext');
  });
  it('passes a CUDA context handle through', () => {
    const resolved = resolveEncoderOptions({ width: 64, height: 64 });
    expect(
      toNativeOptions(resolved, { cudaLibrary: 'a', nvencLibrary: 'b', gpu: 0, cudaContext: 0x1234n }).cudaContext,
    ).toBe(0x1234n);
  });
});
