/**
 * VideoFrame, enough to encode: built from a BufferSource (copied, or taken over with `transfer`)
 * in I420 / NV12 / RGBA / RGBX / BGRA / BGRX with the spec's layout, visibleRect, display size and
 * colour-space rules, plus one extension: a frame that wraps CUDA device memory (zero copy).
 */
import type { BufferSource, DOMRectInit, PlaneLayout, VideoColorSpaceInit, VideoPixelFormat } from './types.js';
import { detachAll, enforceLongLong, enforceRange, takeOver, transferList } from './config.js';

/** The spec's DOMRectReadOnly shape (Node has no DOMRectReadOnly). */
export class VideoFrameRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  constructor(x: number, y: number, width: number, height: number) {
    this.x = x;
    this.y = y;
    this.width = width;
    this.height = height;
  }
  /** Same as x. */
  get left(): number {
    return Math.min(this.x, this.x + this.width);
  }
  /** Same as y. */
  get top(): number {
    return Math.min(this.y, this.y + this.height);
  }
  /** x + width. */
  get right(): number {
    return Math.max(this.x, this.x + this.width);
  }
  /** y + height. */
  get bottom(): number {
    return Math.max(this.y, this.y + this.height);
  }
  /** The rectangle as a plain object. */
  toJSON(): Required<DOMRectInit> {
    return { x: this.x, y: this.y, width: this.width, height: this.height };
  }
}

/** A frame's colour space (W3C VideoColorSpace). */
export class VideoColorSpace {
  readonly primaries: VideoColorSpaceInit['primaries'];
  readonly transfer: VideoColorSpaceInit['transfer'];
  readonly matrix: VideoColorSpaceInit['matrix'];
  readonly fullRange: boolean | null;
  constructor(init: VideoColorSpaceInit = {}) {
    this.primaries = init.primaries ?? null;
    this.transfer = init.transfer ?? null;
    this.matrix = init.matrix ?? null;
    this.fullRange = init.fullRange ?? null;
  }
  /** The colour space as a plain object. */
  toJSON(): VideoColorSpaceInit {
    return { primaries: this.primaries, transfer: this.transfer, matrix: this.matrix, fullRange: this.fullRange };
  }
}

/** The spec's defaults for frames built from buffers: sRGB for RGB formats, Rec. 709 for YUV. */
export const SRGB: VideoColorSpaceInit = {
  primaries: 'bt709',
  transfer: 'iec61966-2-1',
  matrix: 'rgb',
  fullRange: true,
};
export const REC709: VideoColorSpaceInit = { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false };

/** Extension: CUDA device memory a frame wraps (single allocation, all planes at one pitch). */
export interface CudaDeviceMemory {
  devicePtr: bigint;
  /** Bytes per row; NV12's interleaved chroma plane follows the luma plane at pitch × codedHeight. */
  pitch: number;
}

/** `new VideoFrame(buffer, init)` options: format, coded size, timestamp, layout. */
export interface VideoFrameBufferInit {
  format: VideoPixelFormat;
  codedWidth: number;
  codedHeight: number;
  timestamp: number;
  duration?: number;
  layout?: PlaneLayout[];
  visibleRect?: DOMRectInit;
  displayWidth?: number;
  displayHeight?: number;
  colorSpace?: VideoColorSpaceInit;
  transfer?: ArrayBuffer[];
}

/** `new VideoFrame(frame, init)` options: what a copy may override. */
export interface VideoFrameInit {
  timestamp?: number;
  duration?: number;
  /** 'discard' makes RGBA/BGRA frames RGBX/BGRX (the spec's "opaque equivalent"); default 'keep'. */
  alpha?: 'keep' | 'discard';
  visibleRect?: DOMRectInit;
  displayWidth?: number;
  displayHeight?: number;
}

/** `copyTo()` / `allocationSize()` options: which rectangle, and where each plane goes. */
export interface VideoFrameCopyToOptions {
  /** Part of the coded picture to copy; default the visible rectangle. */
  rect?: DOMRectInit;
  /** Offset and stride of each plane in the destination; default tightly packed. */
  layout?: PlaneLayout[];
  /** Only the frame's own format: conversion (to RGB) is not implemented (NotSupportedError). */
  format?: VideoPixelFormat;
}

interface PlaneShape {
  /** Bytes per sample group in a row. */
  bytes: number;
  /** Horizontal and vertical subsampling. */
  sx: number;
  sy: number;
}

const PLANES: Readonly<Record<VideoPixelFormat, readonly PlaneShape[]>> = {
  I420: [
    { bytes: 1, sx: 1, sy: 1 },
    { bytes: 1, sx: 2, sy: 2 },
    { bytes: 1, sx: 2, sy: 2 },
  ],
  NV12: [
    { bytes: 1, sx: 1, sy: 1 },
    { bytes: 2, sx: 2, sy: 2 },
  ],
  RGBA: [{ bytes: 4, sx: 1, sy: 1 }],
  RGBX: [{ bytes: 4, sx: 1, sy: 1 }],
  BGRA: [{ bytes: 4, sx: 1, sy: 1 }],
  BGRX: [{ bytes: 4, sx: 1, sy: 1 }],
};

export function isRgbFormat(format: VideoPixelFormat): boolean {
  return PLANES[format].length === 1;
}

/** The pixels behind one or more VideoFrames (clones share it). */
export type FrameResource =
  { kind: 'host'; data: Uint8Array; layout: PlaneLayout[] } | { kind: 'cuda'; memory: CudaDeviceMemory };

/**
 * The state an encoder reads from a frame; not part of the public API.
 * @internal
 */
export interface FrameState {
  resource: FrameResource;
  format: VideoPixelFormat;
  codedWidth: number;
  codedHeight: number;
  visibleRect: VideoFrameRect;
  colorSpace: VideoColorSpaceInit;
}

export const frameState = Symbol('nvenc-ts.webcodecs.frameState');
export const frameDetached = Symbol('nvenc-ts.webcodecs.frameDetached');

/** "Compute Layout and Allocation Size": plane layouts of `rect` and the bytes they need. TypeError if invalid. */
export function computeLayout(
  format: VideoPixelFormat,
  rect: { width: number; height: number },
  layout?: readonly PlaneLayout[],
): { layout: PlaneLayout[]; allocationSize: number } {
  const planes = PLANES[format];
  if (layout !== undefined && layout.length !== planes.length) {
    throw new TypeError(`layout has ${layout.length} planes; ${format} has ${planes.length}`);
  }
  const out: PlaneLayout[] = [];
  const ranges: [number, number][] = [];
  let end = 0;
  let size = 0;
  planes.forEach((p, i) => {
    const rowBytes = Math.ceil(rect.width / p.sx) * p.bytes;
    const rows = Math.ceil(rect.height / p.sy);
    let offset = end;
    let stride = rowBytes;
    const given = layout?.[i];
    if (given !== undefined) {
      offset = enforceRange(given.offset, `layout[${i}].offset`);
      stride = enforceRange(given.stride, `layout[${i}].stride`);
      if (stride < rowBytes)
        throw new TypeError(`layout[${i}].stride ${stride} is below the ${rowBytes} bytes of one row`);
    }
    const planeEnd = offset + stride * rows;
    for (const [s, e] of ranges) {
      if (offset < e && s < planeEnd) throw new TypeError(`layout[${i}] overlaps another plane`);
    }
    ranges.push([offset, planeEnd]);
    out.push({ offset, stride });
    end = planeEnd;
    size = Math.max(size, planeEnd);
  });
  return { layout: out, allocationSize: size };
}

function bufferBytes(data: BufferSource): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('data must be a BufferSource (ArrayBuffer or a view of one)');
}

function isCudaMemory(value: unknown): value is CudaDeviceMemory {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && 'devicePtr' in value;
}

/**
 * The spec's "Parse Visible Rect": `init` (the override) or else `defaultRect` (the coded rectangle
 * when absent), checked against the coded size and the format's sample alignment. TypeError.
 */
function parseVisibleRect(
  init: DOMRectInit | undefined,
  codedWidth: number,
  codedHeight: number,
  format: VideoPixelFormat,
  defaultRect?: VideoFrameRect,
): VideoFrameRect {
  if (init === undefined) return defaultRect ?? new VideoFrameRect(0, 0, codedWidth, codedHeight);
  const x = Number(init.x ?? 0);
  const y = Number(init.y ?? 0);
  const w = Number(init.width ?? 0);
  const h = Number(init.height ?? 0);
  if (![x, y, w, h].every(Number.isFinite)) throw new TypeError('visibleRect must hold finite numbers');
  if (x < 0 || y < 0) throw new TypeError('visibleRect x and y must be ≥ 0');
  if (w <= 0 || h <= 0) throw new TypeError('visibleRect width and height must be > 0');
  if (x + w > codedWidth || y + h > codedHeight) {
    throw new TypeError(`visibleRect ${w}x${h}+${x}+${y} does not fit the coded size ${codedWidth}x${codedHeight}`);
  }
  // "Verify Rect Offset Alignment": subsampled planes need even offsets.
  const sub = PLANES[format].reduce((m, p) => Math.max(m, p.sx), 1);
  if (x % sub !== 0 || y % sub !== 0) throw new TypeError(`visibleRect x/y must be multiples of ${sub} for ${format}`);
  return new VideoFrameRect(x, y, w, h);
}

/**
 * "Initialize Visible Rect and Display Size": the given display size, or else the visible size
 * scaled as the default display size was to the default visible rectangle (1:1 for a new frame).
 */
function displaySize(
  init: { displayWidth?: number; displayHeight?: number },
  rect: VideoFrameRect,
  defaults?: { rect: VideoFrameRect; width: number; height: number },
): [number, number] {
  const hasW = init.displayWidth !== undefined;
  const hasH = init.displayHeight !== undefined;
  if (hasW !== hasH) throw new TypeError('displayWidth and displayHeight must be given together');
  if (!hasW) {
    if (defaults === undefined) return [rect.width, rect.height];
    return [
      Math.round(rect.width * (defaults.width / defaults.rect.width)),
      Math.round(rect.height * (defaults.height / defaults.rect.height)),
    ];
  }
  const w = enforceRange(init.displayWidth, 'displayWidth');
  const h = enforceRange(init.displayHeight, 'displayHeight');
  if (w === 0 || h === 0) throw new TypeError('displayWidth and displayHeight must be non-zero');
  return [w, h];
}

/** "The opaque equivalent" of a format, for VideoFrameInit.alpha 'discard'. */
const OPAQUE: Partial<Record<VideoPixelFormat, VideoPixelFormat>> = { RGBA: 'RGBX', BGRA: 'BGRX' };

const FORMATS = Object.keys(PLANES) as VideoPixelFormat[];

/** A frame of pixels in host or CUDA memory (W3C VideoFrame); close it when done. */
export class VideoFrame {
  #state: FrameState | null;
  #displayWidth: number;
  #displayHeight: number;
  #timestamp: number;
  #duration: number | null;

  /**
   * `new VideoFrame(data, init)` from a BufferSource (the spec's constructor), from another
   * VideoFrame (re-timestamped or re-cropped clone), or — an extension of this package — from CUDA
   * device memory `{ devicePtr: bigint, pitch }` (zero copy; keep the memory alive and unchanged
   * until the encoder has output the frame's chunk).
   */
  constructor(data: BufferSource | CudaDeviceMemory, init: VideoFrameBufferInit);
  constructor(image: VideoFrame, init?: VideoFrameInit);
  constructor(source: BufferSource | CudaDeviceMemory | VideoFrame, init?: VideoFrameBufferInit | VideoFrameInit) {
    if (source instanceof VideoFrame) {
      // "Initialize Frame From Other Frame". A closed source: InvalidStateError (usability check).
      const src = source.#state;
      if (src === null) throw new DOMException('The source VideoFrame is closed', 'InvalidStateError');
      const i: VideoFrameInit = init ?? {};
      const alpha = i.alpha ?? 'keep';
      if (alpha !== 'keep' && alpha !== 'discard')
        throw new TypeError(`alpha '${String(alpha)}' is not one of 'keep', 'discard'`);
      const format = alpha === 'discard' ? (OPAQUE[src.format] ?? src.format) : src.format;
      const rect = parseVisibleRect(i.visibleRect, src.codedWidth, src.codedHeight, format, src.visibleRect);
      [this.#displayWidth, this.#displayHeight] = displaySize(i, rect, {
        rect: src.visibleRect,
        width: source.#displayWidth,
        height: source.#displayHeight,
      });
      this.#timestamp = i.timestamp === undefined ? source.#timestamp : enforceLongLong(i.timestamp, 'timestamp');
      this.#duration =
        i.duration === undefined ? source.#duration : enforceRange(i.duration, 'duration', Number.MAX_SAFE_INTEGER);
      this.#state = { ...src, format, visibleRect: rect };
      return;
    }
    if (typeof init !== 'object' || init === null) throw new TypeError('VideoFrameBufferInit is required');
    const b = init as VideoFrameBufferInit;
    if (b.format === undefined) throw new TypeError('format is required');
    if (!FORMATS.includes(b.format))
      throw new TypeError(`format '${String(b.format)}' is not one of ${FORMATS.join(', ')}`);
    if (b.codedWidth === undefined || b.codedHeight === undefined)
      throw new TypeError('codedWidth and codedHeight are required');
    if (b.timestamp === undefined) throw new TypeError('timestamp is required');
    const codedWidth = enforceRange(b.codedWidth, 'codedWidth');
    const codedHeight = enforceRange(b.codedHeight, 'codedHeight');
    if (codedWidth === 0 || codedHeight === 0) throw new TypeError('codedWidth and codedHeight must be non-zero');
    const visibleRect = parseVisibleRect(b.visibleRect, codedWidth, codedHeight, b.format);
    [this.#displayWidth, this.#displayHeight] = displaySize(b, visibleRect);
    this.#timestamp = enforceLongLong(b.timestamp, 'timestamp');
    this.#duration = b.duration === undefined ? null : enforceRange(b.duration, 'duration', Number.MAX_SAFE_INTEGER);
    const colorSpace: VideoColorSpaceInit = {
      ...(isRgbFormat(b.format) ? SRGB : REC709),
      ...stripUndefined(b.colorSpace),
    };

    let resource: FrameResource;
    if (isCudaMemory(source)) {
      const { devicePtr, pitch } = source;
      if (typeof devicePtr !== 'bigint' || devicePtr <= 0n) throw new TypeError('devicePtr must be a non-zero bigint');
      if (b.format === 'I420')
        throw new TypeError('CUDA frames take NV12, RGBA, RGBX, BGRA or BGRX (one pitch for all planes)');
      const rowBytes = codedWidth * (isRgbFormat(b.format) ? 4 : 1);
      if (!Number.isInteger(pitch) || pitch < rowBytes) throw new TypeError(`pitch must be an integer ≥ ${rowBytes}`);
      if (b.layout !== undefined) throw new TypeError('layout is not used with CUDA device memory (pass pitch)');
      resource = { kind: 'cuda', memory: { devicePtr, pitch } };
    } else {
      const bytes = bufferBytes(source);
      const { layout, allocationSize } = computeLayout(b.format, { width: codedWidth, height: codedHeight }, b.layout);
      if (bytes.byteLength < allocationSize) {
        throw new TypeError(
          `data is ${bytes.byteLength} bytes; a ${codedWidth}x${codedHeight} ${b.format} frame with this layout needs ${allocationSize}`,
        );
      }
      // Steps 12–13: a repeated or detached ArrayBuffer in transfer is a DataCloneError.
      const transfer = transferList(b.transfer);
      if (transfer.includes(bytes.buffer as ArrayBuffer)) {
        // The spec's transfer: the caller's buffer is detached and the frame owns its memory (no copy).
        resource = { kind: 'host', data: takeOver(bytes), layout };
      } else {
        resource = { kind: 'host', data: new Uint8Array(bytes), layout };
      }
      // "For each transferable in init.transfer: DetachArrayBuffer", the data's buffer or not.
      detachAll(transfer);
    }
    this.#state = { resource, format: b.format, codedWidth, codedHeight, visibleRect, colorSpace };
  }

  /** Pixel format; null once closed. */
  get format(): VideoPixelFormat | null {
    return this.#state?.format ?? null;
  }
  /** Width of the pixel data. */
  get codedWidth(): number {
    return this.#state?.codedWidth ?? 0;
  }
  /** Height of the pixel data. */
  get codedHeight(): number {
    return this.#state?.codedHeight ?? 0;
  }
  /** The whole pixel data; null once closed. */
  get codedRect(): VideoFrameRect | null {
    const s = this.#state;
    return s === null ? null : new VideoFrameRect(0, 0, s.codedWidth, s.codedHeight);
  }
  /** The part that is shown; null once closed. */
  get visibleRect(): VideoFrameRect | null {
    return this.#state?.visibleRect ?? null;
  }
  /** Width to display at. */
  get displayWidth(): number {
    return this.#state === null ? 0 : this.#displayWidth;
  }
  /** Height to display at. */
  get displayHeight(): number {
    return this.#state === null ? 0 : this.#displayHeight;
  }
  /** Presentation time in microseconds. */
  get timestamp(): number {
    return this.#timestamp;
  }
  /** Duration in microseconds, or null. */
  get duration(): number | null {
    return this.#duration;
  }
  /** Colour space of the pixels. */
  get colorSpace(): VideoColorSpace {
    return new VideoColorSpace(this.#state?.colorSpace ?? {});
  }
  /** Extension: the CUDA memory this frame wraps, or null for host frames. */
  get cudaDeviceMemory(): CudaDeviceMemory | null {
    const r = this.#state?.resource;
    return r?.kind === 'cuda' ? { ...r.memory } : null;
  }

  /** Frame metadata (none is defined here). */
  metadata(): Record<string, never> {
    this.#open();
    return {};
  }

  #open(): FrameState {
    if (this.#state === null) throw new DOMException('VideoFrame is closed', 'InvalidStateError');
    return this.#state;
  }

  /** "Parse VideoFrameCopyToOptions": the rectangle to copy and the destination's plane layouts. */
  #copyLayout(
    s: FrameState,
    options: VideoFrameCopyToOptions,
  ): { rect: VideoFrameRect; layout: PlaneLayout[]; allocationSize: number } {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    if (options.format !== undefined && options.format !== s.format)
      throw new DOMException(
        `copyTo() converting ${s.format} to ${String(options.format)} is not implemented`,
        'NotSupportedError',
      );
    const rect = parseVisibleRect(options.rect, s.codedWidth, s.codedHeight, s.format, s.visibleRect);
    return { rect, ...computeLayout(s.format, rect, options.layout) };
  }

  /** Bytes copyTo(destination, options) needs: the rectangle (default visible) at the layout (default tight). */
  allocationSize(options: VideoFrameCopyToOptions = {}): number {
    const s = this.#open();
    return this.#copyLayout(s, options).allocationSize;
  }

  /**
   * Copies a rectangle (default: the visible one) into `destination` at `options.layout` (default:
   * planes tightly packed one after another); resolves with the layouts used.
   */
  async copyTo(destination: BufferSource, options: VideoFrameCopyToOptions = {}): Promise<PlaneLayout[]> {
    const s = this.#open();
    const { rect, layout, allocationSize } = this.#copyLayout(s, options);
    if (s.resource.kind !== 'host')
      throw new DOMException('copyTo() of a CUDA frame is not implemented', 'NotSupportedError');
    const dst = bufferBytes(destination);
    if (dst.byteLength < allocationSize)
      throw new TypeError(`destination is ${dst.byteLength} bytes; ${allocationSize} are needed`);
    copyPlanes({ ...s, visibleRect: rect }, dst, layout);
    return layout;
  }

  /** A second frame on the same pixels; each must be closed. */
  clone(): VideoFrame {
    this.#open();
    return new VideoFrame(this);
  }

  /** Releases this frame's reference to the pixels. */
  close(): void {
    this.#state = null;
  }

  /**
   * What an encoder reads. Throws InvalidStateError once closed.
   * @internal
   */
  [frameState](): FrameState {
    return this.#open();
  }

  /**
   * True once close() ran (the spec's [[Detached]]).
   * @internal
   */
  get [frameDetached](): boolean {
    return this.#state === null;
  }
}

function stripUndefined(init: VideoColorSpaceInit | undefined): VideoColorSpaceInit {
  const out: VideoColorSpaceInit = {};
  if (init?.primaries != null) out.primaries = init.primaries;
  if (init?.transfer != null) out.transfer = init.transfer;
  if (init?.matrix != null) out.matrix = init.matrix;
  if (init?.fullRange != null) out.fullRange = init.fullRange;
  return out;
}

/** Copies the visible rectangle of each plane of a host frame into `dst` at `layout`. */
export function copyPlanes(s: FrameState, dst: Uint8Array, layout: readonly PlaneLayout[]): void {
  if (s.resource.kind !== 'host') throw new TypeError('not a host frame');
  const src = s.resource;
  PLANES[s.format].forEach((p, i) => {
    const from = src.layout[i]!;
    const to = layout[i]!;
    const rowBytes = Math.ceil(s.visibleRect.width / p.sx) * p.bytes;
    const rows = Math.ceil(s.visibleRect.height / p.sy);
    const x0 = (s.visibleRect.x / p.sx) * p.bytes;
    const y0 = s.visibleRect.y / p.sy;
    for (let r = 0; r < rows; r++) {
      const start = from.offset + (y0 + r) * from.stride + x0;
      dst.set(src.data.subarray(start, start + rowBytes), to.offset + r * to.stride);
    }
  });
}
