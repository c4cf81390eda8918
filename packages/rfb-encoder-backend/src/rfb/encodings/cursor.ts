import type { PixelTranslator } from '../pixel-format.js';

/** A pointer shape for the Cursor pseudo-encoding: RGBA pixels, alpha ≥ 128 is drawn. */
export interface CursorShape {
  width: number;
  height: number;
  hotX: number;
  hotY: number;
  /** width * height * 4 bytes, R,G,B,A. */
  rgba: Uint8Array;
}

/** A 12×19 arrow (black outline, white fill), hot spot at its tip: what viewers draw until told otherwise. */
export function defaultCursor(): CursorShape {
  const rows = [
    'X...........',
    'XX..........',
    'XoX.........',
    'XooX........',
    'XoooX.......',
    'XooooX......',
    'XoooooX.....',
    'XooooooX....',
    'XoooooooX...',
    'XooooooooX..',
    'XoooooooooX.',
    'XooooooXXXXX',
    'XoooXooX....',
    'XooXXooX....',
    'XoX..XooX...',
    'XX...XooX...',
    'X.....XooX..',
    '......XooX..',
    '.......XX...',
  ];
  const width = 12;
  const height = rows.length;
  const rgba = new Uint8Array(width * height * 4);
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) {
      const c = row[x];
      if (c === '.') continue;
      const v = c === 'o' ? 255 : 0;
      rgba.set([v, v, v, 255], (y * width + x) * 4);
    }
  });
  return { width, height, hotX: 0, hotY: 0, rgba };
}

/** Cursor pseudo-encoding body (rfbproto, -239): PIXELs in the client's format, then the bitmask. */
export function encodeCursor(shape: CursorShape, pf: PixelTranslator): Buffer {
  const { width, height, rgba } = shape;
  const maskRow = (width + 7) >> 3;
  const out = Buffer.alloc(width * height * pf.bytesPerPixel + maskRow * height);
  let o = 0;
  const maskStart = width * height * pf.bytesPerPixel;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      o = pf.writePixel(pf.value((rgba[i]! << 16) | (rgba[i + 1]! << 8) | rgba[i + 2]!), out, o);
      if (rgba[i + 3]! >= 128) out[maskStart + y * maskRow + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return out;
}
