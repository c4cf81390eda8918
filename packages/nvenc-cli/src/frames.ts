/**
 * Synthetic input frames: a diagonal gradient that scrolls and a bright square that moves, so
 * every frame differs from the last (the encoder does motion search, not skip blocks) while the
 * content stays cheap to generate once, before timing starts.
 */
import { frameLayout, type FrameLayout } from '@nvenc-ts/nvenc';

// The frame layout is the encoder's own (one owner for plane sizes and pitches).
export { frameLayout, type FrameLayout };

/** Fills `out` (length >= layout.frameBytes) with synthetic frame number `index`. */
export function fillFrame(out: Uint8Array, layout: FrameLayout, index: number): void {
  const { width: w, height: h, rowBytes, format } = layout;
  const shift = index * 6;
  const boxSize = Math.max(8, Math.floor(Math.min(w, h) / 6)) & ~1;
  const bx = ((index * 17) % Math.max(1, w - boxSize)) & ~1;
  const by = ((index * 11) % Math.max(1, h - boxSize)) & ~1;
  const inBox = (x: number, y: number) => x >= bx && x < bx + boxSize && y >= by && y < by + boxSize;

  if (format === 'bgra' || format === 'rgba') {
    for (let y = 0; y < h; y++) {
      let o = y * rowBytes;
      for (let x = 0; x < w; x++, o += 4) {
        const g = (x + 2 * y + shift) & 255;
        const box = inBox(x, y);
        out[o] = box ? 240 : g; // B or R
        out[o + 1] = box ? 230 : (g * 3 + y) & 255; // G
        out[o + 2] = box ? 40 : (x >> 2) & 255; // R or B
        out[o + 3] = 255;
      }
    }
    return;
  }
  if (format === 'nv12' || format === 'yuv444') {
    for (let y = 0; y < h; y++) {
      const o = y * rowBytes;
      for (let x = 0; x < w; x++) out[o + x] = inBox(x, y) ? 235 : 16 + (((x + 2 * y + shift) & 255) * 219) / 255;
    }
    if (format === 'nv12') {
      const base = h * rowBytes;
      const ch = Math.ceil(h / 2);
      for (let y = 0; y < ch; y++) {
        const o = base + y * rowBytes;
        for (let x = 0; x < w; x += 2) {
          const box = inBox(x, y * 2);
          out[o + x] = box ? 60 : 128 + (((x + shift) >> 3) & 31) - 16; // U
          out[o + x + 1] = box ? 200 : 128 + (((y * 2 + shift) >> 3) & 31) - 16; // V
        }
      }
    } else {
      for (let p = 1; p < 3; p++) {
        const base = p * h * rowBytes;
        for (let y = 0; y < h; y++) {
          const o = base + y * rowBytes;
          for (let x = 0; x < w; x++)
            out[o + x] = inBox(x, y) ? (p === 1 ? 60 : 200) : 128 + ((((p === 1 ? x : y) + shift) >> 3) & 31) - 16;
        }
      }
    }
    return;
  }
  // p010: 16-bit little-endian samples with the 10 significant bits in the high bits.
  const dv = new DataView(out.buffer, out.byteOffset, layout.frameBytes);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v10 = inBox(x, y) ? 940 : 64 + (((x + 2 * y + shift) & 1023) * 876) / 1023;
      dv.setUint16(y * rowBytes + x * 2, (v10 << 6) & 0xffff, true);
    }
  }
  const ch = Math.ceil(h / 2);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < w; x += 2) {
      const o = (h + y) * rowBytes + x * 2;
      dv.setUint16(o, (512 + (((x + shift) >> 2) & 127) - 64) << 6, true);
      dv.setUint16(o + 2, (512 + (((y * 2 + shift) >> 2) & 127) - 64) << 6, true);
    }
  }
}

/** `count` distinct frames in ordinary (pageable) Buffers. */
export function makeHostFrames(layout: FrameLayout, count: number): Buffer[] {
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const b = Buffer.allocUnsafeSlow(layout.frameBytes);
    fillFrame(b, layout, i);
    frames.push(b);
  }
  return frames;
}
