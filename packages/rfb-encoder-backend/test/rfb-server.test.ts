import { describe, expect, it } from 'vitest';
import { H264Flags } from '../src/rfb/constants.js';
import type { RfbKeyEvent, RfbPointerEvent, RfbClipboardEvent } from '../src/rfb/server.js';
import { scopedFixtures } from './helpers/scoped-fixtures.js';
import { fakeSlices, until } from './helpers/rfb-test-client.js';

const H264 = 50;
const DESKTOP_SIZE = -223;

const { fixture, client } = scopedFixtures();

describe('RFB handshake', () => {
  it('speaks 3.8 with security None and announces size and name in ServerInit', async () => {
    const f = await fixture({ desktopName: 'scene' });
    const c = await client(f.port);
    expect(await c.handshake()).toEqual({ width: 64, height: 48, name: 'scene' });
  });

  it('accepts the right VNC password', async () => {
    const f = await fixture({ auth: { type: 'vnc', password: 'hunter2' } });
    const c = await client(f.port);
    await expect(c.handshake({ password: 'hunter2' })).resolves.toMatchObject({ width: 64 });
  });

  it('refuses a wrong VNC password with a reason and a log line', async () => {
    const f = await fixture({ auth: { type: 'vnc', password: 'hunter2' } });
    const c = await client(f.port);
    await expect(c.handshake({ password: 'hunter3' })).rejects.toThrow('auth failed: authentication failed');
    await c.waitClosed();
    expect(f.logLines.some((l) => /warn cut off client #1 .*RFB_AUTH_FAILED/.test(l))).toBe(true);
  });

  it('serves RFB 3.3 clients (server-chosen security type) and 3.7 clients', async () => {
    const f = await fixture();
    const old = await client(f.port);
    await expect(old.handshake({ version: 'RFB 003.003\n' })).resolves.toMatchObject({ width: 64 });
    const mid = await client(f.port);
    await expect(mid.handshake({ version: 'RFB 003.007\n' })).resolves.toMatchObject({ width: 64 });
  });

  it('serves VNC authentication to a 3.3 client', async () => {
    const f = await fixture({ auth: { type: 'vnc', password: 'pw' } });
    const c = await client(f.port);
    await expect(c.handshake({ version: 'RFB 003.003\n', password: 'pw' })).resolves.toMatchObject({ width: 64 });
  });
});

describe('framebuffer updates in the H.264 encoding', () => {
  it('answers the first (non-incremental) request with a keyframe rectangle that resets the context', async () => {
    const f = await fixture();
    const c = await client(f.port);
    await c.handshake();
    c.setEncodings([H264, DESKTOP_SIZE]);
    c.requestUpdate(false);
    await until(() => f.server.clients()[0]?.watching === true);
    await f.push();
    const rects = await c.readUpdate();
    expect(rects).toHaveLength(1);
    expect(rects[0]).toMatchObject({
      x: 0,
      y: 0,
      width: 64,
      height: 48,
      encoding: H264,
      flags: H264Flags.ResetContext,
    });
    expect(fakeSlices(rects[0]!.data!)).toEqual([{ token: expect.any(Number), key: true }]);
  });

  it('sends a keyframe of the still picture to a client that joins after the last frame', async () => {
    const f = await fixture();
    const first = await client(f.port);
    await first.handshake();
    first.setEncodings([H264]);
    first.requestUpdate(false);
    await until(() => f.server.clients()[0]?.watching === true);
    await f.push();
    await first.readUpdate();
    // No more frames are pushed: the late client still gets a picture.
    const late = await client(f.port);
    await late.handshake();
    late.setEncodings([H264]);
    late.requestUpdate(false);
    const rects = await late.readUpdate();
    expect(fakeSlices(rects[0]!.data!).map((s) => s.key)).toEqual([true]);
  });

  it('sends frames pushed between requests together in one rectangle, oldest first', async () => {
    const f = await fixture();
    const c = await client(f.port);
    await c.handshake();
    c.setEncodings([H264]);
    c.requestUpdate(false);
    await until(() => f.server.clients()[0]?.watching === true);
    await f.push();
    await c.readUpdate();
    await f.push();
    await f.push();
    await f.push();
    c.requestUpdate(true);
    const rects = await c.readUpdate();
    expect(rects[0]!.flags).toBe(0);
    const slices = fakeSlices(rects[0]!.data!);
    const t = slices[0]!.token;
    expect(slices).toEqual([
      { token: t, key: false },
      { token: t + 1, key: false },
      { token: t + 2, key: false },
    ]);
  });

  it('announces a resize with DesktopSize in an update of its own, then resets all decoder contexts', async () => {
    const f = await fixture();
    const c = await client(f.port);
    await c.handshake();
    c.setEncodings([H264, DESKTOP_SIZE]);
    c.requestUpdate(false);
    await until(() => f.server.clients()[0]?.watching === true);
    await f.push();
    await c.readUpdate();
    await f.push(128, 96);
    c.requestUpdate(true);
    // rfbproto DesktopSize: the update with the pseudo-rectangle changes no framebuffer data.
    expect((await c.readUpdate()).map((r) => [r.encoding, r.width, r.height])).toEqual([[DESKTOP_SIZE, 128, 96]]);
    c.requestUpdate(true);
    const rects = await c.readUpdate();
    expect(rects.map((r) => [r.encoding, r.width, r.height])).toEqual([[H264, 128, 96]]);
    expect(rects[0]!.flags! & H264Flags.ResetAllContexts).toBe(H264Flags.ResetAllContexts);
    expect(fakeSlices(rects[0]!.data!)[0]!.key).toBe(true);
    expect(f.server.framebufferSize).toEqual({ width: 128, height: 96 });
  });

  it('streams to several clients at once', async () => {
    const f = await fixture();
    const clients = [await client(f.port), await client(f.port), await client(f.port)];
    for (const c of clients) {
      await c.handshake();
      c.setEncodings([H264]);
      c.requestUpdate(false);
    }
    await until(() => f.server.clients().filter((c) => c.watching).length === 3);
    await f.push();
    for (const c of clients) expect((await c.readUpdate())[0]!.encoding).toBe(H264);
    await f.push();
    const seen = [];
    for (const c of clients) {
      c.requestUpdate(true);
      seen.push(fakeSlices((await c.readUpdate())[0]!.data!));
    }
    expect(seen[0]).toEqual([{ token: expect.any(Number), key: false }]);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  });

  it('encodes nothing while no client watches', async () => {
    const f = await fixture();
    await f.push();
    await f.push();
    expect(f.engineLog.frames).toHaveLength(0);
  });
});

describe('input events', () => {
  it('emits key, pointer and clipboard events with the client that sent them', async () => {
    const f = await fixture();
    const keys: RfbKeyEvent[] = [];
    const pointers: RfbPointerEvent[] = [];
    const clips: RfbClipboardEvent[] = [];
    f.server.on('key', (e) => keys.push(e));
    f.server.on('pointer', (e) => pointers.push(e));
    f.server.on('clipboard', (e) => clips.push(e));
    const c = await client(f.port);
    await c.handshake();
    c.write([4, 1, 0, 0, 0, 0, 0xff, 0x0d]); // KeyEvent down Return
    c.write([5, 0b101, 0, 10, 0, 20]); // PointerEvent left+right at 10,20
    c.write(Buffer.concat([Buffer.from([6, 0, 0, 0, 0, 0, 0, 5]), Buffer.from('hello', 'latin1')]));
    c.write([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]); // SetPixelFormat
    await until(() => clips.length === 1);
    expect(keys).toEqual([
      { client: expect.objectContaining({ id: 1, transport: 'tcp' }), down: true, keysym: 0xff0d },
    ]);
    expect(pointers).toEqual([{ client: expect.objectContaining({ id: 1 }), buttonMask: 5, x: 10, y: 20 }]);
    expect(clips[0]!.text).toBe('hello');
  });

  it('sends the application clipboard as ServerCutText', async () => {
    const f = await fixture();
    const c = await client(f.port);
    await c.handshake();
    await until(() => f.server.clients()[0]?.ready === true);
    f.server.sendClipboard('copied');
    const header = await c.read(8);
    expect(header[0]).toBe(3);
    expect((await c.read(header.readUInt32BE(4))).toString()).toBe('copied');
  });
});
