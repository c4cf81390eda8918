import { describe, expect, it } from 'vitest';
import { histogram, niceStep, percentile, summarize } from '../src/stats.js';

describe('percentiles', () => {
  it('interpolate linearly between closest ranks', () => {
    expect(percentile([1, 2], 50)).toBe(1.5);
    expect(percentile([10, 20, 30, 40, 50], 90)).toBeCloseTo(46);
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 100)).toBe(3);
  });

  it('of one sample are that sample; of none are NaN', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarize gives count, mean, p50/p90/p99, min, max and stddev', () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(s).toMatchObject({ count: 100, mean: 50.5, min: 1, max: 100 });
    expect(s.p50).toBeCloseTo(50.5);
    expect(s.p99).toBeCloseTo(99.01);
    expect(s.stddev).toBeCloseTo(29.011, 2);
  });
});

describe('histogram', () => {
  it('counts every sample once, with 1-2-5 bin widths', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => 100 + (i % 97) * 3.3);
    const h = histogram(samples, 40);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(h.edges).toHaveLength(h.counts.length + 1);
    expect([1, 2, 5].some((m) => Math.abs(h.binWidth / 10 ** Math.floor(Math.log10(h.binWidth)) - m) < 1e-9)).toBe(
      true,
    );
  });

  it('puts identical samples into one bin', () => {
    expect(histogram([5, 5, 5]).counts).toEqual([3]);
  });

  it('niceStep rounds up to 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(0.7)).toBe(1);
    expect(niceStep(1.2)).toBe(2);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(51)).toBe(100);
  });
});
