import type { PixelFormat } from './client-parser.js';
import { Encoding } from './constants.js';
import { changedRects, copyRect, intersect, splitRect, union, type Rect } from './damage.js';
import { encodeCursor, type CursorShape } from './encodings/cursor.js';
import { encodeRaw } from './encodings/raw.js';
import { TIGHT_MAX_PIXELS, TIGHT_MAX_WIDTH, TightEncoder } from './encodings/tight.js';
import { encodeZrle } from './encodings/zrle.js';
import { allocFramebuffer, type Framebuffer } from './framebuffer.js';
import { PixelTranslator } from './pixel-format.js';
import { rectHeader } from './server-messages.js';
import { ZlibStream } from './zlib-stream.js';

/** Encodings the image path sends, in the numbers SetEncodings uses. */
export type ImageEncoding = typeof Encoding.Raw | typeof Encoding.Tight | typeof Encoding.ZRLE;
const IMAGE_ENCODINGS: readonly number[] = [Encoding.Raw, Encoding.Tight, Encoding.ZRLE];

/** Rectangles smaller than this are not worth a CopyRect search. */
const COPY_MIN_HEIGHT = 16;

export interface ImageUpdate {
  /** Rectangle headers and bodies, in order. */
  parts: Buffer[];
  rects: number;
}

/** Everything per-client the image path keeps: what the client has, its format, its zlib streams. */
export class ImageClientState {
  translator: PixelTranslator;
  encoding: ImageEncoding = Encoding.Raw;
  copyRect = false;
  /** What the client was last sent, in server words; null: nothing valid (send everything asked for). */
  private shadow: Framebuffer | null = null;
  /** Area a non-incremental request asked for whole, not yet sent. */
  private forced: Rect | null = null;
  private readonly zrle = new ZlibStream(6);
  private readonly tight = new TightEncoder();
  private cursorSent: CursorShape | null = null;

  constructor(format: PixelFormat) {
    this.translator = new PixelTranslator(format);
  }

  setPixelFormat(format: PixelFormat): void {
    this.translator = new PixelTranslator(format);
  }

  /** RFC 6143 §7.5.2: the first encoding in the client's list that this server sends wins. */
  setEncodings(list: readonly number[]): void {
    this.encoding = (list.find((e) => IMAGE_ENCODINGS.includes(e)) as ImageEncoding | undefined) ?? Encoding.Raw;
    this.copyRect = list.includes(Encoding.CopyRect);
    const quality = list.find((e) => e >= Encoding.QualityLevel0 && e <= Encoding.QualityLevel0 + 9);
    this.tight.jpegQuality = quality === undefined ? null : quality - Encoding.QualityLevel0;
    const compress = list.find((e) => e >= Encoding.CompressLevel0 && e <= Encoding.CompressLevel0 + 9);
    const level = compress === undefined ? 6 : Math.max(1, compress - Encoding.CompressLevel0);
    this.zrle.setLevel(level);
    this.tight.setCompressLevel(level);
    if (!list.includes(Encoding.Cursor)) this.cursorSent = null;
  }

  /** The client's picture is no longer known (it came from elsewhere, or the size changed). */
  invalidate(): void {
    this.shadow = null;
  }

  /** A non-incremental request: `region` goes out whole at the next update. */
  forceRegion(region: Rect): void {
    this.forced = union(this.forced, region);
  }

  /**
   * The rectangles that bring the client from what it has to `fb` inside `requested`, plus the
   * cursor shape when it changed; null when there is nothing to send. Marks them as received.
   */
  build(fb: Framebuffer, requested: Rect, cursor: CursorShape | null): ImageUpdate | null {
    const parts: Buffer[] = [];
    let rects = 0;
    const full: Rect = { x: 0, y: 0, width: fb.width, height: fb.height };
    const region = intersect(requested, full);
    if (!this.shadow || this.shadow.width !== fb.width || this.shadow.height !== fb.height) {
      this.shadow = allocFramebuffer(fb.width, fb.height);
      this.forced = full;
    }
    const shadow = this.shadow;
    // Each rectangle is encoded and mirrored into the shadow in the order the client applies them.
    const emit = (r: Rect) => {
      const pieces = this.encoding === Encoding.Tight ? splitRect(r, TIGHT_MAX_WIDTH, TIGHT_MAX_PIXELS) : [r];
      for (const p of pieces) {
        parts.push(rectHeader(p.x, p.y, p.width, p.height, this.encoding), this.encodeBody(fb, p));
        rects++;
      }
      copyRect(fb, shadow, r);
    };
    if (region) {
      const forcedPart = this.forced ? intersect(this.forced, region) : null;
      if (forcedPart) {
        const f = this.forced!;
        if (
          forcedPart.x === f.x &&
          forcedPart.y === f.y &&
          forcedPart.width === f.width &&
          forcedPart.height === f.height
        )
          this.forced = null;
        emit(forcedPart);
      }
      for (const r of changedRects(fb, shadow, region)) {
        const moved = this.copyRect && r.height >= COPY_MIN_HEIGHT ? findVerticalMove(fb, shadow, r) : null;
        if (!moved) {
          emit(r);
          continue;
        }
        parts.push(
          rectHeader(r.x, moved.dstY, r.width, moved.height, Encoding.CopyRect),
          copyRectBody(r.x, moved.srcY),
        );
        rects++;
        // The client copies from its own picture: mirror that in the shadow, then send what is left.
        copyRows(shadow, r.x, moved.srcY, moved.dstY, r.width, moved.height);
        // Rows of r outside the moved band go as they are (the newly exposed lines); inside it,
        // whatever still differs (an edit that came with the scroll).
        if (moved.dstY > r.y) emit({ x: r.x, y: r.y, width: r.width, height: moved.dstY - r.y });
        const below = moved.dstY + moved.height;
        if (below < r.y + r.height) emit({ x: r.x, y: below, width: r.width, height: r.y + r.height - below });
        for (const rest of changedRects(fb, shadow, { x: r.x, y: moved.dstY, width: r.width, height: moved.height }))
          emit(rest);
      }
    }
    const pointer = this.cursorRect(cursor);
    if (pointer) {
      parts.push(...pointer);
      rects++;
    }
    return rects > 0 ? { parts, rects } : null;
  }

  /** The Cursor pseudo-rectangle when the shape differs from the one the client has (H.264 clients too). */
  cursorRect(cursor: CursorShape | null): Buffer[] | null {
    if (!cursor || this.cursorSent === cursor) return null;
    this.cursorSent = cursor;
    return [
      rectHeader(cursor.hotX, cursor.hotY, cursor.width, cursor.height, Encoding.Cursor),
      encodeCursor(cursor, this.translator),
    ];
  }

  private encodeBody(fb: Framebuffer, r: Rect): Buffer {
    switch (this.encoding) {
      case Encoding.Raw:
        return encodeRaw(fb, r.x, r.y, r.width, r.height, this.translator);
      case Encoding.ZRLE:
        return encodeZrle(fb, r.x, r.y, r.width, r.height, this.translator, this.zrle);
      case Encoding.Tight:
        return this.tight.encode(fb, r.x, r.y, r.width, r.height, this.translator);
    }
  }
}

function copyRectBody(srcX: number, srcY: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(srcX, 0);
  b.writeUInt16BE(srcY, 2);
  return b;
}

function copyRows(fb: Framebuffer, x: number, srcY: number, dstY: number, width: number, height: number): void {
  const stride = fb.width * 4;
  const tmp = Buffer.allocUnsafe(width * 4 * height);
  for (let i = 0; i < height; i++)
    fb.bytes.copy(tmp, i * width * 4, (srcY + i) * stride + x * 4, (srcY + i) * stride + (x + width) * 4);
  for (let i = 0; i < height; i++) tmp.copy(fb.bytes, (dstY + i) * stride + x * 4, i * width * 4, (i + 1) * width * 4);
}

/**
 * Scrolling: rows of `r` in the new picture that the client already has, shifted up or down, in
 * the same columns. Looks for the new rectangle's middle row among the old rows (within the
 * rectangle's height either way), then grows the match; worth it when at least half matches.
 */
function findVerticalMove(
  fb: Framebuffer,
  shadow: Framebuffer,
  r: Rect,
): { srcY: number; dstY: number; height: number } | null {
  const stride = fb.width * 4;
  const s = r.x * 4;
  const e = (r.x + r.width) * 4;
  const rowEq = (curY: number, oldY: number) =>
    fb.bytes.compare(shadow.bytes, oldY * stride + s, oldY * stride + e, curY * stride + s, curY * stride + e) === 0;
  const probe = r.y + (r.height >> 1);
  // A flat row matches anywhere: it says nothing about movement.
  const row = fb.words.subarray(probe * fb.width + r.x, probe * fb.width + r.x + r.width);
  if (row.every((w) => (w & 0xffffff) === (row[0]! & 0xffffff))) return null;
  for (let dy = 1; dy < r.height; dy++) {
    for (const oldY of [probe - dy, probe + dy]) {
      if (oldY < 0 || oldY >= fb.height || !rowEq(probe, oldY)) continue;
      const shift = oldY - probe;
      let top = probe;
      while (top - 1 >= r.y && top - 1 + shift >= 0 && rowEq(top - 1, top - 1 + shift)) top--;
      let bottom = probe + 1;
      while (bottom < r.y + r.height && bottom + shift < fb.height && rowEq(bottom, bottom + shift)) bottom++;
      if ((bottom - top) * 2 >= r.height) return { srcY: top + shift, dstY: top, height: bottom - top };
    }
  }
  return null;
}
