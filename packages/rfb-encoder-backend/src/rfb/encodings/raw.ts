import type { Framebuffer } from '../framebuffer.js';
import type { PixelTranslator } from '../pixel-format.js';

/** Raw (RFC 6143 §7.7.1): the pixels, left to right, top to bottom, in the client's format. */
export function encodeRaw(fb: Framebuffer, x: number, y: number, w: number, h: number, pf: PixelTranslator): Buffer {
  return pf.rect(fb, x, y, w, h);
}
