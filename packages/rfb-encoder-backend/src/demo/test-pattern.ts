import type { RawFrame } from '../backend/types.js';

/**
 * The animated scene the demo shows and the browser test checks: four flat colour patches in the
 * top half (at fixed places, so a screenshot can be checked pixel by pixel) and a white box
 * sweeping across the bottom half (so one can see, and test, that frames keep arriving).
 */

export interface TestPatchSpec {
  name: string;
  rgb: readonly [number, number, number];
  /** Patch rectangle as fractions of the frame size. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export const TEST_PATTERN_PATCHES: readonly TestPatchSpec[] = [
  { name: 'red', rgb: [230, 30, 30], x0: 0.0, x1: 0.25, y0: 0.0, y1: 0.5 },
  { name: 'green', rgb: [30, 200, 60], x0: 0.25, x1: 0.5, y0: 0.0, y1: 0.5 },
  { name: 'blue', rgb: [40, 60, 220], x0: 0.5, x1: 0.75, y0: 0.0, y1: 0.5 },
  { name: 'yellow', rgb: [240, 220, 40], x0: 0.75, x1: 1.0, y0: 0.0, y1: 0.5 },
];

export const TEST_PATTERN_BACKGROUND: readonly [number, number, number] = [24, 24, 24];
export const TEST_PATTERN_BOX: readonly [number, number, number] = [250, 250, 250];

export interface TestPatternOptions {
  width: number;
  height: number;
  /** Horizontal box speed in pixels per frame. Default: width / 60 (one sweep in two seconds at 30 fps). */
  speed?: number;
  /** `bgra8` (default, straight into NVENC) or `rgb24` (exercises the CPU conversion). */
  pixelFormat?: 'bgra8' | 'rgb24';
}

export class TestPattern {
  readonly width: number;
  readonly height: number;
  readonly pixelFormat: 'bgra8' | 'rgb24';
  private readonly speed: number;
  private readonly background: Buffer;
  private frameIndex = 0;

  constructor(options: TestPatternOptions) {
    this.width = options.width;
    this.height = options.height;
    this.pixelFormat = options.pixelFormat ?? 'bgra8';
    this.speed = options.speed ?? Math.max(1, Math.round(options.width / 60));
    this.background = Buffer.alloc(this.width * this.height * this.bytesPerPixel);
    this.fillRect(this.background, 0, 0, this.width, this.height, TEST_PATTERN_BACKGROUND);
    for (const p of TEST_PATTERN_PATCHES) {
      this.fillRect(
        this.background,
        Math.round(p.x0 * this.width),
        Math.round(p.y0 * this.height),
        Math.round(p.x1 * this.width),
        Math.round(p.y1 * this.height),
        p.rgb,
      );
    }
  }

  private get bytesPerPixel(): number {
    return this.pixelFormat === 'rgb24' ? 3 : 4;
  }

  /** Box rectangle in frame `index` (pixels, end-exclusive). */
  boxAt(index: number): { x0: number; y0: number; x1: number; y1: number } {
    const size = Math.round(this.height / 4);
    const travel = this.width - size;
    const phase = (index * this.speed) % (2 * travel);
    const x0 = phase <= travel ? phase : 2 * travel - phase;
    const y0 = Math.round(this.height * 0.625);
    return { x0, y0, x1: x0 + size, y1: y0 + size };
  }

  /** The next frame (a new buffer each time: the server may hold on to the last one). */
  next(timestampUs: number): RawFrame {
    const index = this.frameIndex++;
    const data = Buffer.allocUnsafe(this.background.length);
    this.background.copy(data);
    const box = this.boxAt(index);
    this.fillRect(data, box.x0, box.y0, box.x1, box.y1, TEST_PATTERN_BOX);
    return {
      seq: index,
      width: this.width,
      height: this.height,
      timestampUs,
      pixelFormat: this.pixelFormat,
      memory: 'cpu',
      data,
    };
  }

  private fillRect(
    buf: Buffer,
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    rgb: readonly [number, number, number],
  ): void {
    const bpp = this.bytesPerPixel;
    const px = bpp === 4 ? Buffer.from([rgb[2], rgb[1], rgb[0], 255]) : Buffer.from([rgb[0], rgb[1], rgb[2]]);
    const row = Buffer.alloc((x1 - x0) * bpp);
    for (let i = 0; i < row.length; i += bpp) px.copy(row, i);
    for (let y = y0; y < y1; y++) row.copy(buf, (y * this.width + x0) * bpp);
  }
}
