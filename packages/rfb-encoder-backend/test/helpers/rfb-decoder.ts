import { constants, inflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import type { PixelFormat } from '../../src/rfb/client-parser.js';

/**
 * A viewer's side of the image encodings, written for the tests from RFC 6143 / rfbproto: keeps
 * a framebuffer of RGB triples and applies Raw, CopyRect, ZRLE and Tight rectangles in the
 * client's pixel format. zlib streams are decoded by inflating everything received so far on that
 * stream (quadratic, fine for test-sized data) and taking the new tail.
 */
export class RfbDecoder {
  rgb: Uint8Array;
  readonly rects: { x: number; y: number; width: number; height: number; encoding: number }[] = [];
  cursor: { width: number; height: number; hotX: number; hotY: number } | null = null;
  /** Colour map (RFC 6143 §7.6.2) as 8-bit RGB, for a format with true-colour-flag 0. */
  colourMap: [number, number, number][] = [];
  /** Tight rectangles that came as JPEG. */
  jpegRects = 0;
  private readonly streams = new Map<string, { compressed: Buffer; produced: number }>();

  constructor(
    public width: number,
    public height: number,
    public format: PixelFormat,
  ) {
    this.rgb = new Uint8Array(width * height * 3);
  }

  pixel(x: number, y: number): [number, number, number] {
    const i = (y * this.width + x) * 3;
    return [this.rgb[i]!, this.rgb[i + 1]!, this.rgb[i + 2]!];
  }

  private get bpp(): number {
    return this.format.bitsPerPixel / 8;
  }

  /** Applies a SetColourMapEntries body (after its message type byte). */
  async setColourMapEntries(read: (n: number) => Promise<Buffer>): Promise<void> {
    const h = await read(5);
    const first = h.readUInt16BE(1);
    const count = h.readUInt16BE(3);
    const b = await read(6 * count);
    for (let i = 0; i < count; i++)
      this.colourMap[first + i] = [0, 2, 4].map((o) => Math.round(b.readUInt16BE(6 * i + o) / 257)) as [
        number,
        number,
        number,
      ];
  }

  /** RGB of a pixel value in the client's format, scaled back to 0-255. */
  private toRgb(v: number): [number, number, number] {
    const f = this.format;
    if (!f.trueColour) {
      const c = this.colourMap[v];
      if (!c) throw new Error(`pixel ${v} is not in the colour map (${this.colourMap.length} entries)`);
      return c;
    }
    const c = (shift: number, max: number) => Math.round((((v >>> shift) & max) * 255) / max);
    return [c(f.redShift, f.redMax), c(f.greenShift, f.greenMax), c(f.blueShift, f.blueMax)];
  }

  private readPixel(b: Buffer, o: number, bytes: number): number {
    const f = this.format;
    if (bytes === 1) return b[o]!;
    if (bytes === 2) return f.bigEndian ? b.readUInt16BE(o) : b.readUInt16LE(o);
    return f.bigEndian ? b.readUInt32BE(o) : b.readUInt32LE(o);
  }

  private set(x: number, y: number, rgb: readonly number[]): void {
    const i = (y * this.width + x) * 3;
    this.rgb[i] = rgb[0]!;
    this.rgb[i + 1] = rgb[1]!;
    this.rgb[i + 2] = rgb[2]!;
  }

  private cpixelBytes(): number {
    const f = this.format;
    if (f.bitsPerPixel !== 32 || !f.trueColour || f.depth > 24) return this.bpp;
    const used = ((f.redMax << f.redShift) | (f.greenMax << f.greenShift) | (f.blueMax << f.blueShift)) >>> 0;
    return (used & 0xff000000) === 0 || (used & 0xff) === 0 ? 3 : 4;
  }

  private readCpixel(b: Buffer, o: number): [number, number, number] {
    const n = this.cpixelBytes();
    if (n !== 3) return this.toRgb(this.readPixel(b, o, n));
    const f = this.format;
    const used = ((f.redMax << f.redShift) | (f.greenMax << f.greenShift) | (f.blueMax << f.blueShift)) >>> 0;
    const low = (used & 0xff000000) === 0;
    const four = Buffer.alloc(4);
    // Put the 3 bytes back where they were in the 4-byte pixel.
    const skip = low ? (f.bigEndian ? 0 : 3) : f.bigEndian ? 3 : 0;
    for (let i = 0, j = 0; i < 4; i++) if (i !== skip) four[i] = b[o + j++]!;
    return this.toRgb(this.readPixel(four, 0, 4));
  }

  private tpixelBytes(): number {
    const f = this.format;
    return f.bitsPerPixel === 32 &&
      f.trueColour &&
      f.depth === 24 &&
      f.redMax === 255 &&
      f.greenMax === 255 &&
      f.blueMax === 255
      ? 3
      : this.bpp;
  }

  private readTpixel(b: Buffer, o: number): [number, number, number] {
    return this.tpixelBytes() === 3 ? [b[o]!, b[o + 1]!, b[o + 2]!] : this.toRgb(this.readPixel(b, o, this.bpp));
  }

  private inflate(stream: string, data: Buffer): Buffer {
    const s = this.streams.get(stream) ?? { compressed: Buffer.alloc(0), produced: 0 };
    s.compressed = Buffer.concat([s.compressed, data]);
    const all = inflateSync(s.compressed, { finishFlush: constants.Z_SYNC_FLUSH });
    const out = all.subarray(s.produced);
    s.produced = all.length;
    this.streams.set(stream, s);
    return out;
  }

  /** Reads and applies one FramebufferUpdate's rectangles (after its message type byte). */
  async update(read: (n: number) => Promise<Buffer>): Promise<number> {
    const count = (await read(3)).readUInt16BE(1);
    let n = 0;
    for (let i = 0; i < count; i++) {
      const h = await read(12);
      const r = {
        x: h.readUInt16BE(0),
        y: h.readUInt16BE(2),
        width: h.readUInt16BE(4),
        height: h.readUInt16BE(6),
        encoding: h.readInt32BE(8),
      };
      if (r.encoding === -224) break; // LastRect
      this.rects.push(r);
      n++;
      await this.rect(r, read);
    }
    return n;
  }

  private async rect(
    r: { x: number; y: number; width: number; height: number; encoding: number },
    read: (n: number) => Promise<Buffer>,
  ): Promise<void> {
    const { x, y, width: w, height: h } = r;
    switch (r.encoding) {
      case 0: {
        const b = await read(w * h * this.bpp);
        for (let j = 0; j < h; j++)
          for (let i = 0; i < w; i++)
            this.set(x + i, y + j, this.toRgb(this.readPixel(b, (j * w + i) * this.bpp, this.bpp)));
        return;
      }
      case 1: {
        const b = await read(4);
        const sx = b.readUInt16BE(0);
        const sy = b.readUInt16BE(2);
        const copy = new Uint8Array(w * h * 3);
        for (let j = 0; j < h; j++)
          copy.set(
            this.rgb.subarray(((sy + j) * this.width + sx) * 3, ((sy + j) * this.width + sx + w) * 3),
            j * w * 3,
          );
        for (let j = 0; j < h; j++)
          this.rgb.set(copy.subarray(j * w * 3, (j + 1) * w * 3), ((y + j) * this.width + x) * 3);
        return;
      }
      case 16:
        return this.zrle(r, await read((await read(4)).readUInt32BE(0)));
      case 7:
        return this.tight(r, read);
      case -239: {
        await read(w * h * this.bpp + ((w + 7) >> 3) * h);
        this.cursor = { width: w, height: h, hotX: x, hotY: y };
        return;
      }
      case -223:
      case -308: {
        if (r.encoding === -308) {
          const screens = (await read(4))[0]!;
          await read(16 * screens);
        }
        this.width = w;
        this.height = h;
        this.rgb = new Uint8Array(w * h * 3);
        return;
      }
      default:
        throw new Error(`decoder: unexpected encoding ${r.encoding}`);
    }
  }

  private zrle(r: { x: number; y: number; width: number; height: number }, compressed: Buffer): void {
    const data = this.inflate('zrle', compressed);
    let o = 0;
    const cp = this.cpixelBytes();
    const runLength = () => {
      let n = 1;
      let b: number;
      do {
        b = data[o++]!;
        n += b;
      } while (b === 255);
      return n;
    };
    for (let ty = r.y; ty < r.y + r.height; ty += 64) {
      for (let tx = r.x; tx < r.x + r.width; tx += 64) {
        const tw = Math.min(64, r.x + r.width - tx);
        const th = Math.min(64, r.y + r.height - ty);
        const sub = data[o++]!;
        const pixels: (readonly number[])[] = [];
        if (sub === 0) for (let i = 0; i < tw * th; i++, o += cp) pixels.push(this.readCpixel(data, o));
        else if (sub === 1) {
          const c = this.readCpixel(data, o);
          o += cp;
          for (let i = 0; i < tw * th; i++) pixels.push(c);
        } else if (sub <= 16) {
          const palette: (readonly number[])[] = [];
          for (let i = 0; i < sub; i++, o += cp) palette.push(this.readCpixel(data, o));
          const bits = sub <= 2 ? 1 : sub <= 4 ? 2 : 4;
          for (let j = 0; j < th; j++) {
            let bitPos = 0;
            for (let i = 0; i < tw; i++) {
              const byte = data[o + (bitPos >> 3)]!;
              const idx = (byte >> (8 - bits - (bitPos & 7))) & ((1 << bits) - 1);
              pixels.push(palette[idx]!);
              bitPos += bits;
            }
            o += Math.ceil((tw * bits) / 8);
          }
        } else if (sub === 128) {
          while (pixels.length < tw * th) {
            const c = this.readCpixel(data, o);
            o += cp;
            const n = runLength();
            for (let i = 0; i < n; i++) pixels.push(c);
          }
        } else if (sub >= 130) {
          const palette: (readonly number[])[] = [];
          for (let i = 0; i < sub - 128; i++, o += cp) palette.push(this.readCpixel(data, o));
          while (pixels.length < tw * th) {
            const idx = data[o++]!;
            const n = idx & 128 ? runLength() : 1;
            for (let i = 0; i < n; i++) pixels.push(palette[idx & 127]!);
          }
        } else throw new Error(`decoder: ZRLE subencoding ${sub}`);
        for (let j = 0; j < th; j++) for (let i = 0; i < tw; i++) this.set(tx + i, ty + j, pixels[j * tw + i]!);
      }
    }
  }

  private async tight(
    r: { x: number; y: number; width: number; height: number },
    read: (n: number) => Promise<Buffer>,
  ): Promise<void> {
    const { x, y, width: w, height: h } = r;
    const control = (await read(1))[0]!;
    for (let i = 0; i < 4; i++) if (control & (1 << i)) this.streams.delete(`tight${i}`);
    const compactLength = async () => {
      let n = 0;
      for (let shift = 0; shift < 21; shift += 7) {
        const b = (await read(1))[0]!;
        n |= (b & 0x7f) << shift;
        if (!(b & 0x80) || shift === 14) break;
      }
      return n;
    };
    const kind = control >> 4;
    if (kind === 8) {
      const c = this.readTpixel(await read(this.tpixelBytes()), 0);
      for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.set(x + i, y + j, c);
      return;
    }
    if (kind === 9) {
      this.jpegRects++;
      const img = jpeg.decode(await read(await compactLength()), { useTArray: true });
      for (let j = 0; j < h; j++)
        for (let i = 0; i < w; i++)
          this.set(x + i, y + j, [...img.data.subarray((j * w + i) * 4, (j * w + i) * 4 + 3)]);
      return;
    }
    if (kind & 8) throw new Error(`decoder: Tight control ${control}`);
    const stream = kind & 3;
    const filter = kind & 4 ? (await read(1))[0]! : 0;
    let palette: (readonly number[])[] | null = null;
    if (filter === 1) {
      const n = (await read(1))[0]! + 1;
      const b = await read(n * this.tpixelBytes());
      palette = [];
      for (let i = 0; i < n; i++) palette.push(this.readTpixel(b, i * this.tpixelBytes()));
    } else if (filter !== 0) throw new Error(`decoder: Tight filter ${filter}`);
    const size = palette ? (palette.length === 2 ? ((w + 7) >> 3) * h : w * h) : w * h * this.tpixelBytes();
    const data = size < 12 ? await read(size) : this.inflate(`tight${stream}`, await read(await compactLength()));
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        let c: readonly number[];
        if (!palette) c = this.readTpixel(data, (j * w + i) * this.tpixelBytes());
        else if (palette.length === 2) c = palette[(data[j * ((w + 7) >> 3) + (i >> 3)]! >> (7 - (i & 7))) & 1]!;
        else c = palette[data[j * w + i]!]!;
        this.set(x + i, y + j, c);
      }
    }
  }
}
