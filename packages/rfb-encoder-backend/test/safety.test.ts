/**
 * Safe by default (issue #16): each defect found by a hostile-client run, with a test that failed
 * before its fix.
 */
import { request } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { H264EncoderBackend } from '../src/backend/nvenc-backend.js';
import { startNoVncDemo } from '../src/demo/novnc-demo.js';
import { InvalidOptionError } from '../src/errors.js';
import { ByteQueue, CHUNK_OVERHEAD } from '../src/rfb/byte-queue.js';
import { ClientStreamParser } from '../src/rfb/client-parser.js';
import { RfbServer } from '../src/rfb/server.js';
import { fakeEngine } from './helpers/fake-engine.js';
import { captureLogger, RfbTestClient, until } from './helpers/rfb-test-client.js';
import { scopedFixtures } from './helpers/scoped-fixtures.js';

const H264 = 50;
const { fixture, client, defer } = scopedFixtures();

function fakeBackend() {
  return new H264EncoderBackend(fakeEngine().engine, { keyframeInterval: 0 });
}

describe('1. receive buffering is O(bytes) with a bounded chunk count and counted overhead', () => {
  it('takes 256 KiB of ClientCutText as 1-byte chunks in linear time (was quadratic: 200k chunks took 115 s)', () => {
    const parser = new ClientStreamParser({ maxCutTextBytes: 1024 * 1024, maxEncodings: 16 });
    parser.phase = 'messages';
    const length = 256 * 1024;
    const header = Buffer.from([6, 0, 0, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(length, 4);
    const started = performance.now();
    parser.push(header);
    expect(parser.next()).toBeNull();
    const one = Buffer.from('x');
    let item = null;
    for (let i = 0; i < length; i++) {
      parser.push(one);
      item = parser.next();
    }
    const ms = performance.now() - started;
    expect(item).toMatchObject({ type: 'cut-text' });
    expect((item as { text: string }).text.length).toBe(length);
    // Before: Array#shift per consumed chunk and one chunk per byte: minutes at this size.
    expect(ms).toBeLessThan(3000);
  });

  it('keeps the chunk count below bytes / 4 KiB + 2, reports overhead in its footprint, and keeps the bytes in order', () => {
    const q = new ByteQueue();
    for (let i = 0; i < 100_000; i++) q.push(Buffer.from([i & 0xff]));
    expect(q.length).toBe(100_000);
    expect(q.chunkCount).toBeLessThanOrEqual(100_000 / 4096 + 2);
    expect(q.footprint).toBe(q.length + q.chunkCount * CHUNK_OVERHEAD);
    expect([...q.take(3)]).toEqual([0, 1, 2]);
    q.skip(99_990);
    expect([...q.take(7)]).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => (99_993 + i) & 0xff));
    expect(q.length).toBe(0);
    // Mixed sizes across block boundaries.
    let expected = Buffer.alloc(0);
    for (let i = 0; i < 600; i++) {
      const chunk = Buffer.alloc(i % 7 === 0 ? 5000 : (i % 13) + 1, i & 0xff);
      expected = Buffer.concat([expected, chunk]);
      q.push(chunk);
      if (i % 5 === 0) {
        const got = q.take(Math.min(q.length, 333));
        expect(got.equals(expected.subarray(0, got.length))).toBe(true);
        expected = expected.subarray(got.length);
      }
    }
    expect(q.take(q.length).equals(expected)).toBe(true);
  });

  it('reads zero bytes from an empty queue (an empty ClientCutText) without touching a chunk', () => {
    const q = new ByteQueue();
    expect(q.take(0).length).toBe(0);
    q.push(Buffer.from([1, 2]));
    q.skip(2);
    expect(q.peek(0).length).toBe(0);
    expect(q.length).toBe(0);
  });

  it('cuts off a client whose unparsed bytes plus per-chunk overhead pass maxReceiveBufferBytes', async () => {
    const f = await fixture({ limits: { maxReceiveBufferBytes: 10_000 } });
    const c = await client(f.port);
    await c.handshake();
    // A ClientCutText of 9,990 bytes (under maxCutTextBytes), 9,900 of them sent: the bytes alone
    // (9,908) fit the bound, the bytes and the chunks holding them do not.
    const header = Buffer.from([6, 0, 0, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(9_990, 4);
    c.write(header);
    for (let i = 0; i < 9; i++) {
      c.write(Buffer.alloc(1_100, 0x61));
      await new Promise((r) => setTimeout(r, 5));
    }
    await c.waitClosed();
    expect(f.logLines.find((l) => l.includes('RFB_MESSAGE_TOO_LARGE'))).toMatch(
      /hold \d+ bytes of memory \(limit 10000\)/,
    );
  });
});

describe('2. WebSocket origin check', () => {
  async function open(port: number, origin?: string): Promise<number | 'open'> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, ['binary'], origin ? { origin } : {});
      ws.once('open', () => {
        ws.terminate();
        resolve('open');
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', () => {});
    });
  }

  it('refuses a page from another site by default, accepts its own origin and non-browsers', async () => {
    const f = await fixture({ tcpPort: undefined, webSocketPort: 0 });
    const port = f.addresses.webSocket!.port;
    expect(await open(port, 'http://evil.example')).toBe(403);
    expect(await open(port, `http://127.0.0.1:${port}`)).toBe('open');
    expect(await open(port)).toBe('open');
    expect(f.logLines.some((l) => l.includes('refused a WebSocket from origin "http://evil.example"'))).toBe(true);
  });

  it('accepts the origins listed in allowedOrigins (or any with *)', async () => {
    const f = await fixture({ tcpPort: undefined, webSocketPort: 0, allowedOrigins: ['https://app.example'] });
    const port = f.addresses.webSocket!.port;
    expect(await open(port, 'https://app.example')).toBe('open');
    expect(await open(port, 'https://other.example')).toBe(403);
    const any = await fixture({ tcpPort: undefined, webSocketPort: 0, allowedOrigins: '*' });
    expect(await open(any.addresses.webSocket!.port, 'https://other.example')).toBe('open');
  });
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('3 + 4. the demo page server', () => {
  it('answers bad paths with 400/404 and keeps serving', async () => {
    const backend = fakeBackend();
    const demo = await startNoVncDemo({ backend, httpPort: 0, logger: 'silent' });
    defer(() => demo.close());
    const port = Number(new URL(demo.url).port);
    for (const path of ['/%', '/novnc/core/%00', '//', '/novnc/../../etc/passwd', '/novnc/core/%E0%A4%A']) {
      const r = await get(port, path);
      expect([400, 404], `${path} → ${r.status}`).toContain(r.status);
    }
    expect((await get(port, '/')).status).toBe(200);
    expect((await get(port, '/novnc/core/rfb.js')).status).toBe(200);
  });

  it('never writes the VNC password into the page', async () => {
    const demo = await startNoVncDemo({ backend: fakeBackend(), httpPort: 0, logger: 'silent', password: 'hunter22' });
    defer(() => demo.close());
    const page = (await get(Number(new URL(demo.url).port), '/')).body;
    expect(page).not.toContain('hunter22');
    expect(page).toContain('credentialsrequired');
  });
});

describe('5. forced keyframes are rate-limited per client', () => {
  it('a client flooding full-update requests cannot make the shared encoder emit keyframes for everyone; a join is served at once', async () => {
    const f = await fixture({ limits: { forcedKeyframeIntervalMs: 1000 } });
    const victim = await client(f.port);
    await victim.handshake();
    victim.setEncodings([H264]);
    victim.requestUpdate(false);
    const flooder = await client(f.port);
    await flooder.handshake();
    flooder.setEncodings([H264]);
    await until(() => f.server.clients().filter((c) => c.watching).length === 2);
    const forcedBefore = () => f.engineLog.frames.filter((fr) => fr.forceKeyframe).length;
    await f.push();
    const start = forcedBefore();
    const flood = setInterval(() => flooder.requestUpdate(false), 5);
    defer(() => clearInterval(flood));
    for (let i = 0; i < 30; i++) {
      await f.push();
      await new Promise((r) => setTimeout(r, 20));
    }
    // ~600 ms of flooding (120 requests): at most the flooder's join keyframe and one more.
    expect(forcedBefore() - start).toBeLessThanOrEqual(2);
    // A new viewer joining now still gets its keyframe right away.
    const late = await client(f.port);
    await late.handshake();
    const joined = Date.now();
    late.setEncodings([H264]);
    late.requestUpdate(false);
    await until(() => f.server.clients().filter((c) => c.watching).length === 3);
    await f.push();
    const rects = await late.readUpdate(2000);
    expect(rects.find((r) => r.encoding === H264)).toBeDefined();
    expect(Date.now() - joined).toBeLessThan(500);
    clearInterval(flood);
  });
});

describe('6. connection limits before authentication', () => {
  it('70 idle pre-authentication connections do not lock out a real client', async () => {
    const f = await fixture({ auth: { type: 'vnc', password: 'secret' } });
    const idle: RfbTestClient[] = [];
    for (let i = 0; i < 70; i++) idle.push(await client(f.port));
    await until(() => idle.filter((c) => c.closed).length >= 70 - 4, 5000, 'the oldest idle connections to be dropped');
    const real = await client(f.port);
    const init = await real.handshake({ password: 'secret' });
    expect(init.width).toBe(64);
    const pending = f.server.clients().filter((c) => !c.ready).length;
    expect(pending).toBeLessThanOrEqual(4); // maxPendingPerAddress: all came from 127.0.0.1
  });

  it('caps pending connections over all addresses at maxPendingClients', async () => {
    const f = await fixture({ limits: { maxPendingClients: 3, maxPendingPerAddress: 10 } });
    const idle: RfbTestClient[] = [];
    for (let i = 0; i < 6; i++) idle.push(await client(f.port));
    await until(() => idle.filter((c) => c.closed).length === 3, 5000, 'three dropped');
    expect(idle.slice(0, 3).every((c) => c.closed)).toBe(true); // the oldest go first
  });
});

describe('7. failed authentications slow an address down', () => {
  it('after 5 failures the address is refused for a while, with the reason', async () => {
    const f = await fixture({ auth: { type: 'vnc', password: 'secret' } });
    for (let i = 0; i < 5; i++) {
      const c = await client(f.port);
      await expect(c.handshake({ password: 'wrong' })).rejects.toThrow(/auth failed/);
    }
    const next = await client(f.port);
    await next.read(12);
    next.write(Buffer.from('RFB 003.008\n'));
    expect((await next.read(1))[0]).toBe(0);
    const reason = (await next.read((await next.read(4)).readUInt32BE(0))).toString();
    expect(reason).toMatch(/too many authentication failures from 127\.0\.0\.1; try again in 10 s/);
    expect(f.logLines.some((l) => l.includes('5 failed authentications from 127.0.0.1'))).toBe(true);
  });
});

describe('8. no unauthenticated listener beyond loopback unless asked for', () => {
  it('refuses host 0.0.0.0 without a password, with a message that says what to do', () => {
    const backend = fakeBackend();
    expect(() => new RfbServer({ backend, host: '0.0.0.0', tcpPort: 0, logger: 'silent' })).toThrow(InvalidOptionError);
    expect(() => new RfbServer({ backend, host: '0.0.0.0', tcpPort: 0, logger: 'silent' })).toThrow(
      /allowUnauthenticatedRemote: true/,
    );
    expect(
      () => new RfbServer({ backend, host: '0.0.0.0', tcpPort: 0, logger: 'silent', allowUnauthenticatedRemote: true }),
    ).not.toThrow();
    expect(
      () =>
        new RfbServer({ backend, host: '0.0.0.0', tcpPort: 0, logger: 'silent', auth: { type: 'vnc', password: 'x' } }),
    ).not.toThrow();
    expect(() => new RfbServer({ backend, host: '::1', tcpPort: 0, logger: 'silent' })).not.toThrow();
  });

  it('refuses it for a WebSocket on an HTTP server bound to all interfaces, too', async () => {
    const demo = startNoVncDemo({ backend: fakeBackend(), host: '0.0.0.0', httpPort: 0, logger: 'silent' });
    await expect(demo).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without a password/);
  });
});

describe('9. smaller defaults', () => {
  it('the demo does not log keystrokes or the clipboard unless asked to', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    defer(() => log.mockRestore());
    for (const logInput of [false, true]) {
      log.mockClear();
      const demo = await startNoVncDemo({
        backend: fakeBackend(),
        httpPort: 0,
        tcpPort: 0,
        logger: 'silent',
        logInput,
      });
      defer(() => demo.close());
      const c = await client(demo.tcpPort!);
      await c.handshake();
      c.write([4, 1, 0, 0, 0, 0, 0, 0x61]); // key 'a' down
      const cut = Buffer.from([6, 0, 0, 0, 0, 0, 0, 6, ...Buffer.from('secret')]);
      c.write(cut);
      await until(() => demo.server.clients()[0]?.ready === true);
      await new Promise((r) => setTimeout(r, 100));
      const printed = log.mock.calls.map((a) => String(a[0])).join('\n');
      if (logInput) expect(printed).toMatch(/keysym 0x61[\s\S]*"secret"/);
      else expect(printed).not.toMatch(/keysym|secret/);
    }
  });

  it('listeners keep an error handler after start-up', async () => {
    const { logger, lines } = captureLogger();
    const server = new RfbServer({ backend: fakeBackend(), tcpPort: 0, webSocketPort: 0, logger });
    await server.listen();
    defer(() => server.close());
    const inner = server as unknown as { tcpServer: import('node:net').Server; wsServer: import('ws').WebSocketServer };
    // Without a listener this emit throws (and in a real process, kills it).
    expect(() => inner.tcpServer.emit('error', new Error('EMFILE: too many open files'))).not.toThrow();
    expect(() => inner.wsServer.emit('error', new Error('boom'))).not.toThrow();
    expect(lines).toContain('error TCP listener: EMFILE: too many open files');
  });

  it('a password with characters above U+00FF is an error, not silently truncated', () => {
    const backend = fakeBackend();
    expect(() => new RfbServer({ backend, tcpPort: 0, auth: { type: 'vnc', password: 'pass€' } })).toThrow(/U\+20AC/);
    expect(() => new RfbServer({ backend, tcpPort: 0, auth: { type: 'vnc', password: 'pässwörd' } })).not.toThrow();
  });
});
