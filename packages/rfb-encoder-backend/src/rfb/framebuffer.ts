import { rgb24ToBgra } from '../backend/pixel-conversion.js';
import type { RawFrame } from '../backend/types.js';

/**
 * The picture image-path clients (Raw, ZRLE, Tight) are served from: 32-bit words 0x..RRGGBB
 * (bytes B,G,R,X in memory, the server's announced pixel format), `width` words per row. The
 * top byte is padding and never looked at.
 */
export interface Framebuffer {
  readonly width: number;
  readonly height: number;
  /** Bytes B,G,R,X, `width * 4` per row. */
  readonly bytes: Buffer;
  /** The same memory as 32-bit words (little-endian hosts only, as Node on x86-64/arm64 is). */
  readonly words: Uint32Array;
}

export function allocFramebuffer(width: number, height: number): Framebuffer {
  const bytes = Buffer.alloc(width * height * 4);
  return { width, height, bytes, words: new Uint32Array(bytes.buffer, bytes.byteOffset, width * height) };
}

function wrap(width: number, height: number, data: Uint8Array): Framebuffer {
  const bytes = Buffer.from(data.buffer, data.byteOffset, width * height * 4);
  if (bytes.byteOffset % 4 === 0)
    return { width, height, bytes, words: new Uint32Array(bytes.buffer, bytes.byteOffset, width * height) };
  const fb = allocFramebuffer(width, height);
  bytes.copy(fb.bytes);
  return fb;
}

/** BT.601 / BT.709 YCbCr → RGB coefficients (Kr, Kb). */
const MATRICES = {
  bt709: [0.2126, 0.0722],
  bt601: [0.299, 0.114],
  smpte170m: [0.299, 0.114],
  bt2020: [0.2627, 0.0593],
} as const;

function yuvToFramebuffer(frame: RawFrame, data: Uint8Array): Framebuffer {
  const { width, height } = frame;
  const fb = allocFramebuffer(width, height);
  const matrix = frame.color?.matrix && frame.color.matrix !== 'rgb' ? frame.color.matrix : 'bt709';
  const [kr, kb] = MATRICES[matrix];
  const full = frame.color?.range === 'full';
  const yScale = full ? 1 : 255 / 219;
  const cScale = full ? 1 : 255 / 224;
  const yOff = full ? 0 : 16;
  const kg = 1 - kr - kb;
  const crR = 2 * (1 - kr) * cScale;
  const cbB = 2 * (1 - kb) * cScale;
  const cbG = ((2 * kb * (1 - kb)) / kg) * cScale;
  const crG = ((2 * kr * (1 - kr)) / kg) * cScale;
  const ySize = width * height;
  const cw = width >> 1;
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let y = 0; y < height; y++) {
    const cy = y >> 1;
    for (let x = 0; x < width; x++) {
      const cx = x >> 1;
      let u: number;
      let v: number;
      if (frame.pixelFormat === 'nv12') {
        const c = ySize + cy * width + cx * 2;
        u = data[c]! - 128;
        v = data[c + 1]! - 128;
      } else {
        u = data[ySize + cy * cw + cx]! - 128;
        v = data[ySize + (ySize >> 2) + cy * cw + cx]! - 128;
      }
      const l = (data[y * width + x]! - yOff) * yScale;
      fb.words[y * width + x] = (clamp(l + crR * v) << 16) | (clamp(l - cbG * u - crG * v) << 8) | clamp(l + cbB * u);
    }
  }
  return fb;
}

/**
 * The frame as a Framebuffer, or null for frames in CUDA memory (the image path cannot read
 * them). Tightly packed BGRA in CPU memory is used in place, without a copy: frames are not
 * modified after pushFrame (its documented contract).
 */
export function framebufferFromFrame(frame: RawFrame): Framebuffer | null {
  if (frame.memory !== 'cpu' || !(frame.data instanceof Uint8Array)) return null;
  const { width, height, data } = frame;
  switch (frame.pixelFormat) {
    case 'bgra8':
    case 'rgba8': {
      const pitch = frame.pitch ?? width * 4;
      if (pitch === width * 4 && frame.pixelFormat === 'bgra8') return wrap(width, height, data);
      const fb: Framebuffer = allocFramebuffer(width, height);
      for (let y = 0; y < height; y++) fb.bytes.set(data.subarray(y * pitch, y * pitch + width * 4), y * width * 4);
      if (frame.pixelFormat === 'rgba8') {
        const w = fb.words;
        for (let i = 0; i < w.length; i++) {
          const p = w[i]!;
          w[i] = (p & 0xff00ff00) | ((p & 0xff) << 16) | ((p >>> 16) & 0xff);
        }
      }
      return fb;
    }
    case 'rgb24': {
      const fb = allocFramebuffer(width, height);
      rgb24ToBgra(data, width, height, frame.pitch ?? width * 3, fb.bytes);
      return fb;
    }
    case 'nv12':
    case 'yuv420p':
      return yuvToFramebuffer(frame, data);
  }
}
