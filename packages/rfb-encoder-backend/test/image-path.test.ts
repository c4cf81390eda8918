/**
 * The image path (clients without H.264): encodings by the client's SetEncodings order, any true
 * colour pixel format, damage tracking, CopyRect, Cursor, LastRect, ContinuousUpdates and Fence,
 * decoded by the test's own viewer (helpers/rfb-decoder.ts, written from RFC 6143 / rfbproto).
 */
import { describe, expect, it } from 'vitest';
import type { RawFrame } from '../src/backend/types.js';
import {
  TEST_PATTERN_BACKGROUND,
  TEST_PATTERN_BOX,
  TEST_PATTERN_PATCHES,
  TestPattern,
} from '../src/demo/test-pattern.js';
import type { PixelFormat } from '../src/rfb/client-parser.js';
import { writePixelFormat } from '../src/rfb/server-messages.js';
import { RfbDecoder } from './helpers/rfb-decoder.js';
import { fakeSlices, type RfbTestClient, until } from './helpers/rfb-test-client.js';
import { scopedFixtures } from './helpers/scoped-fixtures.js';
import { RGB565 } from './helpers/viewer-fixture.js';

const { fixture, client } = scopedFixtures();
const W = 192;
const H = 128;
const E = {
  Raw: 0,
  CopyRect: 1,
  Tight: 7,
  ZRLE: 16,
  H264: 50,
  Cursor: -239,
  LastRect: -224,
  DesktopSize: -223,
  Fence: -312,
  CU: -313,
  Quality6: -26,
} as const;

const pf = (p: Partial<PixelFormat>): PixelFormat => ({
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
  ...p,
});

const FORMATS: [string, PixelFormat][] = [
  ['32 bpp native', pf({})],
  ['32 bpp big-endian, red low', pf({ bigEndian: true, redShift: 0, greenShift: 8, blueShift: 16 })],
  ['32 bpp colour in the top bytes', pf({ redShift: 24, greenShift: 16, blueShift: 8 })],
  ['16 bpp 5-6-5', RGB565],
  [
    '16 bpp 5-5-5 big-endian',
    pf({
      bitsPerPixel: 16,
      depth: 15,
      bigEndian: true,
      redMax: 31,
      greenMax: 31,
      blueMax: 31,
      redShift: 10,
      greenShift: 5,
      blueShift: 0,
    }),
  ],
  [
    '8 bpp bgr233',
    pf({ bitsPerPixel: 8, depth: 8, redMax: 7, greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6 }),
  ],
  // RFC 6143 §7.5.1 true-colour-flag 0: indices into the map the server sends (SetColourMapEntries).
  ['8 bpp colour map', pf({ bitsPerPixel: 8, depth: 8, trueColour: false })],
  ['16 bpp colour map, big-endian', pf({ bitsPerPixel: 16, depth: 8, bigEndian: true, trueColour: false })],
];

function setPixelFormat(c: RfbTestClient, format: PixelFormat): void {
  const b = Buffer.alloc(20);
  writePixelFormat(format, b, 4);
  c.write(b);
}

function enableContinuous(c: RfbTestClient, enable: boolean): void {
  const b = Buffer.alloc(10);
  b[0] = 150;
  b[1] = enable ? 1 : 0;
  b.writeUInt16BE(W, 6);
  b.writeUInt16BE(H, 8);
  c.write(b);
}

function fence(c: RfbTestClient, flags: number, payload: Buffer): void {
  const b = Buffer.alloc(9 + payload.length);
  b[0] = 248;
  b.writeUInt32BE(flags >>> 0, 4);
  b[8] = payload.length;
  payload.copy(b, 9);
  c.write(b);
}

type ServerMessage =
  | { type: 'update'; rects: number }
  | { type: 'end-of-cu' }
  | { type: 'fence'; flags: number; payload: Buffer }
  | { type: 'bell' }
  | { type: 'colour-map' };

async function nextMessage(c: RfbTestClient, d: RfbDecoder, timeoutMs = 3000): Promise<ServerMessage> {
  const read = (n: number) => c.read(n, timeoutMs);
  const type = (await read(1))[0];
  switch (type) {
    case 0:
      return { type: 'update', rects: await d.update(read) };
    case 1:
      await d.setColourMapEntries(read);
      return { type: 'colour-map' };
    case 2:
      return { type: 'bell' };
    case 150:
      return { type: 'end-of-cu' };
    case 248: {
      const h = await read(8);
      return { type: 'fence', flags: h.readUInt32BE(3), payload: Buffer.from(await read(h[7]!)) };
    }
    default:
      throw new Error(`unexpected server message ${type}`);
  }
}

async function nextUpdate(c: RfbTestClient, d: RfbDecoder): Promise<number> {
  for (;;) {
    const m = await nextMessage(c, d);
    if (m.type === 'update') return m.rects;
  }
}

async function imageClient(port: number, encodings: number[], format?: PixelFormat) {
  const c = await client(port);
  const init = await c.handshake();
  if (format) setPixelFormat(c, format);
  c.setEncodings(encodings);
  const d = new RfbDecoder(init.width, init.height, format ?? pf({}));
  return { c, d };
}

/** Half a quantisation step of the coarsest channel (the colour map's 3-3-2 palette: blue in 4 levels). */
const tolerance = (format: PixelFormat) =>
  format.trueColour ? Math.ceil(255 / Math.min(format.redMax, format.greenMax, format.blueMax) / 2) + 1 : 43;

function expectScene(d: RfbDecoder, format: PixelFormat, extra = 0): void {
  const t = tolerance(format) + extra;
  const points = [
    ...TEST_PATTERN_PATCHES.map((p) => ({
      name: p.name,
      x: Math.round(((p.x0 + p.x1) / 2) * W),
      y: Math.round(((p.y0 + p.y1) / 2) * H),
      rgb: p.rgb,
    })),
    { name: 'background', x: 4, y: H - 4, rgb: TEST_PATTERN_BACKGROUND },
  ];
  for (const p of points) {
    const got = d.pixel(p.x, p.y);
    expect(
      p.rgb.every((v, i) => Math.abs(v - got[i]!) <= t),
      `${p.name}: want ${p.rgb.join(',')} got ${got.join(',')} (±${t})`,
    ).toBe(true);
  }
}

async function sceneServer(options: Parameters<typeof fixture>[0] = {}) {
  const f = await fixture({ initialSize: { width: W, height: H }, ...options });
  const scene = new TestPattern({ width: W, height: H, speed: 8 });
  return { f, scene, push: (frame?: RawFrame) => f.server.pushFrame(frame ?? scene.next(0)) };
}

describe('encodings in every pixel format (true colour and colour map)', () => {
  for (const [encName, enc] of [
    ['Raw', E.Raw],
    ['ZRLE', E.ZRLE],
    ['Tight', E.Tight],
  ] as const) {
    it(`${encName}: the scene decodes right in ${FORMATS.length} pixel formats`, async () => {
      const { f, push } = await sceneServer();
      await push();
      for (const [, format] of FORMATS) {
        const { c, d } = await imageClient(f.port, [enc], format);
        c.requestUpdate(false, W, H);
        await nextUpdate(c, d);
        expectScene(d, format);
        expect(d.rects.every((r) => r.encoding === enc)).toBe(true);
        c.close();
      }
    });
  }

  it('picks the first encoding in the client list it can send, 50 included (RFC 6143 §7.5.2: order is preference)', async () => {
    const { f, push } = await sceneServer();
    await push();
    const cases: [number[], string][] = [
      [[E.ZRLE, E.Tight, E.Raw], 'zrle'],
      [[E.Tight, E.ZRLE], 'tight'],
      [[5, E.Raw, E.ZRLE], 'raw'],
      [[-999, 5], 'raw'],
      [[E.CopyRect, E.H264, E.Tight], 'h264'],
      // 50 listed after an image encoding is a lesser preference: the client gets Tight.
      [[E.CopyRect, E.Tight, E.H264], 'tight'],
      [[-239, E.H264], 'h264'],
    ];
    for (const [list, mode] of cases) {
      const c = await client(f.port);
      await c.handshake();
      c.setEncodings(list);
      await until(
        () => f.logLines.some((l) => l.includes(`encodings [${list.join(', ')}]: served ${mode}`)),
        2000,
        `${list} → ${mode}`,
      );
      c.close();
    }
  });
});

describe('damage tracking', () => {
  it('a still picture costs nothing; a moving box costs only the tiles it crosses', async () => {
    const { f, scene, push } = await sceneServer();
    const first = scene.next(0);
    await push(first);
    const { c, d } = await imageClient(f.port, [E.ZRLE]);
    c.requestUpdate(false, W, H);
    await nextUpdate(c, d);
    // The same picture again: the incremental request stays pending, nothing is written.
    c.requestUpdate(true, W, H);
    await push({ ...first, seq: 99 });
    await expect(c.read(1, 300)).rejects.toThrow(/timed out/);
    // The box moves: the update covers only the tile rows the box lies in.
    d.rects.length = 0;
    await push();
    await nextUpdate(c, d);
    const box = scene.boxAt(1);
    for (const r of d.rects) {
      expect(r.y).toBeGreaterThanOrEqual(Math.floor(box.y0 / 64) * 64);
      expect(r.y + r.height).toBeLessThanOrEqual(Math.ceil(box.y1 / 64) * 64);
    }
    const area = d.rects.reduce((n, r) => n + r.width * r.height, 0);
    expect(area).toBeLessThan((W * H) / 2);
    expect(d.pixel(box.x0 + 2, box.y0 + 2)).toEqual([...TEST_PATTERN_BOX]);
    expectScene(d, pf({}));
  });

  it('a non-incremental request gets the whole requested area even when nothing changed', async () => {
    const { f, push } = await sceneServer();
    await push();
    const { c, d } = await imageClient(f.port, [E.Raw]);
    c.requestUpdate(false, W, H);
    await nextUpdate(c, d);
    c.requestUpdate(false, W, H);
    d.rects.length = 0;
    await nextUpdate(c, d);
    expect(d.rects).toEqual([{ x: 0, y: 0, width: W, height: H, encoding: E.Raw }]);
  });
});

describe('CopyRect, Cursor, LastRect, JPEG', () => {
  it('sends a scroll as CopyRect plus the newly exposed rows', async () => {
    const f = await fixture({ initialSize: { width: W, height: H } });
    // Rows of distinct colours scrolling up 4 px per frame.
    const frameAt = (offset: number): RawFrame => {
      const data = Buffer.alloc(W * H * 4);
      for (let y = 0; y < H; y++) {
        const v = (y + offset) * 7;
        for (let x = 0; x < W; x++)
          data.writeUInt32LE(
            (0xff000000 | ((v & 0xff) << 16) | ((((v >> 3) + x) & 0xff) << 8) | ((x * 3) & 0xff)) >>> 0,
            (y * W + x) * 4,
          );
      }
      return { seq: offset, width: W, height: H, timestampUs: offset, pixelFormat: 'bgra8', memory: 'cpu', data };
    };
    await f.server.pushFrame(frameAt(0));
    const { c, d } = await imageClient(f.port, [E.CopyRect, E.ZRLE]);
    c.requestUpdate(false, W, H);
    await nextUpdate(c, d);
    d.rects.length = 0;
    c.requestUpdate(true, W, H);
    const next = frameAt(4);
    await f.server.pushFrame(next);
    await nextUpdate(c, d);
    const copies = d.rects.filter((r) => r.encoding === E.CopyRect);
    expect(copies.length).toBeGreaterThan(0);
    const pixels = d.rects.filter((r) => r.encoding === E.ZRLE).reduce((n, r) => n + r.width * r.height, 0);
    expect(pixels).toBeLessThan((W * H) / 4);
    const bytes = next.data as Buffer;
    const want = new Uint32Array(bytes.buffer, bytes.byteOffset, W * H);
    for (const [x, y] of [
      [0, 0],
      [100, 60],
      [191, 127],
      [50, H - 2],
    ] as const) {
      const p = want[y * W + x]!;
      expect(d.pixel(x, y)).toEqual([(p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff]);
    }
    // RFC 6143 §7.5.3: an area asked for non-incrementally "will not be updated using CopyRect".
    // The picture scrolls again while no request is pending; then the client asks for all of it.
    d.rects.length = 0;
    await f.server.pushFrame(frameAt(8));
    c.requestUpdate(false, W, H);
    await nextUpdate(c, d);
    expect(d.rects.length).toBeGreaterThan(0);
    expect(d.rects.filter((r) => r.encoding === E.CopyRect)).toEqual([]);
  });

  it('sends the pointer shape once to clients offering Cursor, and ends updates with LastRect for RFB 3.8', async () => {
    const { f, push } = await sceneServer();
    await push();
    const { c, d } = await imageClient(f.port, [E.Tight, E.Cursor, E.LastRect]);
    c.requestUpdate(false, W, H);
    await nextUpdate(c, d);
    expect(d.cursor).toEqual({ width: 12, height: 19, hotX: 0, hotY: 0 });
    d.cursor = null;
    c.requestUpdate(true, W, H);
    await push();
    await nextUpdate(c, d);
    expect(d.cursor).toBeNull();
    f.server.setCursor({ width: 2, height: 2, hotX: 1, hotY: 1, rgba: new Uint8Array(16).fill(255) });
    c.requestUpdate(true, W, H);
    await nextUpdate(c, d);
    expect(d.cursor).toEqual({ width: 2, height: 2, hotX: 1, hotY: 1 });
  });

  it('uses JPEG for photo-like areas when the client sent a quality level', async () => {
    const f = await fixture({ initialSize: { width: W, height: H } });
    const data = Buffer.alloc(W * H * 4);
    // A smooth two-way gradient with many colours: photo-like.
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        data.writeUInt32LE(
          (0xff000000 | (((x * 255) / W) << 16) | (((y * 255) / H) << 8) | 128) >>> 0,
          (y * W + x) * 4,
        );
    await f.server.pushFrame({
      seq: 1,
      width: W,
      height: H,
      timestampUs: 0,
      pixelFormat: 'bgra8',
      memory: 'cpu',
      data,
    });
    const { c, d } = await imageClient(f.port, [E.Tight, E.Quality6]);
    c.requestUpdate(false, W, H);
    await nextUpdate(c, d);
    expect(d.jpegRects).toBeGreaterThan(0);
    const got = d.pixel(96, 64);
    expect(Math.abs(got[0] - 127)).toBeLessThan(12);
    expect(Math.abs(got[1] - 127)).toBeLessThan(12);
    expect(Math.abs(got[2] - 128)).toBeLessThan(12);
  });
});

describe('ContinuousUpdates (-313) and Fence (-312)', () => {
  it('announces both, pushes updates without requests once enabled, and confirms switching off', async () => {
    const { f, push } = await sceneServer();
    await push();
    const { c, d } = await imageClient(f.port, [E.ZRLE, E.Fence, E.CU]);
    const announced = [await nextMessage(c, d), await nextMessage(c, d)];
    expect(announced).toContainEqual({ type: 'end-of-cu' });
    expect(announced).toContainEqual({ type: 'fence', flags: 0x80000000, payload: Buffer.alloc(0) });
    enableContinuous(c, true);
    // No FramebufferUpdateRequest at all from here on.
    await nextUpdate(c, d);
    await push();
    await nextUpdate(c, d);
    await push();
    await nextUpdate(c, d);
    expectScene(d, pf({}));
    await until(() => f.server.clients()[0]!.continuousUpdates, 1000);
    enableContinuous(c, false);
    expect(await nextMessage(c, d)).toEqual({ type: 'end-of-cu' });
    await push();
    await expect(c.read(1, 300)).rejects.toThrow(/timed out/);
  });

  it('pushes the shared H.264 stream to a continuous H.264 client', async () => {
    const { f, push } = await sceneServer();
    await push();
    const c = await client(f.port);
    await c.handshake();
    c.setEncodings([E.H264, E.CU]);
    expect((await c.read(1))[0]).toBe(150);
    enableContinuous(c, true);
    await until(() => f.server.clients()[0]!.watching);
    for (let i = 0; i < 3; i++) {
      await push();
      const rects = await c.readUpdate();
      expect(fakeSlices(rects.find((r) => r.encoding === E.H264)!.data!).length).toBeGreaterThan(0);
    }
  });

  it('sends the pointer shape to H.264 clients that offer Cursor, with their first frame', async () => {
    const { f, push } = await sceneServer();
    await push();
    const c = await client(f.port);
    await c.handshake();
    c.setEncodings([E.H264, E.Cursor]);
    c.requestUpdate(false);
    await until(() => f.server.clients()[0]!.watching);
    await push();
    const rects = await c.readUpdate();
    expect(rects.map((r) => r.encoding).sort()).toEqual([E.Cursor, E.H264].sort());
    c.requestUpdate(true);
    await push();
    expect((await c.readUpdate()).map((r) => r.encoding)).toEqual([E.H264]);
  });

  it('answers a Fence request after everything sent before it, with Request cleared and the payload echoed', async () => {
    const { f, push } = await sceneServer();
    await push();
    const { c, d } = await imageClient(f.port, [E.Raw, E.Fence]);
    expect(await nextMessage(c, d)).toMatchObject({ type: 'fence' });
    // BlockBefore: the update this request produces comes before the fence's answer.
    c.requestUpdate(false, W, H);
    fence(c, 0x80000000 | 1 | 4, Buffer.from('ping-42'));
    expect(await nextMessage(c, d)).toMatchObject({ type: 'update' });
    expect(await nextMessage(c, d)).toEqual({ type: 'fence', flags: 1 | 4, payload: Buffer.from('ping-42') });
    // A payload over 64 bytes breaks the protocol.
    fence(c, 0x80000000, Buffer.alloc(65));
    await c.waitClosed();
    expect(f.logLines.some((l) => l.includes('Fence payload of 65 bytes'))).toBe(true);
  });
});

describe('SetDesktopSize', () => {
  it('is answered "prohibited" with the current size (the application owns the size)', async () => {
    const { f, push } = await sceneServer();
    await push();
    const { c, d } = await imageClient(f.port, [E.Raw, -308]);
    const b = Buffer.alloc(8 + 16);
    b[0] = 251;
    b.writeUInt16BE(100, 2);
    b.writeUInt16BE(80, 4);
    b[6] = 1;
    b.writeUInt16BE(100, 8 + 8);
    b.writeUInt16BE(80, 8 + 10);
    c.write(b);
    await nextUpdate(c, d);
    expect(d.rects).toEqual([{ x: 1, y: 1, width: W, height: H, encoding: -308 }]);
    expect(f.server.clients()[0]!.ready).toBe(true);
  });
});

describe('mixed clients on one server', () => {
  it('one H.264 encode per frame for all H.264 clients, while image clients get their own rectangles', async () => {
    const { f, push } = await sceneServer();
    await push();
    const h264 = [await client(f.port), await client(f.port)];
    for (const c of h264) {
      await c.handshake();
      c.setEncodings([E.H264]);
      c.requestUpdate(false);
    }
    const zrle = await imageClient(f.port, [E.ZRLE]);
    const raw = await imageClient(f.port, [E.Raw], RGB565);
    await until(() => f.server.clients().filter((s) => s.watching).length === 2);
    const encodedBefore = f.engineLog.frames.length;
    for (let i = 0; i < 4; i++) {
      for (const c of h264) c.requestUpdate(true);
      zrle.c.requestUpdate(i === 0 ? false : true, W, H);
      raw.c.requestUpdate(i === 0 ? false : true, W, H);
      await push();
      for (const c of h264) expect((await c.readUpdate()).some((r) => r.encoding === E.H264)).toBe(true);
      await nextUpdate(zrle.c, zrle.d);
      await nextUpdate(raw.c, raw.d);
    }
    // Keyframe re-encodes of a still frame aside, one encode per pushed frame however many watch.
    expect(f.engineLog.frames.length - encodedBefore).toBeLessThanOrEqual(4 + 2);
    expectScene(zrle.d, pf({}));
    expectScene(raw.d, RGB565);
    expect(
      f.server
        .clients()
        .map((s) => s.mode)
        .sort(),
    ).toEqual(['h264', 'h264', 'raw', 'zrle']);
  });
});
