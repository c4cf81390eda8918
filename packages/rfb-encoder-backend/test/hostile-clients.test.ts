import { describe, expect, it } from 'vitest';
import { H264Flags } from '../src/rfb/constants.js';
import { scopedFixtures } from './helpers/scoped-fixtures.js';
import { fakeSlices, RfbTestClient, until } from './helpers/rfb-test-client.js';

const H264 = 50;

const { fixture, client, defer } = scopedFixtures();

/** A well-behaved viewer that has had its first keyframe. */
async function watcher(f: Awaited<ReturnType<typeof fixture>>) {
  const c = await client(f.port);
  await c.handshake();
  c.setEncodings([H264]);
  c.requestUpdate(false);
  await until(() => f.server.clients().some((s) => s.watching));
  await f.push();
  await c.readUpdate();
  return c;
}

/** The good client still gets the next frame after the hostile one is gone. */
async function expectStillStreaming(f: Awaited<ReturnType<typeof fixture>>, c: RfbTestClient) {
  await f.push();
  c.requestUpdate(true);
  const rects = await c.readUpdate();
  expect(rects[0]!.encoding).toBe(H264);
  expect(fakeSlices(rects[0]!.data!).length).toBeGreaterThan(0);
}

const cutOff = (lines: string[], code: string) =>
  lines.some((l) => l.startsWith('warn cut off client') && l.includes(code));

describe('hostile and broken clients are cut off with a log line', () => {
  it('a client that is not speaking RFB', async () => {
    const f = await fixture();
    const good = await watcher(f);
    const bad = await client(f.port);
    await bad.read(12);
    bad.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await bad.waitClosed();
    expect(cutOff(f.logLines, 'RFB_BAD_VERSION')).toBe(true);
    await expectStillStreaming(f, good);
  });

  it('an unknown message type', async () => {
    const f = await fixture();
    const good = await watcher(f);
    const bad = await client(f.port);
    await bad.handshake();
    bad.write([99, 0, 0, 0]);
    await bad.waitClosed();
    expect(f.logLines.find((l) => l.includes('RFB_UNKNOWN_MESSAGE'))).toMatch(/unknown client message type 99/);
    await expectStillStreaming(f, good);
  });

  it('a ClientCutText announcing 4 GB, cut off before any of it arrives', async () => {
    const f = await fixture();
    const good = await watcher(f);
    const bad = await client(f.port);
    await bad.handshake();
    bad.write([6, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    await bad.waitClosed();
    expect(f.logLines.find((l) => l.includes('RFB_MESSAGE_TOO_LARGE'))).toMatch(
      /ClientCutText length 4294967295 exceeds the limit/,
    );
    await expectStillStreaming(f, good);
  });

  it('a SetEncodings with an absurd count', async () => {
    const f = await fixture();
    const bad = await client(f.port);
    await bad.handshake();
    bad.write([2, 0, 0xff, 0xff]);
    await bad.waitClosed();
    expect(cutOff(f.logLines, 'RFB_MESSAGE_TOO_LARGE')).toBe(true);
  });

  it('a SetPixelFormat with an impossible bits-per-pixel', async () => {
    const f = await fixture();
    const bad = await client(f.port);
    await bad.handshake();
    bad.write([0, 0, 0, 0, 7, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]);
    await bad.waitClosed();
    expect(f.logLines.find((l) => l.includes('RFB_BAD_MESSAGE'))).toMatch(/bits-per-pixel 7/);
  });

  it('a security type that was not offered', async () => {
    const f = await fixture();
    const bad = await client(f.port);
    await bad.read(12);
    bad.write(Buffer.from('RFB 003.008\n'));
    await bad.read(2);
    bad.write([2]);
    const result = await bad.read(4);
    expect(result.readUInt32BE(0)).toBe(1);
    await bad.waitClosed();
    expect(cutOff(f.logLines, 'RFB_BAD_SECURITY_TYPE')).toBe(true);
  });

  it('a client that connects and never finishes the handshake', async () => {
    const f = await fixture({ limits: { handshakeTimeoutMs: 150 } });
    const bad = await client(f.port);
    await bad.waitClosed(3000);
    expect(cutOff(f.logLines, 'RFB_HANDSHAKE_TIMEOUT')).toBe(true);
  });

  it('a client that asks for updates but never reads them', async () => {
    const maxQueuedFrames = 4;
    const f = await fixture({
      payloadBytes: 256 * 1024,
      limits: { writeHighWaterMark: 64 * 1024, stallTimeoutMs: 300, maxQueuedFrames },
    });
    const good = await watcher(f);
    const bad = await client(f.port);
    await bad.handshake();
    bad.setEncodings([H264]);
    bad.requestUpdate(false);
    bad.socket.pause(); // stops reading; the kernel buffers fill, then the server's
    const asks = setInterval(() => bad.requestUpdate(true), 5);
    defer(() => clearInterval(asks));
    let worstQueue = 0;
    const started = Date.now();
    // Bounded by time, not by frames: how many frames the kernel's socket buffers absorb before the
    // server sees the backlog varies (1-3 s here); the server then cuts off after stallTimeoutMs.
    while (Date.now() - started < 10_000 && !cutOff(f.logLines, 'RFB_CLIENT_NOT_READING')) {
      await f.push();
      for (const s of f.server.clients()) worstQueue = Math.max(worstQueue, s.queuedFrames);
      // The good client keeps up.
      good.requestUpdate(true);
      await good.readUpdate();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(f.logLines.find((l) => l.includes('RFB_CLIENT_NOT_READING'))).toMatch(/has not read \d+ pending bytes/);
    expect(worstQueue).toBeLessThanOrEqual(maxQueuedFrames);
    await expectStillStreaming(f, good);
  });
});

describe('replies are bounded too', () => {
  for (const [what, message] of [
    // SetPixelFormat to a colour map: 20 bytes in, 1542 out (the palette).
    ['colour-map SetPixelFormats', Buffer.from([0, 0, 0, 0, 8, 8, 0, 0, 0, 7, 0, 7, 0, 3, 0, 3, 6, 0, 0, 0])],
    // Fence requests with the largest payload: each is echoed.
    ['Fence requests', Buffer.concat([Buffer.from([248, 0, 0, 0, 0x80, 0, 0, 0, 64]), Buffer.alloc(64)])],
  ] as const) {
    it(`a client flooding ${what} without reading the answers is cut off`, async () => {
      const f = await fixture({ limits: { writeHighWaterMark: 64 * 1024 } });
      const good = await watcher(f);
      const bad = await client(f.port);
      await bad.handshake();
      bad.setEncodings([0, -312]);
      bad.socket.pause();
      const flood = Buffer.concat(Array.from({ length: 256 }, () => message));
      const started = Date.now();
      while (!bad.closed && !cutOff(f.logLines, 'RFB_CLIENT_NOT_READING') && Date.now() - started < 10_000) {
        if (bad.socket.writableLength < 1024 * 1024) bad.write(flood);
        await new Promise((r) => setTimeout(r, 2));
      }
      expect(f.logLines.find((l) => l.includes('RFB_CLIENT_NOT_READING'))).toMatch(
        /keeps asking for replies but has not read \d+ pending bytes/,
      );
      await expectStillStreaming(f, good);
    });
  }
});

describe('request bursts', () => {
  it('200 non-incremental requests in one read cost one update, not 200 encodes (RFC 6143 §7.5.3)', async () => {
    const f = await fixture();
    await f.push();
    const c = await client(f.port);
    await c.handshake();
    c.setEncodings([16]); // ZRLE: each update is a full compression of the area
    const request = Buffer.from([3, 0, 0, 0, 0, 0, 0, 64, 0, 48]);
    c.write(Buffer.concat(Array.from({ length: 200 }, () => request)));
    await c.readUpdate();
    await new Promise((r) => setTimeout(r, 200));
    expect(f.server.clients()[0]!.stats.updatesSent).toBe(1);
  });
});

describe('connection limit', () => {
  it('refuses clients beyond maxClients with the RFB reason string', async () => {
    const f = await fixture({ limits: { maxClients: 1 } });
    await watcher(f);
    const extra = await client(f.port);
    await extra.read(12);
    extra.write(Buffer.from('RFB 003.008\n'));
    expect((await extra.read(1))[0]).toBe(0);
    const reason = await extra.read((await extra.read(4)).readUInt32BE(0));
    expect(reason.toString()).toBe('too many clients (limit 1)');
    await extra.waitClosed();
    expect(f.logLines.some((l) => l.startsWith('warn refusing client #2'))).toBe(true);
  });
});

describe('slow clients', () => {
  it('fall behind into a bounded queue, then resume from a keyframe with the context reset', async () => {
    const maxQueuedFrames = 3;
    const f = await fixture({ limits: { maxQueuedFrames } });
    const slow = await watcher(f);
    // Eight frames while the slow client asks for nothing.
    for (let i = 0; i < 8; i++) {
      await f.push();
      expect(f.server.clients()[0]!.queuedFrames).toBeLessThanOrEqual(maxQueuedFrames);
    }
    await until(() => f.server.clients()[0]!.queuedFrames > 0, 2000, 'the requested keyframe');
    slow.requestUpdate(true);
    const rects = await slow.readUpdate();
    const slices = fakeSlices(rects[0]!.data!);
    expect(slices[0]!.key).toBe(true);
    expect(rects[0]!.flags! & H264Flags.ResetContext).toBe(H264Flags.ResetContext);
    const stats = f.server.clients()[0]!.stats;
    expect(stats.resyncs).toBeGreaterThan(0);
    expect(stats.framesDropped).toBeGreaterThan(0);
  });
});
