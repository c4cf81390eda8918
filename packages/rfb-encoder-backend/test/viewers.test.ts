/**
 * Viewers nobody here wrote, from Debian: vncsnapshot (TightVNC 1.2.8 based, RFB 3.3) and
 * TigerVNC's vncviewer under Xvfb. Each takes seconds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_PATTERN_BACKGROUND, TEST_PATTERN_PATCHES } from '../src/demo/test-pattern.js';
import { until } from './helpers/rfb-test-client.js';
import { startSceneServer } from './helpers/viewer-fixture.js';

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const work = mkdtempSync(join(tmpdir(), 'rfb-viewers-'));
const ARTIFACTS = join(__dirname, '..', 'test-results');
mkdirSync(ARTIFACTS, { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

const W = 320;
const H = 240;
/** The five points every screenshot is checked at: the four patches' centres and the background. */
const POINTS = [
  ...TEST_PATTERN_PATCHES.map((p) => ({
    name: p.name,
    x: Math.round(((p.x0 + p.x1) / 2) * W),
    y: Math.round(((p.y0 + p.y1) / 2) * H),
    rgb: p.rgb,
  })),
  { name: 'background', x: 8, y: H - 8, rgb: TEST_PATTERN_BACKGROUND },
];

function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Any image ffmpeg reads (JPEG, XWD, PNG) as RGB pixels. */
function decodeImage(file: string): { width: number; height: number; pixel: (x: number, y: number) => number[] } {
  const probe = spawnSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file],
    { encoding: 'utf8' },
  );
  const [width, height] = probe.stdout.trim().split(',').map(Number) as [number, number];
  const raw = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (raw.status !== 0) throw new Error(`ffmpeg could not read ${file}: ${raw.stderr.toString()}`);
  const data = raw.stdout;
  return { width, height, pixel: (x, y) => [...data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)] };
}

/** `tolerance` per channel; 16 bpp loses the low 2-3 bits of each channel. */
function expectColours(pixel: (x: number, y: number) => number[], tolerance: number): void {
  const report = POINTS.map((p) => ({ ...p, got: pixel(p.x, p.y) }));
  for (const r of report) {
    const ok = r.rgb.every((v, i) => Math.abs(v - r.got[i]!) <= tolerance);
    expect(ok, `${r.name} at (${r.x},${r.y}): want ${r.rgb.join(',')} got ${r.got.join(',')}`).toBe(true);
  }
}

describe.skipIf(!has('vncsnapshot'))('vncsnapshot (Debian, RFB 3.3)', () => {
  // vncsnapshot always asks for its own 32 bpp format (SetPixelFormat, red shift 0), whatever the
  // server announces; 8 bpp is proved with TigerVNC's low-colour levels below.
  it('takes a snapshot of the scene over TCP (Raw, its own 32 bpp format)', async () => {
    const f = await startSceneServer({ width: W, height: H });
    try {
      const file = join(work, 'snapshot.jpg');
      const result = await run('vncsnapshot', ['-quality', '100', '-nojpeg', '-quiet', `127.0.0.1::${f.port}`, file]);
      expect(result.code, result.output).toBe(0);
      const image = decodeImage(file);
      expect([image.width, image.height]).toEqual([W, H]);
      expectColours(image.pixel, 6);
      expect(f.logLines.some((l) => /encodings \[.*\]: served raw/.test(l))).toBe(true);
    } finally {
      await f.close();
    }
  });

  it('captures a sub-rectangle over Tight (-rect: a request for part of the framebuffer, §7.5.3)', async () => {
    const f = await startSceneServer({ width: W, height: H });
    try {
      const file = join(work, 'snapshot-rect.jpg');
      const [rx, ry] = [W / 4, H / 4];
      const result = await run('vncsnapshot', [
        ...['-quality', '100', '-nojpeg', '-quiet', '-encodings', 'tight copyrect'],
        ...['-rect', `${W / 2}x${H / 2}+${rx}+${ry}`, `127.0.0.1::${f.port}`, file],
      ]);
      expect(result.code, result.output).toBe(0);
      const image = decodeImage(file);
      expect([image.width, image.height]).toEqual([W / 2, H / 2]);
      // The green and blue patches' centres lie inside; the rectangle's corner is green.
      const inside = POINTS.filter((p) => p.x >= rx && p.x < rx + W / 2 && p.y >= ry && p.y < ry + H / 2);
      expect(inside.map((p) => p.name)).toEqual(['green', 'blue']);
      for (const p of [...inside, { ...inside[0]!, x: rx + 1, y: ry + 1 }]) {
        const got = image.pixel(p.x - rx, p.y - ry);
        expect(
          p.rgb.every((v, i) => Math.abs(v - got[i]!) <= 6),
          `${p.name}: want ${p.rgb} got ${got}`,
        ).toBe(true);
      }
      expect(
        f.logLines.some((l) => /encodings \[7, 1.*\]: served tight/.test(l)),
        f.logLines.join('\n'),
      ).toBe(true);
    } finally {
      await f.close();
    }
  });
});

const X_TOOLS = ['Xvfb', 'xtigervncviewer', 'xwd', 'ffmpeg'];

/** Xvfb on a free display, the viewer on it, and window screenshots via xwd → ffmpeg. */
async function withTigerVnc(
  opts: { depth: 8 | 16 | 24; viewerArgs: string[]; port: number; viewer?: string },
  body: (shot: (name: string) => ReturnType<typeof decodeImage>) => Promise<void>,
): Promise<void> {
  let display = 0;
  for (let n = 40 + (process.pid % 50); n < 200; n++) {
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) {
      display = n;
      break;
    }
  }
  const xvfb = spawn('Xvfb', [`:${display}`, '-screen', '0', `640x480x${opts.depth}`, '-nolisten', 'tcp'], {
    stdio: 'ignore',
  });
  let viewer: ReturnType<typeof spawn> | null = null;
  let viewerLog = '';
  try {
    await until(() => existsSync(`/tmp/.X11-unix/X${display}`), 10_000, 'Xvfb');
    viewer = spawn(
      opts.viewer ?? 'xtigervncviewer',
      ['-display', `:${display}`, ...opts.viewerArgs, `127.0.0.1::${opts.port}`],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    viewer.stdout!.on('data', (d) => (viewerLog += d));
    viewer.stderr!.on('data', (d) => (viewerLog += d));
    const shot = (name: string) => {
      const file = join(work, `${name}.xwd`);
      const r = spawnSync('xwd', ['-display', `:${display}`, '-root', '-silent', '-out', file]);
      if (r.status !== 0) throw new Error(`xwd failed: ${r.stderr.toString()}\nviewer: ${viewerLog}`);
      // xwd's 32-bit pixels carry alpha 0: read them as RGB, and keep an opaque PNG to look at.
      spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', file, '-pix_fmt', 'rgb24', join(ARTIFACTS, `${name}.png`)]);
      return decodeImage(file);
    };
    await body(shot);
  } catch (error) {
    throw new Error(`${(error as Error).message}\nviewer output:\n${viewerLog}`);
  } finally {
    viewer?.kill('SIGKILL');
    xvfb.kill('SIGKILL');
  }
}

/** Where the scene's top-left corner lies on the root window (the viewer places its window itself). */
function findScene(image: ReturnType<typeof decodeImage>, t: number): { x: number; y: number } | null {
  const red = TEST_PATTERN_PATCHES[0]!.rgb;
  const near = (p: number[], want: readonly number[]) => want.every((v, i) => Math.abs(v - p[i]!) <= t);
  for (let y = 0; y + H <= image.height; y++) {
    for (let x = 0; x + W <= image.width; x++) {
      if (
        near(image.pixel(x, y), red) &&
        near(image.pixel(x + 5, y + 5), red) &&
        (x === 0 || !near(image.pixel(x - 1, y), red)) &&
        (y === 0 || !near(image.pixel(x, y - 1), red))
      )
        return { x, y };
    }
  }
  return null;
}

/** Polls screenshots until the scene is on screen with the right colours (the viewer draws progressively). */
async function sceneOnScreen(shot: (name: string) => ReturnType<typeof decodeImage>, name: string, tolerance: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const image = shot(name);
    const origin = findScene(image, Math.max(12, tolerance));
    const at = (x: number, y: number) => image.pixel(origin!.x + x, origin!.y + y);
    const good =
      origin !== null && POINTS.every((p) => p.rgb.every((v, i) => Math.abs(v - at(p.x, p.y)[i]!) <= tolerance));
    if (good || Date.now() > deadline) {
      expect(origin, 'the scene on the X screen').not.toBeNull();
      expectColours(at, tolerance);
      return { image, origin: origin!, at };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Left edge of the white box, in scene coordinates. */
function boxLeft(at: (x: number, y: number) => number[]): number {
  const y = Math.round(H * 0.625) + Math.round(H / 8);
  for (let x = 0; x < W; x++) if (at(x, y).every((v) => v >= 235)) return x;
  return -1;
}

describe.skipIf(!X_TOOLS.every(has))("TigerVNC's vncviewer under Xvfb", () => {
  it('shows the scene over Tight (its default) at 24-bit colour, and the box moves', async () => {
    const f = await startSceneServer({ width: W, height: H });
    try {
      await withTigerVnc({ depth: 24, viewerArgs: [], port: f.port }, async (shot) => {
        const first = await sceneOnScreen(shot, 'tigervnc-tight-1', 12);
        const a = boxLeft(first.at);
        await new Promise((r) => setTimeout(r, 700));
        const second = await sceneOnScreen(shot, 'tigervnc-tight-2', 12);
        const b = boxLeft(second.at);
        expect(a).toBeGreaterThanOrEqual(0);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b, 'box left edge moved').not.toBe(a);
      });
      expect(
        f.logLines.some((l) => /encodings \[.*\]: served tight/.test(l)),
        f.logLines.join('\n'),
      ).toBe(true);
    } finally {
      await f.close();
    }
  });

  it('shows the scene in 8 bpp when told to use low colour (-FullColor=0 -LowColorLevel=2: 3-3-2 true colour)', async () => {
    const f = await startSceneServer({ width: W, height: H });
    try {
      // 3-3-2: blue has 4 levels, so a channel may be up to half a step (43) off.
      await withTigerVnc(
        { depth: 24, viewerArgs: ['-AutoSelect=0', '-FullColor=0', '-LowColorLevel=2'], port: f.port },
        async (shot) => {
          await sceneOnScreen(shot, 'tigervnc-8bpp', 44);
        },
      );
      expect(
        f.logLines.some((l) => /pixel format 8 bpp depth 8 .*true colour max 7,7,3/.test(l)),
        f.logLines.join('\n'),
      ).toBe(true);
    } finally {
      await f.close();
    }
  });

  // TigerVNC 1.12 keeps the server's 32 bpp format on a 16-bit screen and converts itself: its
  // only smaller formats are the 8 bpp low-colour levels (above). 16 bpp is proved with TightVNC's
  // viewer (below).
  it('shows the scene over ZRLE on a 16-bit X screen (in the 32 bpp format the server announces)', async () => {
    const f = await startSceneServer({ width: W, height: H });
    try {
      await withTigerVnc(
        { depth: 16, viewerArgs: ['-PreferredEncoding=ZRLE', '-AutoSelect=0'], port: f.port },
        async (shot) => {
          await sceneOnScreen(shot, 'tigervnc-zrle-16', 10);
        },
      );
      expect(
        f.logLines.some((l) => /encodings \[[^\]]*\]: served zrle/.test(l)),
        f.logLines.join('\n'),
      ).toBe(true);
      expect(f.logLines.some((l) => l.includes('pixel format'))).toBe(false);
    } finally {
      await f.close();
    }
  });
});

describe.skipIf(!['Xvfb', 'xtightvncviewer', 'xwd', 'ffmpeg'].every(has))("TightVNC's vncviewer 1.3 under Xvfb", () => {
  it('shows the scene through a colour map on an 8-bit PseudoColor screen (-owncmap: true-colour-flag 0)', async () => {
    const f = await startSceneServer({ width: W, height: H });
    try {
      await withTigerVnc(
        { viewer: 'xtightvncviewer', depth: 8, viewerArgs: ['-owncmap', '-encodings', 'raw'], port: f.port },
        async (shot) => {
          await sceneOnScreen(shot, 'tightvnc-colour-map', 44);
        },
      );
      expect(
        f.logLines.some((l) => /pixel format 8 bpp depth 8 .*colour map/.test(l)),
        f.logLines.join('\n'),
      ).toBe(true);
    } finally {
      await f.close();
    }
  });

  it('asks for 16 bpp 5-6-5 on a 16-bit screen and shows the scene over Tight', async () => {
    const f = await startSceneServer({ width: W, height: H });
    try {
      await withTigerVnc(
        { viewer: 'xtightvncviewer', depth: 16, viewerArgs: ['-encodings', 'tight'], port: f.port },
        async (shot) => {
          await sceneOnScreen(shot, 'tightvnc-16bpp', 10);
        },
      );
      expect(
        f.logLines.some((l) => /pixel format 16 bpp depth 16 .*max 31,63,31 shift 11,5,0/.test(l)),
        f.logLines.join('\n'),
      ).toBe(true);
      expect(f.logLines.some((l) => /encodings \[7, .*\]: served tight/.test(l))).toBe(true);
    } finally {
      await f.close();
    }
  });
});
