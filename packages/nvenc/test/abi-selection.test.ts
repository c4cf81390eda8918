import { describe, expect, it } from 'vitest';
import { AbiUnsupportedError, BinaryNotFoundError } from '../src/errors.js';
import { selectAbi } from '../src/probe.js';

const BUILT = ['11.1', '12.1'];

describe('selectAbi picks the newest built ABI the driver supports', () => {
  it('driver max 11.1 → 11.1', () => expect(selectAbi('11.1', BUILT)).toBe('11.1'));
  it('driver max 12.1 → 12.1', () => expect(selectAbi('12.1', BUILT)).toBe('12.1'));
  it('driver max 13.0 → 12.1 (newer drivers accept older APIs)', () => expect(selectAbi('13.0', BUILT)).toBe('12.1'));
  it('driver max 12.0 → 11.1', () => expect(selectAbi('12.0', BUILT)).toBe('11.1'));
  it('compares versions numerically, not as strings (12.10 > 12.9)', () => {
    expect(selectAbi('12.10', ['12.9', '12.10'])).toBe('12.10');
  });
  it('unknown driver maximum (no driver) → newest built', () => expect(selectAbi(null, BUILT)).toBe('12.1'));
  it('is independent of the order of the built list', () => expect(selectAbi('13.0', ['12.1', '11.1'])).toBe('12.1'));

  it('driver max 10.0 → AbiUnsupportedError naming the API version and driver R470', () => {
    expect(() => selectAbi('10.0', BUILT)).toThrow(AbiUnsupportedError);
    expect(() => selectAbi('10.0', BUILT)).toThrow(
      'The driver supports NVENC API 10.0; this package needs ≥ 11.1, i.e. driver R470 or newer',
    );
    try {
      selectAbi('10.0', BUILT);
    } catch (err) {
      expect((err as AbiUnsupportedError).code).toBe('ABI_UNSUPPORTED');
    }
  });

  it('names R530 when only 12.1 is built and the driver is older', () => {
    expect(() => selectAbi('11.1', ['12.1'])).toThrow(/needs ≥ 12\.1, i\.e\. driver R530 or newer/);
  });

  it('no binary built at all → BinaryNotFoundError', () => {
    expect(() => selectAbi('12.1', [])).toThrow(BinaryNotFoundError);
  });
});

describe('forcing an ABI', () => {
  it('a forced built ABI wins over the newest', () => expect(selectAbi('13.0', BUILT, '11.1')).toBe('11.1'));
  it('a forced ABI not built → AbiUnsupportedError listing the built ones', () => {
    expect(() => selectAbi('13.0', BUILT, '13.0', 'env NVENC_ABI')).toThrow(AbiUnsupportedError);
    expect(() => selectAbi('13.0', BUILT, '13.0', 'env NVENC_ABI')).toThrow(
      /13\.0 was forced \(env NVENC_ABI\) but is not built; built ABIs: 11\.1, 12\.1/,
    );
  });
  it('a forced ABI newer than the driver → AbiUnsupportedError naming the needed driver', () => {
    expect(() => selectAbi('11.1', BUILT, '12.1')).toThrow(
      /supports NVENC API 11\.1; ABI 12\.1 needs driver R530 or newer/,
    );
  });
  it('a forced ABI with no driver known is accepted', () => expect(selectAbi(null, BUILT, '11.1')).toBe('11.1'));
});
