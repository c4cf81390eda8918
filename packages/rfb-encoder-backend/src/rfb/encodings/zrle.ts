import type { Framebuffer } from '../framebuffer.js';
import type { PixelTranslator } from '../pixel-format.js';
import type { ZlibStream } from '../zlib-stream.js';
import { collectPalette } from './palette.js';

const TILE = 64;

/**
 * ZRLE (RFC 6143 §7.7.6): 64×64 tiles, each the smallest of solid, packed palette, plain RLE,
 * palette RLE and raw CPIXELs, all through the connection's one zlib stream.
 */
export function encodeZrle(
  fb: Framebuffer,
  x: number,
  y: number,
  w: number,
  h: number,
  pf: PixelTranslator,
  zlib: ZlibStream,
): Buffer {
  const parts: Buffer[] = [];
  for (let ty = y; ty < y + h; ty += TILE) {
    const th = Math.min(TILE, y + h - ty);
    for (let tx = x; tx < x + w; tx += TILE) parts.push(zrleTile(fb, tx, ty, Math.min(TILE, x + w - tx), th, pf));
  }
  const body = zlib.deflate(Buffer.concat(parts));
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

function runLengthBytes(length: number): number {
  return Math.floor((length - 1) / 255) + 1;
}

function writeRunLength(length: number, out: Buffer, o: number): number {
  let n = length - 1;
  while (n >= 255) {
    out[o++] = 255;
    n -= 255;
  }
  out[o++] = n;
  return o;
}

function zrleTile(fb: Framebuffer, x: number, y: number, w: number, h: number, pf: PixelTranslator): Buffer {
  const words = fb.words;
  const stride = fb.width;
  const start = y * stride + x;
  const cp = pf.cpixelBytes;
  const palette = collectPalette(words, start, w, h, stride, 127);
  if (palette && palette.size === 1) {
    const out = Buffer.allocUnsafe(1 + cp);
    out[0] = 1;
    pf.writeCpixel(words[start]!, out, 1);
    return out;
  }
  // Runs in raster order across the whole tile.
  const runs: { word: number; length: number }[] = [];
  let runBytes = 0;
  let singles = 0;
  for (let row = 0; row < h; row++) {
    for (let i = start + row * stride, end = i + w; i < end; i++) {
      const p = words[i]! & 0xffffff;
      const last = runs[runs.length - 1];
      if (last && last.word === p) last.length++;
      else runs.push({ word: p, length: 1 });
    }
  }
  for (const r of runs) {
    runBytes += runLengthBytes(r.length);
    if (r.length === 1) singles++;
  }
  const rawSize = w * h * cp;
  const plainRle = runs.length * cp + runBytes;
  let best: 'raw' | 'packed' | 'plain-rle' | 'palette-rle' = 'raw';
  let bestSize = rawSize;
  if (plainRle < bestSize) [best, bestSize] = ['plain-rle', plainRle];
  if (palette) {
    const n = palette.size;
    const paletteRle = n * cp + runs.length + runBytes - singles;
    if (paletteRle < bestSize) [best, bestSize] = ['palette-rle', paletteRle];
    if (n <= 16) {
      const bits = n <= 2 ? 1 : n <= 4 ? 2 : 4;
      const packed = n * cp + Math.ceil((w * bits) / 8) * h;
      if (packed < bestSize) [best, bestSize] = ['packed', packed];
    }
  }
  const out = Buffer.alloc(1 + bestSize);
  let o = 1;
  switch (best) {
    case 'raw':
      out[0] = 0;
      for (let row = 0; row < h; row++)
        for (let i = start + row * stride, end = i + w; i < end; i++) o = pf.writeCpixel(words[i]!, out, o);
      break;
    case 'plain-rle':
      out[0] = 128;
      for (const r of runs) {
        o = pf.writeCpixel(r.word, out, o);
        o = writeRunLength(r.length, out, o);
      }
      break;
    case 'palette-rle':
      out[0] = 128 + palette!.size;
      for (const word of palette!.keys()) o = pf.writeCpixel(word, out, o);
      for (const r of runs) {
        const index = palette!.get(r.word)!;
        if (r.length === 1) out[o++] = index;
        else {
          out[o++] = index | 128;
          o = writeRunLength(r.length, out, o);
        }
      }
      break;
    case 'packed': {
      const n = palette!.size;
      out[0] = n;
      for (const word of palette!.keys()) o = pf.writeCpixel(word, out, o);
      const bits = n <= 2 ? 1 : n <= 4 ? 2 : 4;
      for (let row = 0; row < h; row++) {
        let acc = 0;
        let filled = 0;
        for (let i = start + row * stride, end = i + w; i < end; i++) {
          acc = (acc << bits) | palette!.get(words[i]! & 0xffffff)!;
          filled += bits;
          if (filled === 8) {
            out[o++] = acc;
            acc = 0;
            filled = 0;
          }
        }
        if (filled > 0) out[o++] = acc << (8 - filled);
      }
      break;
    }
  }
  return o === out.length ? out : out.subarray(0, o);
}
