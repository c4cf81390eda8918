import jpeg from 'jpeg-js';
import type { Framebuffer } from '../framebuffer.js';
import type { PixelTranslator } from '../pixel-format.js';
import { ZlibStream } from '../zlib-stream.js';
import { collectPalette } from './palette.js';

/** JPEG quality for Tight's quality levels 0-9 (pseudo-encodings -32..-23), as TigerVNC maps them. */
const JPEG_QUALITY = [15, 29, 41, 42, 62, 77, 79, 86, 92, 100] as const;
/** rfbproto: Tight rectangles are at most 2048 pixels wide; servers keep them to 64 Ki pixels. */
export const TIGHT_MAX_WIDTH = 2048;
export const TIGHT_MAX_PIXELS = 65536;
/** More distinct colours than this in a rectangle of at least JPEG_MIN_PIXELS reads as photo-like. */
const PHOTO_COLOURS = 48;
const JPEG_MIN_PIXELS = 32 * 32;

const Control = { Fill: 0x80, Jpeg: 0x90, ReadFilter: 0x40 } as const;
const Filter = { Copy: 0, Palette: 1 } as const;
/** Stream per kind of data, so each stream sees similar bytes: full colour, two-colour bitmaps, indices. */
const Stream = { FullColour: 0, Mono: 1, Indexed: 2 } as const;

/** A connection's Tight state: its four zlib streams and the client's quality/compression choice. */
export class TightEncoder {
  private readonly streams = [0, 1, 2, 3].map(() => new ZlibStream(6));
  /** 0-9, or null when the client sent no quality level (then JPEG is never used, as in TigerVNC). */
  jpegQuality: number | null = null;

  setCompressLevel(level: number): void {
    for (const s of this.streams) s.setLevel(level);
  }

  /** One Tight rectangle's data (after the rectangle header). Caller keeps w ≤ 2048, w*h ≤ 65536. */
  encode(fb: Framebuffer, x: number, y: number, w: number, h: number, pf: PixelTranslator): Buffer {
    const words = fb.words;
    const start = y * fb.width + x;
    const palette = collectPalette(words, start, w, h, fb.width, 256);
    if (palette && palette.size === 1) {
      const out = Buffer.allocUnsafe(1 + pf.tpixelBytes);
      out[0] = Control.Fill;
      pf.writeTpixel(words[start]!, out, 1);
      return out;
    }
    const photo = !palette || palette.size > PHOTO_COLOURS;
    if (photo && this.jpegQuality !== null && pf.bytesPerPixel >= 2 && pf.format.trueColour && w * h >= JPEG_MIN_PIXELS)
      return this.jpeg(fb, x, y, w, h);
    if (palette) return this.palette(fb, start, w, h, pf, palette);
    return this.copy(fb, start, w, h, pf);
  }

  private jpeg(fb: Framebuffer, x: number, y: number, w: number, h: number): Buffer {
    const rgba = Buffer.allocUnsafe(w * h * 4);
    let o = 0;
    for (let row = 0; row < h; row++) {
      for (let i = (y + row) * fb.width + x, end = i + w; i < end; i++) {
        const p = fb.words[i]!;
        rgba[o++] = (p >>> 16) & 0xff;
        rgba[o++] = (p >>> 8) & 0xff;
        rgba[o++] = p & 0xff;
        rgba[o++] = 255;
      }
    }
    const data = jpeg.encode({ data: rgba, width: w, height: h }, JPEG_QUALITY[this.jpegQuality!]).data;
    return Buffer.concat([Buffer.from([Control.Jpeg]), compactLength(data.length), data]);
  }

  private palette(
    fb: Framebuffer,
    start: number,
    w: number,
    h: number,
    pf: PixelTranslator,
    palette: Map<number, number>,
  ): Buffer {
    const n = palette.size;
    const stream = n === 2 ? Stream.Mono : Stream.Indexed;
    const head = Buffer.allocUnsafe(3 + n * pf.tpixelBytes);
    head[0] = (stream << 4) | Control.ReadFilter;
    head[1] = Filter.Palette;
    head[2] = n - 1;
    let o = 3;
    for (const word of palette.keys()) o = pf.writeTpixel(word, head, o);
    let data: Buffer;
    if (n === 2) {
      const rowBytes = (w + 7) >> 3;
      data = Buffer.alloc(rowBytes * h);
      for (let row = 0; row < h; row++) {
        for (let i = start + row * fb.width, col = 0; col < w; i++, col++) {
          if (palette.get(fb.words[i]! & 0xffffff) === 1) data[row * rowBytes + (col >> 3)]! |= 0x80 >> (col & 7);
        }
      }
    } else {
      data = Buffer.allocUnsafe(w * h);
      let d = 0;
      for (let row = 0; row < h; row++)
        for (let i = start + row * fb.width, end = i + w; i < end; i++)
          data[d++] = palette.get(fb.words[i]! & 0xffffff)!;
    }
    return Buffer.concat([head, this.compressed(stream, data)]);
  }

  private copy(fb: Framebuffer, start: number, w: number, h: number, pf: PixelTranslator): Buffer {
    const data = Buffer.allocUnsafe(w * h * pf.tpixelBytes);
    let o = 0;
    for (let row = 0; row < h; row++)
      for (let i = start + row * fb.width, end = i + w; i < end; i++) o = pf.writeTpixel(fb.words[i]!, data, o);
    return Buffer.concat([Buffer.from([Stream.FullColour << 4]), this.compressed(Stream.FullColour, data)]);
  }

  /** Fewer than 12 bytes go as they are; more go through the stream, after a compact length. */
  private compressed(stream: number, data: Buffer): Buffer {
    if (data.length < 12) return data;
    const z = this.streams[stream]!.deflate(data);
    return Buffer.concat([compactLength(z.length), z]);
  }
}

/** Tight's 1-3 byte length: 7 bits per byte, low bits first, high bit = more follows. */
export function compactLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([(n & 0x7f) | 0x80, n >> 7]);
  return Buffer.from([(n & 0x7f) | 0x80, ((n >> 7) & 0x7f) | 0x80, n >> 14]);
}
