import type { PixelFormat } from './client-parser.js';
import type { Framebuffer } from './framebuffer.js';

/** Where the red, green and blue bits of a colour-map index lie (see `colourMapLayout`). */
export type ColourMapLayout = Pick<
  PixelFormat,
  'redMax' | 'greenMax' | 'blueMax' | 'redShift' | 'greenShift' | 'blueShift'
>;

/**
 * The palette this server gives a colour-map client (RFC 6143 §7.5.1: true-colour-flag 0): the
 * index's low min(depth, 8) bits hold red, green and blue levels (3-3-2 at depth 8, the classic
 * BGR233 cube), so translating a pixel stays three table loads, as for true colour.
 */
export function colourMapLayout(depth: number): ColourMapLayout {
  const bits = Math.min(depth, 8);
  const green = Math.ceil(bits / 3);
  const red = Math.ceil((bits - green) / 2);
  const blue = bits - green - red;
  return {
    redMax: 2 ** red - 1,
    greenMax: 2 ** green - 1,
    blueMax: 2 ** blue - 1,
    redShift: 0,
    greenShift: red,
    blueShift: red + green,
  };
}

/** The palette's colours, index by index, as RFC 6143 §7.6.2 sends them (16-bit intensities). */
export function colourMapPalette(depth: number): { red: number; green: number; blue: number }[] {
  const l = colourMapLayout(depth);
  const level = (index: number, max: number, shift: number) =>
    max === 0 ? 0 : Math.round((((index >> shift) & max) * 65535) / max);
  const size = 2 ** Math.min(depth, 8);
  return Array.from({ length: size }, (_, i) => ({
    red: level(i, l.redMax, l.redShift),
    green: level(i, l.greenMax, l.greenShift),
    blue: level(i, l.blueMax, l.blueShift),
  }));
}

/**
 * Turns the server's 0x..RRGGBB words into a client's pixel format (RFC 6143 §7.4: true colour,
 * 8/16/32 bits per pixel, any maxima and shifts, either byte order). One lookup table per
 * channel: a pixel is three loads and two ORs.
 */
export class PixelTranslator {
  readonly bytesPerPixel: 1 | 2 | 4;
  /** Bytes of a ZRLE CPIXEL (RFC 6143 §7.7.6): 3 when a 32-bit pixel's colour fits in 3 of its bytes. */
  readonly cpixelBytes: 1 | 2 | 3 | 4;
  /** Bytes of a Tight TPIXEL: 3 (R,G,B) for 32 bpp depth 24 with maxima 255, else a whole pixel. */
  readonly tpixelBytes: 1 | 2 | 3 | 4;
  /** The client takes the server's own format: rows can be copied as they are. */
  readonly native: boolean;
  private readonly r = new Uint32Array(256);
  private readonly g = new Uint32Array(256);
  private readonly b = new Uint32Array(256);
  /** Which byte of the 4-byte wire pixel a 3-byte CPIXEL leaves out. */
  private readonly cpixelSkip: number;

  constructor(readonly format: PixelFormat) {
    this.bytesPerPixel = (format.bitsPerPixel / 8) as 1 | 2 | 4;
    // A colour-map client gets indices into the fixed palette `colourMapPalette` sends.
    const channels = format.trueColour ? format : colourMapLayout(format.depth);
    for (let v = 0; v < 256; v++) {
      this.r[v] = (Math.floor((v * channels.redMax + 127) / 255) << channels.redShift) >>> 0;
      this.g[v] = (Math.floor((v * channels.greenMax + 127) / 255) << channels.greenShift) >>> 0;
      this.b[v] = (Math.floor((v * channels.blueMax + 127) / 255) << channels.blueShift) >>> 0;
    }
    this.native =
      format.bitsPerPixel === 32 &&
      !format.bigEndian &&
      format.trueColour &&
      format.redMax === 255 &&
      format.greenMax === 255 &&
      format.blueMax === 255 &&
      format.redShift === 16 &&
      format.greenShift === 8 &&
      format.blueShift === 0;
    const used = (this.r[255]! | this.g[255]! | this.b[255]!) >>> 0;
    this.cpixelSkip = -1;
    if (format.bitsPerPixel === 32 && format.trueColour && format.depth <= 24) {
      // Colour bits only in the low 3 bytes: drop the most significant byte, else the least.
      if ((used & 0xff000000) === 0) this.cpixelSkip = format.bigEndian ? 0 : 3;
      else if ((used & 0xff) === 0) this.cpixelSkip = format.bigEndian ? 3 : 0;
    }
    this.cpixelBytes = this.cpixelSkip >= 0 ? 3 : this.bytesPerPixel;
    const is888 =
      format.bitsPerPixel === 32 &&
      format.depth === 24 &&
      format.trueColour &&
      format.redMax === 255 &&
      format.greenMax === 255 &&
      format.blueMax === 255;
    this.tpixelBytes = is888 ? 3 : this.bytesPerPixel;
  }

  /** The client's pixel value for a server word. */
  value(word: number): number {
    return (this.r[(word >>> 16) & 0xff]! | this.g[(word >>> 8) & 0xff]! | this.b[word & 0xff]!) >>> 0;
  }

  /** Writes a PIXEL; returns the offset after it. */
  writePixel(value: number, out: Buffer, offset: number): number {
    switch (this.bytesPerPixel) {
      case 1:
        out[offset] = value;
        return offset + 1;
      case 2:
        if (this.format.bigEndian) out.writeUInt16BE(value & 0xffff, offset);
        else out.writeUInt16LE(value & 0xffff, offset);
        return offset + 2;
      case 4:
        if (this.format.bigEndian) out.writeUInt32BE(value, offset);
        else out.writeUInt32LE(value, offset);
        return offset + 4;
    }
  }

  /** Writes a ZRLE CPIXEL for a server word. */
  writeCpixel(word: number, out: Buffer, offset: number): number {
    const v = this.value(word);
    if (this.cpixelSkip < 0) return this.writePixel(v, out, offset);
    const bytes = this.format.bigEndian ? [v >>> 24, v >>> 16, v >>> 8, v] : [v, v >>> 8, v >>> 16, v >>> 24];
    for (let i = 0; i < 4; i++) if (i !== this.cpixelSkip) out[offset++] = bytes[i]! & 0xff;
    return offset;
  }

  /** Writes a Tight TPIXEL for a server word. */
  writeTpixel(word: number, out: Buffer, offset: number): number {
    if (this.tpixelBytes === 3) {
      out[offset] = (word >>> 16) & 0xff;
      out[offset + 1] = (word >>> 8) & 0xff;
      out[offset + 2] = word & 0xff;
      return offset + 3;
    }
    return this.writePixel(this.value(word), out, offset);
  }

  /** The rectangle as packed PIXELs (Raw encoding's body). */
  rect(fb: Framebuffer, x: number, y: number, w: number, h: number): Buffer {
    const bpp = this.bytesPerPixel;
    const out = Buffer.allocUnsafe(w * h * bpp);
    if (this.native) {
      for (let row = 0; row < h; row++)
        fb.bytes.copy(out, row * w * 4, ((y + row) * fb.width + x) * 4, ((y + row) * fb.width + x + w) * 4);
      return out;
    }
    const words = fb.words;
    let o = 0;
    const big = this.format.bigEndian;
    for (let row = 0; row < h; row++) {
      let i = (y + row) * fb.width + x;
      const end = i + w;
      if (bpp === 1) for (; i < end; i++) out[o++] = this.value(words[i]!);
      else if (bpp === 2) {
        for (; i < end; i++, o += 2) {
          const v = this.value(words[i]!);
          if (big) {
            out[o] = v >>> 8;
            out[o + 1] = v & 0xff;
          } else {
            out[o] = v & 0xff;
            out[o + 1] = v >>> 8;
          }
        }
      } else
        for (; i < end; i++, o += 4)
          big ? out.writeUInt32BE(this.value(words[i]!), o) : out.writeUInt32LE(this.value(words[i]!), o);
    }
    return out;
  }
}
