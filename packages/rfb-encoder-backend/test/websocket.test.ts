import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startFakeServer } from './helpers/server-fixture.js';
import { fakeSlices, until } from './helpers/rfb-test-client.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** Reads the RFB byte stream out of WebSocket messages. */
function wsClient(url: string) {
  const ws = new WebSocket(url, ['binary']);
  let data = Buffer.alloc(0);
  ws.on('message', (m: Buffer) => {
    data = Buffer.concat([data, m]);
  });
  const read = async (n: number) => {
    await until(() => data.length >= n, 5000, `${n} bytes over WebSocket`);
    const out = data.subarray(0, n);
    data = data.subarray(n);
    return out;
  };
  return { ws, read, opened: new Promise<void>((r) => ws.once('open', () => r())) };
}

describe('WebSocket transport', () => {
  it('cuts off a client whose WebSocket message exceeds the largest RFB client message', async () => {
    const f = await startFakeServer({ tcpPort: undefined, webSocketPort: 0, limits: { maxCutTextBytes: 1024 } });
    cleanup.push(() => f.close());
    const c = wsClient(`ws://127.0.0.1:${f.addresses.webSocket!.port}/`);
    await c.opened;
    c.ws.send(Buffer.alloc(200 * 1024));
    await new Promise<void>((r) => c.ws.once('close', () => r()));
    // The client may see the close before the server has logged it.
    await until(() => f.logLines.some((l) => l.includes('RFB_TRANSPORT')), 5000, 'the server to log the cut-off');
    expect(f.logLines.find((l) => l.includes('RFB_TRANSPORT'))).toMatch(/Max payload size exceeded/);
  });

  it('carries the handshake and H.264 updates, on the binary subprotocol noVNC asks for', async () => {
    const f = await startFakeServer({ tcpPort: undefined, webSocketPort: 0 });
    cleanup.push(() => f.close());
    const c = wsClient(`ws://127.0.0.1:${f.addresses.webSocket!.port}/websockify`);
    cleanup.push(async () => c.ws.terminate());
    await c.opened;
    expect(c.ws.protocol).toBe('binary');
    expect((await c.read(12)).toString()).toBe('RFB 003.008\n');
    c.ws.send(Buffer.from('RFB 003.008\n'));
    expect([...(await c.read(2))]).toEqual([1, 1]);
    c.ws.send(Buffer.from([1]));
    expect((await c.read(4)).readUInt32BE(0)).toBe(0);
    c.ws.send(Buffer.from([1]));
    const init = await c.read(24);
    await c.read(init.readUInt32BE(20));
    expect([init.readUInt16BE(0), init.readUInt16BE(2)]).toEqual([64, 48]);
    // SetEncodings [50] + FramebufferUpdateRequest, split across messages mid-field.
    const msg = Buffer.from([2, 0, 0, 1, 0, 0, 0, 50, 3, 0, 0, 0, 0, 0, 0, 64, 0, 48]);
    c.ws.send(msg.subarray(0, 5));
    c.ws.send(msg.subarray(5));
    await until(() => f.server.clients()[0]?.watching === true);
    await f.push();
    const head = await c.read(4 + 12 + 8);
    expect(head[0]).toBe(0);
    expect(head.readInt32BE(4 + 8)).toBe(50);
    const body = await c.read(head.readUInt32BE(16));
    expect(fakeSlices(Buffer.from(body))[0]!.key).toBe(true);
  });

  it('cuts off a client that sends text messages', async () => {
    const f = await startFakeServer({ tcpPort: undefined, webSocketPort: 0 });
    cleanup.push(() => f.close());
    const c = wsClient(`ws://127.0.0.1:${f.addresses.webSocket!.port}/`);
    await c.opened;
    c.ws.send('RFB 003.008\n');
    await new Promise<void>((r) => c.ws.once('close', () => r()));
    expect(f.logLines.find((l) => l.includes('RFB_TRANSPORT'))).toMatch(
      /^warn cut off client #1 \(websocket .*text message/,
    );
  });
});
