/**
 * Summary statistics for per-frame samples. Percentiles use linear interpolation between closest
 * ranks (the "R-7" definition used by NumPy's default and most spreadsheets), so p50 of [1, 2] is 1.5
 * and a single sample is every percentile.
 */

export interface Summary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  stddev: number;
}

/** Percentile `p` (0..100) of samples that are already sorted ascending. NaN for no samples. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[n - 1]!;
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

/** Percentile `p` (0..100) of unsorted samples (copies before sorting). */
export function percentile(samples: ArrayLike<number>, p: number): number {
  return percentileSorted(sortedCopy(samples), p);
}

function sortedCopy(samples: ArrayLike<number>): Float64Array {
  const copy = Float64Array.from(samples);
  copy.sort();
  return copy;
}

export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = sortedCopy(samples);
  const n = sorted.length;
  if (n === 0) {
    return { count: 0, mean: NaN, min: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN, stddev: NaN };
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (sorted[i]! - mean) ** 2;
  return {
    count: n,
    mean,
    min: sorted[0]!,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    max: sorted[n - 1]!,
    stddev: n > 1 ? Math.sqrt(sq / (n - 1)) : 0,
  };
}

export interface Histogram {
  /** Lower edge of each bin; bin i covers [edges[i], edges[i + 1]), the last bin includes `max`. */
  edges: number[];
  counts: number[];
  binWidth: number;
}

/**
 * Fixed-width histogram over [min, max] of the samples. The bin width is rounded to a 1-2-5 step so
 * that the chart's axis labels are readable numbers.
 */
export function histogram(samples: ArrayLike<number>, targetBins = 40): Histogram {
  const n = samples.length;
  if (n === 0) return { edges: [0], counts: [], binWidth: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = samples[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min;
  const binWidth = span > 0 ? niceStep(span / Math.max(1, targetBins)) : Math.max(Math.abs(min) * 0.01, 1e-9);
  const start = Math.floor(min / binWidth) * binWidth;
  const bins = Math.max(1, Math.floor((max - start) / binWidth) + 1);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    const idx = Math.min(bins - 1, Math.floor((samples[i]! - start) / binWidth));
    counts[idx]! += 1;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => roundTo(start + i * binWidth, binWidth));
  return { edges, counts, binWidth };
}

/** Smallest 1, 2 or 5 times a power of ten that is >= x. */
export function niceStep(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const exp = Math.floor(Math.log10(x));
  const base = 10 ** exp;
  for (const m of [1, 2, 5, 10]) {
    if (m * base >= x * (1 - 1e-12)) return m * base;
  }
  return 10 * base;
}

function roundTo(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(decimals, 12)));
}
