import type { Framebuffer } from './framebuffer.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Side of the square tiles damage is tracked in. */
export const DAMAGE_TILE = 64;

export function intersect(a: Rect, b: Rect): Rect | null {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

export function union(a: Rect | null, b: Rect): Rect {
  if (!a) return { ...b };
  const x0 = Math.min(a.x, b.x);
  const y0 = Math.min(a.y, b.y);
  return {
    x: x0,
    y: y0,
    width: Math.max(a.x + a.width, b.x + b.width) - x0,
    height: Math.max(a.y + a.height, b.y + b.height) - y0,
  };
}

/**
 * The parts of `region` where `current` differs from `previous` (what the client last received),
 * as rectangles of whole 64×64 tiles clipped to the region: dirty tiles next to each other in a
 * tile row become one run, and runs with the same span in consecutive tile rows are merged.
 * Rows that are equal across the whole region are skipped with one memcmp each, so a still
 * picture costs one pass of comparisons and produces nothing.
 */
export function changedRects(current: Framebuffer, previous: Framebuffer, region: Rect): Rect[] {
  const tile = DAMAGE_TILE;
  const stride = current.width * 4;
  const a = current.bytes;
  const b = previous.bytes;
  const tx0 = Math.floor(region.x / tile);
  const tx1 = Math.ceil((region.x + region.width) / tile);
  const tiles = tx1 - tx0;
  const dirty = new Uint8Array(tiles);
  let open: Rect[] = [];
  const done: Rect[] = [];
  for (let bandY = Math.floor(region.y / tile) * tile; bandY < region.y + region.height; bandY += tile) {
    const y0 = Math.max(bandY, region.y);
    const y1 = Math.min(bandY + tile, region.y + region.height);
    dirty.fill(0);
    let dirtyCount = 0;
    const rowStart = region.x * 4;
    const rowEnd = (region.x + region.width) * 4;
    for (let y = y0; y < y1 && dirtyCount < tiles; y++) {
      const base = y * stride;
      if (a.compare(b, base + rowStart, base + rowEnd, base + rowStart, base + rowEnd) === 0) continue;
      for (let t = 0; t < tiles; t++) {
        if (dirty[t]) continue;
        const s = base + Math.max((tx0 + t) * tile, region.x) * 4;
        const e = base + Math.min((tx0 + t + 1) * tile, region.x + region.width) * 4;
        if (a.compare(b, s, e, s, e) !== 0) {
          dirty[t] = 1;
          dirtyCount++;
        }
      }
    }
    // Runs of dirty tiles in this band.
    const runs: Rect[] = [];
    for (let t = 0; t < tiles;) {
      if (!dirty[t]) {
        t++;
        continue;
      }
      let u = t;
      while (u < tiles && dirty[u]) u++;
      const x0 = Math.max((tx0 + t) * tile, region.x);
      const x1 = Math.min((tx0 + u) * tile, region.x + region.width);
      runs.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
      t = u;
    }
    // Extend open rectangles whose span matches a run; close the rest.
    const next: Rect[] = [];
    for (const run of runs) {
      const i = open.findIndex((r) => r.x === run.x && r.width === run.width && r.y + r.height === run.y);
      if (i >= 0) {
        const r = open.splice(i, 1)[0]!;
        r.height += run.height;
        next.push(r);
      } else next.push(run);
    }
    done.push(...open);
    open = next;
  }
  done.push(...open);
  return done;
}

/** Splits a rectangle into pieces no wider than `maxWidth` and of at most `maxPixels` pixels. */
export function splitRect(r: Rect, maxWidth: number, maxPixels: number): Rect[] {
  const out: Rect[] = [];
  for (let x = r.x; x < r.x + r.width; x += maxWidth) {
    const w = Math.min(maxWidth, r.x + r.width - x);
    const rows = Math.max(1, Math.floor(maxPixels / w));
    for (let y = r.y; y < r.y + r.height; y += rows)
      out.push({ x, y, width: w, height: Math.min(rows, r.y + r.height - y) });
  }
  return out;
}

/** Copies a rectangle of `from` into `to` (same size): the client now has these pixels. */
export function copyRect(from: Framebuffer, to: Framebuffer, r: Rect): void {
  const stride = from.width * 4;
  for (let y = r.y; y < r.y + r.height; y++)
    from.bytes.copy(to.bytes, y * stride + r.x * 4, y * stride + r.x * 4, y * stride + (r.x + r.width) * 4);
}
