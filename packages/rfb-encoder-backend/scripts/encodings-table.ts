/**
 * Bytes and server CPU per frame for Raw, ZRLE, Tight and H.264 on two 1280×720 scenes: the demo's
 * test pattern and a desktop-like one (windows, text, a scrolling pane). Writes the table in
 * docs/rfb-encodings.md (`--write`) or prints it.
 *
 *   pnpm --filter @nvenc-ts/rfb-encoder-backend bench:encodings [-- --write] [-- --frames 60]
 *
 * Image encodings are measured as the server runs them for one client: damage against what that
 * client last received, then the client's encoding, one update per frame. H.264 is the shared
 * encode (one per frame, whatever the number of clients) on the software NVENC device (libavcodec's
 * libx264 on the CPU): it is not an NVENC hardware figure.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEncoderBackend } from '../src/backend/registry.js';
import type { RawFrame } from '../src/backend/types.js';
import { TestPattern } from '../src/demo/test-pattern.js';
import { Encoding } from '../src/rfb/constants.js';
import { framebufferFromFrame } from '../src/rfb/framebuffer.js';
import { ImageClientState } from '../src/rfb/image-updates.js';
import { SERVER_PIXEL_FORMAT } from '../src/rfb/server-messages.js';

const WIDTH = 1280;
const HEIGHT = 720;

/** Windows with title bars and edges, rows of word-like glyph runs, and a pane that scrolls a line per frame. */
class DesktopScene {
  private index = 0;
  private readonly lines: Buffer[] = [];
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    // 400 lines of "text": runs of 2-9 glyph cells (7 px + 1 gap) with word gaps, each glyph a few strokes.
    for (let l = 0; l < 400; l++) {
      const line = Buffer.alloc(600 * 16, 0); // 600×16 mask: 1 = ink
      let x = 4;
      while (x < 580) {
        const word = 2 + Math.floor(rand() * 8);
        for (let g = 0; g < word && x < 590; g++, x += 8) {
          for (let s = 0; s < 3; s++) {
            const gx = x + Math.floor(rand() * 6);
            const y0 = 3 + Math.floor(rand() * 4);
            for (let y = y0; y < 13; y++) line[y * 600 + gx] = 1;
            const gy = 3 + Math.floor(rand() * 10);
            for (let xx = x; xx < x + 6; xx++) if (rand() < 0.6) line[gy * 600 + xx] = 1;
          }
        }
        x += 8;
      }
      this.lines.push(line);
    }
  }

  next(): RawFrame {
    const { width, height } = this;
    const data = Buffer.alloc(width * height * 4);
    const words = new Uint32Array(data.buffer, data.byteOffset, width * height);
    const fill = (x0: number, y0: number, x1: number, y1: number, rgb: number) => {
      for (let y = y0; y < y1; y++) words.fill(0xff000000 | rgb, y * width + x0, y * width + x1);
    };
    fill(0, 0, width, height, 0x2d4b6e); // desktop
    fill(0, height - 32, width, height, 0x202020); // task bar
    // A still window with a title bar, a border and static text.
    fill(40, 40, 560, 440, 0x9a9a9a);
    fill(42, 42, 558, 66, 0x3465a4);
    fill(42, 68, 558, 438, 0xffffff);
    for (let l = 0; l < 22; l++) this.text(words, 48, 72 + l * 16, this.lines[l]!, 520);
    // The scrolling window: its text pane moves up one line each frame.
    fill(620, 80, 1240, 660, 0x9a9a9a);
    fill(622, 82, 1238, 106, 0x4e9a06);
    fill(622, 108, 1238, 658, 0xfdfdf0);
    for (let l = 0; l < 34; l++)
      this.text(words, 630, 112 + l * 16, this.lines[(this.index + l) % this.lines.length]!, 600);
    // A blinking caret.
    if (this.index % 2 === 0) fill(630, 640, 632, 654, 0x000000);
    this.index++;
    return {
      seq: this.index,
      width,
      height,
      timestampUs: this.index * 33_333,
      pixelFormat: 'bgra8',
      memory: 'cpu',
      data,
    };
  }

  private text(words: Uint32Array, x0: number, y0: number, mask: Buffer, w: number): void {
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < w; x++) if (mask[y * 600 + x]) words[(y0 + y) * this.width + x0 + x] = 0xff101010;
  }
}

interface Row {
  scene: string;
  encoding: string;
  firstBytes: number;
  bytesPerFrame: number;
  cpuMsPerFrame: number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

function measureImage(sceneName: string, frames: RawFrame[], label: string, encodings: number[]): Row {
  const client = new ImageClientState(SERVER_PIXEL_FORMAT);
  client.setEncodings(encodings);
  const full = { x: 0, y: 0, width: WIDTH, height: HEIGHT };
  const sizes: number[] = [];
  let cpu = 0;
  for (const frame of frames) {
    const start = process.cpuUsage();
    const fb = framebufferFromFrame(frame)!;
    const update = client.build(fb, full, null);
    cpu += cpuMs(start);
    // + 4 bytes FramebufferUpdate header; each rectangle's 12-byte header is in `parts`.
    sizes.push(update ? 4 + update.parts.reduce((n, p) => n + p.length, 0) : 0);
  }
  const steady = sizes.slice(1);
  return {
    scene: sceneName,
    encoding: label,
    firstBytes: sizes[0]!,
    bytesPerFrame: steady.reduce((a, b) => a + b, 0) / steady.length,
    cpuMsPerFrame: cpu / frames.length,
  };
}

async function measureH264(sceneName: string, frames: RawFrame[]): Promise<Row | null> {
  let selection;
  try {
    selection = await createEncoderBackend({ prefer: 'nvenc-software', fps: 30 });
  } catch (error) {
    console.error(`H.264 skipped: ${(error as Error).message}`);
    return null;
  }
  const sizes: number[] = [];
  let cpu = 0;
  try {
    for (const frame of frames) {
      const start = process.cpuUsage();
      const payloads = await selection.backend.encode(frame, { forceKeyframe: sizes.length === 0 });
      cpu += cpuMs(start);
      // Encoding-50 rectangle: 4 + 12 + 8 bytes of headers around the access unit.
      sizes.push(payloads.reduce((n, p) => n + 24 + p.payload.length, 0));
    }
  } finally {
    await selection.backend.close();
  }
  const steady = sizes.slice(1);
  return {
    scene: sceneName,
    encoding: `H.264 (${selection.name}, libx264 on the CPU; 2 s GOP)`,
    firstBytes: sizes[0]!,
    bytesPerFrame: steady.reduce((a, b) => a + b, 0) / steady.length,
    cpuMsPerFrame: cpu / frames.length,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const { values } = parseArgs({
    args,
    options: { write: { type: 'boolean', default: false }, frames: { type: 'string', default: '60' } },
  });
  const count = Number(values.frames);
  const pattern = new TestPattern({ width: WIDTH, height: HEIGHT });
  const desktop = new DesktopScene(WIDTH, HEIGHT);
  const scenes: [string, RawFrame[]][] = [
    ['demo (patches + moving box)', Array.from({ length: count }, (_, i) => pattern.next(i * 33_333))],
    ['desktop (windows, text, scrolling pane)', Array.from({ length: count }, () => desktop.next())],
  ];
  const rows: Row[] = [];
  for (const [name, frames] of scenes) {
    rows.push(measureImage(name, frames, 'Raw', [Encoding.Raw]));
    rows.push(measureImage(name, frames, 'ZRLE', [Encoding.ZRLE]));
    rows.push(measureImage(name, frames, 'ZRLE + CopyRect', [Encoding.ZRLE, Encoding.CopyRect]));
    rows.push(measureImage(name, frames, 'Tight (no JPEG)', [Encoding.Tight]));
    rows.push(
      measureImage(name, frames, 'Tight + JPEG q6 + CopyRect (noVNC)', [
        Encoding.CopyRect,
        Encoding.Tight,
        Encoding.QualityLevel0 + 6,
      ]),
    );
    const h264 = await measureH264(name, frames);
    if (h264) rows.push(h264);
  }
  const kib = (n: number) => (n / 1024).toFixed(1);
  const table = [
    '| scene | encoding | first update (KiB) | bytes per frame after (KiB) | server CPU per frame (ms) |',
    '|---|---|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.scene} | ${r.encoding} | ${kib(r.firstBytes)} | ${kib(r.bytesPerFrame)} | ${r.cpuMsPerFrame.toFixed(2)} |`,
    ),
  ].join('\n');
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`;
  const doc = `# RFB encodings: bytes and server CPU per frame

Produced by \`pnpm --filter @nvenc-ts/rfb-encoder-backend bench:encodings -- --write\`
(\`packages/rfb-encoder-backend/scripts/encodings-table.ts\`): ${count} frames of each 1280×720 scene,
each frame a new picture, one update per frame for one client in the server's 32 bpp format.
Measured on ${machine}, ${new Date().toISOString().slice(0, 10)}.

${table}

- **first update**: the whole screen (a client joining); **bytes per frame after**: the mean of the
  remaining frames, what a watching client costs. Image encodings send only the 64×64 tiles that
  differ from what the client last received, so a still screen costs 0 bytes and the demo's moving
  box costs the tiles along its edges.
- **CPU** is process CPU time (user + system) for damage tracking plus encoding, the mean over all
  frames (the first, full one included);
  for H.264 it is one encode shared by every H.264 client, on the **software NVENC device**
  (libavcodec's libx264 on the CPU), not NVENC hardware, whose encode runs on the GPU's NVENC engine.
- Image-path costs are per client (each client has its own damage state and zlib streams);
  H.264's is per server.
- CopyRect finds the scrolling pane's move (rows it already has, shifted) and sends a 4-byte copy
  instead of the pixels; only the newly exposed line is encoded.
`;
  if (values.write) {
    const file = join(__dirname, '..', '..', '..', 'docs', 'rfb-encodings.md');
    writeFileSync(file, doc);
    console.log(`wrote ${file}`);
  }
  console.log(table);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
