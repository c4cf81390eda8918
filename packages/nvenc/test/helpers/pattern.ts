/** Smooth, moving test pictures in every input format, generated in JS (tight pitch). */
import { frameLayout } from '../../src/frame.js';
import type { InputFormat } from '../../src/options.js';

const TAU = Math.PI * 2;

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/**
 * Luma-like plane value at (x, y) of frame t, within video range: smooth sines with periods of
 * 24–64 pixels moving 3–4 pixels a frame, so a wrong frame, shift or channel order costs many dB.
 */
function lumaRow(width: number, y: number, height: number, t: number, out: Float64Array): void {
  const row = 30 * Math.cos((TAU * (y + 3 * t)) / 48);
  for (let x = 0; x < width; x++)
    out[x] = 128 + 50 * Math.sin((TAU * (x + 4 * t)) / 64) + row + 12 * Math.sin((TAU * (x - y)) / 24);
}

/** One frame of a smooth pattern, laid out exactly as the encoder expects it with a tight pitch. */
export function patternFrame(format: InputFormat, width: number, height: number, t: number): Buffer {
  const layout = frameLayout(format, width, height);
  const buf = Buffer.alloc(layout.frameBytes);
  const row = new Float64Array(width);
  switch (format) {
    case 'bgra':
    case 'rgba': {
      const [ri, gi, bi] = format === 'bgra' ? [2, 1, 0] : [0, 1, 2];
      for (let y = 0; y < height; y++) {
        lumaRow(width, y, height, t, row);
        const gy = 40 * Math.sin((TAU * (y - 2 * t)) / 40);
        for (let x = 0; x < width; x++) {
          const o = (y * width + x) * 4;
          buf[o + ri] = clamp8(row[x] as number);
          buf[o + gi] = clamp8(128 + 50 * Math.sin((TAU * (x - 3 * t)) / 56 + 1) + gy);
          buf[o + bi] = clamp8(128 + 70 * Math.sin((TAU * (x + y + 5 * t)) / 96));
          buf[o + 3] = 255;
        }
      }
      return buf;
    }
    case 'nv12':
    case 'yuv444':
    case 'p010': {
      const tenBit = format === 'p010';
      const put = (index: number, v8: number): void => {
        if (tenBit) buf.writeUInt16LE(Math.round(Math.min(1023, Math.max(0, v8 * 4))) << 6, index * 2);
        else buf[index] = clamp8(v8);
      };
      for (let y = 0; y < height; y++) {
        lumaRow(width, y, height, t, row);
        for (let x = 0; x < width; x++) put(y * width + x, row[x] as number);
      }
      // Chroma coordinates are in chroma samples (half resolution for 4:2:0): periods scale with w/h.
      const u = (x: number, y: number, w: number): number =>
        128 + 40 * Math.sin((TAU * (x + (2 * t * w) / width)) / (w / 6)) + 10 * Math.cos((TAU * y) / 20);
      const v = (x: number, y: number, w: number, h: number): number =>
        128 + 40 * Math.cos((TAU * (y - (2 * t * h) / height)) / (h / 5)) + 10 * Math.sin((TAU * x) / 30);
      if (format === 'yuv444') {
        const plane = width * height;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            put(plane + y * width + x, u(x, y, width));
            put(2 * plane + y * width + x, v(x, y, width, height));
          }
        }
      } else {
        const cw = width / 2;
        const ch = height / 2;
        const base = width * height;
        for (let y = 0; y < ch; y++) {
          for (let x = 0; x < cw; x++) {
            put(base + y * width + 2 * x, u(x, y, cw));
            put(base + y * width + 2 * x + 1, v(x, y, cw, ch));
          }
        }
      }
      return buf;
    }
  }
}

/** Pseudo-random noise (deterministic per seed): content that uses every bit the rate control allows. */
export function noiseFrame(bytes: number, seed: number): Buffer {
  const buf = Buffer.alloc(bytes);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    buf[i] = s & 0xff;
  }
  return buf;
}

/** Copies a tightly packed frame into rows of `pitch` bytes. */
export function padRows(tight: Buffer, rowBytes: number, rows: number, pitch: number): Buffer {
  const out = Buffer.alloc(pitch * rows);
  for (let r = 0; r < rows; r++) tight.copy(out, r * pitch, r * rowBytes, (r + 1) * rowBytes);
  return out;
}
