/** Distinct colours of a list of words, up to `limit` (null past it), in order of appearance. */
export function collectPalette(
  words: Uint32Array,
  start: number,
  w: number,
  h: number,
  stride: number,
  limit: number,
): Map<number, number> | null {
  const palette = new Map<number, number>();
  let last = -1;
  for (let row = 0; row < h; row++) {
    let i = start + row * stride;
    const end = i + w;
    for (; i < end; i++) {
      const p = words[i]! & 0xffffff;
      if (p === last) continue;
      last = p;
      if (!palette.has(p)) {
        if (palette.size === limit) return null;
        palette.set(p, palette.size);
      }
    }
  }
  return palette;
}
