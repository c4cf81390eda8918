/**
 * End to end with a client nobody here wrote: noVNC 1.7.0 in Debian's Chromium (headless, software
 * H.264 decoding through WebCodecs) watches the test scene encoded by the software NVENC device.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CHROMIUM_PATH, chromiumLaunchOptions } from '../../../scripts/test-support/chromium.mjs';
import { H264EncoderBackend } from '../src/backend/nvenc-backend.js';
import { createNvencEngine } from '../src/backend/nvenc-engine.js';
import { createEncoderBackend, type BackendSelection } from '../src/backend/registry.js';
import type { EncodedPayload } from '../src/backend/types.js';
import { startNoVncDemo, type NoVncDemo } from '../src/demo/novnc-demo.js';
import {
  TEST_PATTERN_BACKGROUND,
  TEST_PATTERN_BOX,
  TEST_PATTERN_PATCHES,
  TestPattern,
} from '../src/demo/test-pattern.js';
import { decodePng, type DecodedPng } from './helpers/png.js';
import { captureLogger, until } from './helpers/rfb-test-client.js';

const WIDTH = 320;
const HEIGHT = 240;
const FPS = 15;
/** H.264 at a sane bit rate moves flat colours by a few levels; 4:2:0 chroma by a few more. */
const TOLERANCE = 24;
const ARTIFACTS = join(__dirname, '..', 'test-results');

/**
 * The software device from @nvenc-ts/software-device, or, with RFB_TEST_NVENC_LIB_DIR, the
 * libcuda.so.1 / libnvidia-encode.so.1 in that directory (another build of it, or real CUDA).
 */
async function softwareBackend(): Promise<BackendSelection> {
  const options = { fps: FPS, bitrate: 1_500_000 };
  const dir = process.env['RFB_TEST_NVENC_LIB_DIR'];
  if (!dir) return createEncoderBackend({ prefer: 'nvenc-software', ...options });
  const engine = await createNvencEngine({
    device: { cudaLibrary: join(dir, 'libcuda.so.1'), nvencLibrary: join(dir, 'libnvidia-encode.so.1') },
    name: 'nvenc-software',
  });
  return {
    backend: new H264EncoderBackend(engine, options),
    name: engine.name,
    reason: `libraries in ${dir}`,
    attempts: [],
  };
}

describe.skipIf(process.env['RFB_SKIP_BROWSER'] === '1')('noVNC 1.7.0 in Chromium', () => {
  let selection: BackendSelection;
  let demo: NoVncDemo;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let timer: NodeJS.Timeout;
  const encoded: EncodedPayload[] = [];
  const consoleErrors: string[] = [];
  const { lines: serverLog, logger } = captureLogger();
  let scene = new TestPattern({ width: WIDTH, height: HEIGHT, speed: 6 });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH))
      throw new Error(`${CHROMIUM_PATH} not found (apt-get install chromium), or set RFB_SKIP_BROWSER=1`);
    selection = await softwareBackend();
    demo = await startNoVncDemo({
      backend: selection.backend,
      httpPort: 0,
      logger,
      initialSize: { width: WIDTH, height: HEIGHT },
    });
    demo.server.on('encoded', (payloads) => encoded.push(...payloads));
    const t0 = Date.now();
    timer = setInterval(
      () => void demo.server.pushFrame(scene.next((Date.now() - t0) * 1000)).catch(() => {}),
      1000 / FPS,
    );

    userDataDir = mkdtempSync(join(tmpdir(), 'rfb-chromium-'));
    context = await chromium.launchPersistentContext(
      userDataDir,
      chromiumLaunchOptions({ viewport: { width: 800, height: 600 } }),
    );
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(demo.url);
    await page.waitForFunction(
      () => (window as unknown as { demo?: { connected: boolean } }).demo?.connected === true,
      null,
      { timeout: 20_000 },
    );
  }, 90_000);

  afterAll(async () => {
    clearInterval(timer);
    await context?.close();
    await demo?.close();
    await selection?.backend.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  async function screenshot(name: string): Promise<DecodedPng> {
    const png = await page.locator('#screen canvas').screenshot();
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, `${name}.png`), png);
    return decodePng(png);
  }

  const close = (a: readonly number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= TOLERANCE);

  it('picked the software device and negotiated H.264 from the real SPS', async () => {
    expect(selection.name).toBe('nvenc-software');
    await until(() => encoded.length > 0, 10_000, 'the first encoded frame');
    expect(encoded[0]!.keyframe).toBe(true);
    expect(encoded[0]!.codec).toMatch(/^avc1\.42[0-9a-f]{4}$/);
    // noVNC 1.7.0's H264Parser cuts the stream after every slice NAL and decodes each piece as a
    // picture: a multi-slice encoder shows as garbage in part of the canvas.
    const slices = [...new Set(encoded.map((p) => p.metadata.sliceCount))];
    expect(slices, 'slices per picture (noVNC needs 1)').toEqual([1]);
  });

  it('negotiated RFB 3.8, shared, its own 32 bpp format (red in the low byte), and 50 as its first full encoding (after CopyRect)', () => {
    const logged = (re: RegExp) =>
      expect(
        serverLog.some((l) => re.test(l)),
        serverLog.join('\n'),
      ).toBe(true);
    logged(/ready, RFB 3\.8, shared/);
    logged(/pixel format 32 bpp depth 24 little-endian true colour max 255,255,255 shift 0,8,16/);
    // Its list also offers DesktopSize and ExtendedDesktopSize: it is sent only the latter.
    logged(/encodings \[1, 50, 7, .*-223, .*-308, .*\]: served h264/);
  });

  it('shows the four colour patches and the background at their places', async () => {
    let shot: DecodedPng | undefined;
    let report = '';
    // The first keyframe takes a moment to reach the canvas; poll until the picture is there.
    const deadline = Date.now() + 20_000;
    for (;;) {
      shot = await screenshot('novnc-canvas');
      const checks = [
        ...TEST_PATTERN_PATCHES.map((p) => ({
          name: p.name,
          x: Math.round(((p.x0 + p.x1) / 2) * WIDTH),
          y: Math.round(((p.y0 + p.y1) / 2) * HEIGHT),
          want: p.rgb,
        })),
        { name: 'background', x: 8, y: HEIGHT - 8, want: TEST_PATTERN_BACKGROUND },
      ];
      const results = checks.map((c) => ({ ...c, got: shot!.pixel(c.x, c.y) }));
      report = results
        .map((r) => `${r.name}@(${r.x},${r.y}) want ${r.want.join(',')} got ${r.got.join(',')}`)
        .join('\n');
      if (results.every((r) => close(r.got, r.want))) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    console.log(`canvas ${shot.width}x${shot.height}\n${report}`);
    expect(shot.width).toBe(WIDTH);
    expect(shot.height).toBe(HEIGHT);
    for (const line of report.split('\n')) {
      const m = /want (\d+),(\d+),(\d+) got (\d+),(\d+),(\d+)/.exec(line)!;
      expect(close(m.slice(4, 7).map(Number), m.slice(1, 4).map(Number)), line).toBe(true);
    }
  });

  /** Left edge of the white box in the box row, from a screenshot. */
  function boxLeft(shot: DecodedPng): number {
    const y = Math.round(HEIGHT * 0.625) + Math.round(HEIGHT / 8);
    for (let x = 0; x < shot.width; x++) if (close(shot.pixel(x, y), TEST_PATTERN_BOX)) return x;
    return -1;
  }

  it('keeps frames arriving: the box moves between screenshots', async () => {
    const first = await screenshot('novnc-motion-1');
    const sentBefore = demo.server.clients()[0]!.stats.framesSent;
    await new Promise((r) => setTimeout(r, 700));
    const second = await screenshot('novnc-motion-2');
    const [a, b] = [boxLeft(first), boxLeft(second)];
    console.log(
      `box left edge: ${a} then ${b}; frames sent to noVNC: ${sentBefore} then ${demo.server.clients()[0]!.stats.framesSent}`,
    );
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThanOrEqual(0);
    expect(b).not.toBe(a);
    expect(demo.server.clients()[0]!.stats.framesSent).toBeGreaterThan(sentBefore + 3);
  });

  it('keeps streaming to noVNC while a hostile client is cut off', async () => {
    const ws = new WebSocket(demo.url.replace('http', 'ws') + 'websockify', ['binary']);
    await new Promise<void>((r) => ws.once('open', () => r()));
    // Handshake, then a ClientCutText claiming 4 GB.
    ws.send(Buffer.from('RFB 003.008\n'));
    ws.send(Buffer.from([1]));
    ws.send(Buffer.from([1]));
    ws.send(Buffer.from([6, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]));
    await new Promise<void>((r) => ws.once('close', () => r()));
    expect(serverLog.find((l) => l.includes('RFB_MESSAGE_TOO_LARGE'))).toMatch(/^warn cut off client #\d+ \(websocket/);
    const before = demo.server.clients()[0]!.stats.framesSent;
    await until(() => demo.server.clients()[0]!.stats.framesSent > before + 3, 5000, 'frames to noVNC');
    const shot = await screenshot('novnc-after-hostile');
    expect(close(shot.pixel(WIDTH / 8, HEIGHT / 4), TEST_PATTERN_PATCHES[0]!.rgb)).toBe(true);
  });

  it('authenticates noVNC with VNC Authentication (DES, bit-reversed key)', async () => {
    // Its own backend: one H.264 stream cannot be split between two servers.
    const own = await softwareBackend();
    const locked = await startNoVncDemo({
      backend: own.backend,
      httpPort: 0,
      logger,
      password: 'pa55word',
      initialSize: { width: WIDTH, height: HEIGHT },
    });
    const second = await context.newPage();
    try {
      const feed = setInterval(
        () => void locked.server.pushFrame(scene.next(Date.now() * 1000)).catch(() => {}),
        1000 / FPS,
      );
      // The password is not in the page: noVNC asks (credentialsrequired) and the user types it.
      const served = await (await fetch(locked.url)).text();
      expect(served).not.toContain('pa55word');
      await second.goto(locked.url);
      await second.locator('#password').waitFor({ state: 'visible', timeout: 20_000 });
      await second.fill('#password', 'pa55word');
      await second.click('#login button');
      await second.waitForFunction(
        () => (window as unknown as { demo?: { connected: boolean } }).demo?.connected === true,
        null,
        { timeout: 20_000 },
      );
      await until(
        () => (locked.server.clients()[0]?.stats.framesSent ?? 0) > 2,
        10_000,
        'frames to the authenticated noVNC',
      );
      const shot = decodePng(await second.locator('#screen canvas').screenshot());
      clearInterval(feed);
      expect(close(shot.pixel(WIDTH / 8, HEIGHT / 4), TEST_PATTERN_PATCHES[0]!.rgb)).toBe(true);
      expect(serverLog.some((l) => l.includes('RFB_AUTH_FAILED'))).toBe(false);
    } finally {
      await second.close();
      await locked.close();
      await own.backend.close();
    }
  });

  it('plays without WebCodecs too: noVNC then offers no H.264 and gets Tight, on the same server', async () => {
    const plain = await context.newPage();
    try {
      // noVNC offers encoding 50 only when its WebCodecs probe finds VideoDecoder.
      await plain.addInitScript(() => {
        delete (window as unknown as { VideoDecoder?: unknown }).VideoDecoder;
      });
      await plain.goto(demo.url);
      await plain.waitForFunction(
        () => (window as unknown as { demo?: { connected: boolean } }).demo?.connected === true,
        null,
        { timeout: 20_000 },
      );
      await until(
        () => demo.server.clients().some((c) => c.mode === 'tight' && c.stats.rectsSent > 0),
        10_000,
        'Tight rectangles to the second noVNC',
      );
      const modes = demo.server
        .clients()
        .map((c) => c.mode)
        .sort();
      expect(modes).toEqual(['h264', 'tight']);
      const shotOf = async (name: string) => {
        const png = await plain.locator('#screen canvas').screenshot();
        writeFileSync(join(ARTIFACTS, `${name}.png`), png);
        return decodePng(png);
      };
      let shot = await shotOf('novnc-tight-1');
      const deadline = Date.now() + 10_000;
      const allRight = () =>
        TEST_PATTERN_PATCHES.every((p) =>
          close(shot.pixel(Math.round(((p.x0 + p.x1) / 2) * WIDTH), Math.round(((p.y0 + p.y1) / 2) * HEIGHT)), p.rgb),
        );
      while (!allRight() && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        shot = await shotOf('novnc-tight-1');
      }
      for (const p of TEST_PATTERN_PATCHES) {
        const got = shot.pixel(Math.round(((p.x0 + p.x1) / 2) * WIDTH), Math.round(((p.y0 + p.y1) / 2) * HEIGHT));
        expect(close(got, p.rgb), `${p.name} over Tight: got ${got.join(',')}`).toBe(true);
      }
      expect(close(shot.pixel(8, HEIGHT - 8), TEST_PATTERN_BACKGROUND)).toBe(true);
      await new Promise((r) => setTimeout(r, 700));
      const later = await shotOf('novnc-tight-2');
      expect(boxLeft(later)).toBeGreaterThanOrEqual(0);
      expect(boxLeft(later)).not.toBe(boxLeft(shot));
      const tight = demo.server.clients().find((c) => c.mode === 'tight')!;
      expect(tight.continuousUpdates, 'noVNC switched on continuous updates').toBe(true);
    } finally {
      await plain.close();
    }
  });

  it('follows a resize: ExtendedDesktopSize, new session, reset contexts, right colours at the new size', async () => {
    const [w, h] = [240, 160];
    scene = new TestPattern({ width: w, height: h, speed: 4 });
    await page.waitForFunction(
      ([cw, ch]) => {
        const canvas = document.querySelector('#screen canvas') as HTMLCanvasElement | null;
        return canvas !== null && canvas.width === cw && canvas.height === ch;
      },
      [w, h],
      { timeout: 10_000 },
    );
    let shot = await screenshot('novnc-resized');
    const deadline = Date.now() + 10_000;
    const red = () => shot.pixel(Math.round(w / 8), Math.round(h / 4));
    while (!close(red(), TEST_PATTERN_PATCHES[0]!.rgb) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      shot = await screenshot('novnc-resized');
    }
    expect([shot.width, shot.height]).toEqual([w, h]);
    for (const p of TEST_PATTERN_PATCHES) {
      const got = shot.pixel(Math.round(((p.x0 + p.x1) / 2) * w), Math.round(((p.y0 + p.y1) / 2) * h));
      expect(close(got, p.rgb), `${p.name} after resize: got ${got.join(',')}`).toBe(true);
    }
    const resized = encoded.find((p) => p.width === w);
    expect(resized).toMatchObject({ keyframe: true, metadata: { keyframeReason: 'resize' } });
  });

  it('decoded without errors in the page', () => {
    expect(consoleErrors.filter((m) => /decode|H264|h264|VideoDecoder/i.test(m))).toEqual([]);
  });
});
