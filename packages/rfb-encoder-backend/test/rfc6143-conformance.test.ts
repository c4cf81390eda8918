/**
 * RFC 6143 (and the rfbproto extensions the server speaks) section by section: one test per
 * requirement the audit found unproven, each named after its section. A raw client writes the
 * bytes itself, so nothing here trusts the server's own message builders.
 */
import { describe, expect, it } from 'vitest';
import { ClientStreamParser, type ClientItem } from '../src/rfb/client-parser.js';
import { SERVER_PIXEL_FORMAT, writePixelFormat } from '../src/rfb/server-messages.js';
import { InvalidOptionError } from '../src/errors.js';
import { RfbServer } from '../src/rfb/server.js';
import { type RfbTestClient, until } from './helpers/rfb-test-client.js';
import { scopedFixtures } from './helpers/scoped-fixtures.js';
import { vncAuthResponse } from '../src/rfb/vnc-auth.js';

const { fixture, client } = scopedFixtures();

const E = { Raw: 0, H264: 50, DesktopSize: -223, ExtendedDesktopSize: -308, CU: -313 } as const;

/** Sends `version` and reads the U32 security word 3.3 (and every version it stands for) gets. */
async function security(c: RfbTestClient, version: string): Promise<{ word: number }> {
  expect((await c.read(12)).toString('latin1')).toBe('RFB 003.008\n');
  c.write(Buffer.from(version, 'latin1'));
  return { word: (await c.read(4)).readUInt32BE(0) };
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

describe('§7.1.1 ProtocolVersion', () => {
  for (const version of ['003.003', '003.004', '003.005', '003.006', '003.889', '003.009']) {
    it(`RFB ${version} is spoken to as 3.3: the server decides the security type (a U32), no list`, async () => {
      const f = await fixture();
      const c = await client(f.port);
      const { word } = await security(c, `RFB ${version}\n`);
      expect(word).toBe(1); // None, as a word: 3.3's form
      // 3.3 with None: straight on to ClientInit, no SecurityResult.
      c.write([1]);
      const init = await c.read(24);
      expect(init.readUInt16BE(0)).toBe(64);
      await until(() => f.logLines.some((l) => /ready, RFB 3\.3/.test(l)));
    });
  }

  it('a major version other than 3 is refused with the reason in the 3.3 form (type 0 + string)', async () => {
    const f = await fixture();
    const c = await client(f.port);
    const { word } = await security(c, 'RFB 004.001\n');
    expect(word).toBe(0);
    const reason = (await c.read((await c.read(4)).readUInt32BE(0))).toString();
    expect(reason).toMatch(/unsupported protocol version 4\.1.*3\.3, 3\.7 and 3\.8/);
    await c.waitClosed();
    expect(f.logLines.some((l) => l.includes('RFB_BAD_VERSION'))).toBe(true);
  });

  it('a malformed version string is cut off with a log line and no reply', async () => {
    const f = await fixture();
    const c = await client(f.port);
    await c.read(12);
    c.write(Buffer.from('RFB 003.00x\n'));
    await c.waitClosed();
    expect(f.logLines.some((l) => /RFB_BAD_VERSION: malformed ProtocolVersion "RFB 003.00x/.test(l))).toBe(true);
  });
});

describe('§7.1.2 / §7.1.3 security handshake and SecurityResult', () => {
  it('3.7: a security type that was not offered closes the connection without a SecurityResult', async () => {
    const f = await fixture();
    const c = await client(f.port);
    await c.read(12);
    c.write(Buffer.from('RFB 003.007\n'));
    expect([...(await c.read(2))]).toEqual([1, 1]);
    c.write([2]);
    await c.waitClosed();
    await expect(c.read(1, 100)).rejects.toThrow(/closed/);
    expect(f.logLines.some((l) => l.includes('RFB_BAD_SECURITY_TYPE'))).toBe(true);
  });

  for (const [version, withReason] of [
    ['RFB 003.003\n', false],
    ['RFB 003.007\n', false],
    ['RFB 003.008\n', true],
  ] as const) {
    it(`VNC Authentication failure over ${version.trim()}: SecurityResult 1${withReason ? ' and a reason' : ', no reason'}, then close`, async () => {
      const f = await fixture({ auth: { type: 'vnc', password: 'right' } });
      const c = await client(f.port);
      await c.read(12);
      c.write(Buffer.from(version, 'latin1'));
      if (version.endsWith('3\n')) expect((await c.read(4)).readUInt32BE(0)).toBe(2);
      else {
        expect([...(await c.read(2))]).toEqual([1, 2]);
        c.write([2]);
      }
      c.write(vncAuthResponse('wrong', await c.read(16)));
      expect((await c.read(4)).readUInt32BE(0)).toBe(1);
      if (withReason)
        expect((await c.read((await c.read(4)).readUInt32BE(0))).toString()).toBe('authentication failed');
      await c.waitClosed();
      await expect(c.read(1, 100)).rejects.toThrow(/closed/);
    });
  }
});

describe('§7.3.1 ClientInit shared-flag', () => {
  async function ready(port: number, shared: boolean) {
    const c = await client(port);
    await c.handshake({ shared });
    return c;
  }

  it('0 (exclusive) disconnects every other client by default', async () => {
    const f = await fixture();
    const first = await ready(f.port, true);
    const second = await ready(f.port, true);
    await ready(f.port, false);
    await first.waitClosed();
    await second.waitClosed();
    expect(f.server.clients()).toHaveLength(1);
    expect(f.logLines.some((l) => l.includes('asked for exclusive access (shared-flag 0)'))).toBe(true);
  });

  it("exclusiveClients: 'refuse' closes the exclusive newcomer instead, and 'ignore' shares", async () => {
    const refuse = await fixture({ exclusiveClients: 'refuse' });
    const kept = await ready(refuse.port, true);
    const newcomer = await client(refuse.port);
    await expect(newcomer.handshake({ shared: false })).rejects.toThrow(/closed/);
    expect(kept.closed).toBe(false);
    expect(refuse.logLines.some((l) => l.includes("exclusiveClients: 'refuse'"))).toBe(true);

    const share = await fixture({ exclusiveClients: 'ignore' });
    const a = await ready(share.port, true);
    await ready(share.port, false);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.closed).toBe(false);
    expect(share.server.clients()).toHaveLength(2);
  });

  it('1 (shared) leaves the others connected', async () => {
    const f = await fixture();
    const a = await ready(f.port, true);
    await ready(f.port, true);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.closed).toBe(false);
  });
});

describe('§7.3.2 ServerInit', () => {
  it('name-length counts the bytes of the UTF-8 name (rfbproto recommends UTF-8)', async () => {
    const f = await fixture({ desktopName: 'écran ✓' });
    const c = await client(f.port);
    expect((await c.handshake()).name).toBe('écran ✓');
  });

  it('a natural pixel format that breaks §7.4 is an InvalidOptionError naming the field', async () => {
    const f = await fixture();
    const make = () => new RfbServer({ backend: f.backend, tcpPort: 0, pixelFormat: { ...SERVER_32, redMax: 100 } });
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(/pixelFormat: red max 100 is not 2\^n - 1/);
  });
});

const SERVER_32 = SERVER_PIXEL_FORMAT;

function setPixelFormat(c: RfbTestClient, format: typeof SERVER_32): void {
  const b = Buffer.alloc(20);
  writePixelFormat(format, b, 4);
  c.write(b);
}

describe('§7.5.1 SetPixelFormat', () => {
  for (const [what, format, message] of [
    ['a max that is not 2^n - 1', { ...SERVER_32, greenMax: 200 }, /green max 200 is not 2\^n - 1/],
    ['overlapping channels', { ...SERVER_32, greenShift: 12 }, /green bits .* overlap another channel/],
    ['depth above bits-per-pixel', { ...SERVER_32, bitsPerPixel: 16, depth: 24 }, /depth 24 exceeds bits-per-pixel 16/],
    ['24 bits per pixel', { ...SERVER_32, bitsPerPixel: 24 }, /bits-per-pixel 24 is not 8, 16 or 32/],
    ['a colour map with no index bits', { ...SERVER_32, trueColour: false, depth: 0 }, /depth 0 has no index bits/],
  ] as const) {
    it(`refuses ${what} with the field in the log line`, async () => {
      const f = await fixture();
      const c = await client(f.port);
      await c.handshake();
      setPixelFormat(c, format);
      await c.waitClosed();
      expect(f.logLines.find((l) => l.includes('RFB_BAD_MESSAGE'))).toMatch(message);
    });
  }

  it('a colour-map format gets SetColourMapEntries before any update (the map starts empty)', async () => {
    const f = await fixture();
    const c = await client(f.port);
    await c.handshake();
    setPixelFormat(c, { ...SERVER_32, bitsPerPixel: 8, depth: 8, trueColour: false });
    const head = await c.read(6);
    expect([head[0], head.readUInt16BE(2), head.readUInt16BE(4)]).toEqual([1, 0, 256]);
    const entries = await c.read(6 * 256);
    // Index 0 is black and 255 white; every entry is a 16-bit intensity triple.
    expect([entries.readUInt16BE(0), entries.readUInt16BE(2), entries.readUInt16BE(4)]).toEqual([0, 0, 0]);
    expect([entries.readUInt16BE(1530), entries.readUInt16BE(1532), entries.readUInt16BE(1534)]).toEqual([
      65535, 65535, 65535,
    ]);
  });
});

describe('§7.3.2 + §7.6.2 a colour-map natural format', () => {
  const COLOUR_MAP_8 = { ...SERVER_32, bitsPerPixel: 8, depth: 8, trueColour: false };

  /** A server with a colour-map natural format and a picture, and a client past ServerInit. */
  async function colourMapClient() {
    const f = await fixture({ pixelFormat: COLOUR_MAP_8 });
    await f.push();
    const c = await client(f.port);
    await c.handshake();
    return c;
  }

  it('the palette waits for the first update: nothing unasked-for follows ServerInit (noVNC treats it as fatal)', async () => {
    const c = await colourMapClient();
    // EndOfContinuousUpdates answers this SetEncodings; server messages keep their order, so a
    // palette written after ServerInit would arrive first.
    c.setEncodings([E.Raw, E.CU]);
    expect((await c.read(1))[0]).toBe(150);
    // Keeping the natural format: the palette comes just before the first update.
    c.requestUpdate(false);
    const head = await c.read(6);
    expect([head[0], head.readUInt16BE(2), head.readUInt16BE(4)]).toEqual([1, 0, 256]);
    await c.read(6 * 256);
    expect((await c.read(1))[0]).toBe(0);
  });

  it('a client that chooses true colour first never gets SetColourMapEntries', async () => {
    const c = await colourMapClient();
    setPixelFormat(c, SERVER_32);
    c.setEncodings([E.Raw]);
    c.requestUpdate(false);
    expect((await c.read(1))[0]).toBe(0);
    await c.read(3);
    const rect = await c.read(12);
    await c.read(rect.readUInt16BE(4) * rect.readUInt16BE(6) * 4);
    c.requestUpdate(false);
    expect((await c.read(1))[0]).toBe(0);
  });
});

describe('§7.6.3 Bell', () => {
  it('goes to clients past ServerInit only (a Bell inside a handshake would corrupt it)', async () => {
    const f = await fixture();
    const ready = await client(f.port);
    await ready.handshake();
    const pending = await client(f.port);
    await pending.read(12);
    await until(() => f.server.clients().some((c) => c.ready));
    f.server.bell();
    expect([...(await ready.read(1))]).toEqual([2]);
    pending.write(Buffer.from('RFB 003.008\n'));
    expect([...(await pending.read(2))]).toEqual([1, 1]);
  });
});

describe('§7.5.3 FramebufferUpdateRequest', () => {
  async function rawClient(encodings: number[] = [E.Raw]) {
    const f = await fixture();
    await f.push();
    const c = await client(f.port);
    await c.handshake();
    c.setEncodings(encodings);
    return { f, c };
  }

  /** Reads one update's rectangle headers, skipping Raw bodies (32 bpp). */
  async function headers(c: RfbTestClient) {
    expect((await c.read(1))[0]).toBe(0);
    const count = (await c.read(3)).readUInt16BE(1);
    const out: number[][] = [];
    for (let i = 0; i < count; i++) {
      const h = await c.read(12);
      const r = [h.readUInt16BE(0), h.readUInt16BE(2), h.readUInt16BE(4), h.readUInt16BE(6), h.readInt32BE(8)];
      if (r[4] === E.Raw) await c.read(r[2]! * r[3]! * 4);
      if (r[4] === E.ExtendedDesktopSize) {
        const screens = (await c.read(4))[0]!;
        await c.read(16 * screens);
      }
      out.push(r);
    }
    return out;
  }

  const request = (c: RfbTestClient, incremental: boolean, x: number, y: number, w: number, h: number) => {
    const b = Buffer.alloc(10);
    b[0] = 3;
    b[1] = incremental ? 1 : 0;
    b.writeUInt16BE(x, 2);
    b.writeUInt16BE(y, 4);
    b.writeUInt16BE(w, 6);
    b.writeUInt16BE(h, 8);
    c.write(b);
  };

  it('a non-incremental request gets the whole area, cropped to the framebuffer', async () => {
    const { c } = await rawClient();
    request(c, false, 40, 30, 100, 100);
    expect(await headers(c)).toEqual([[40, 30, 24, 18, E.Raw]]);
  });

  it('a non-incremental request wholly outside the framebuffer, or of zero size, gets an empty update', async () => {
    const { c } = await rawClient();
    request(c, false, 100, 100, 10, 10);
    expect(await headers(c)).toEqual([]);
    request(c, false, 0, 0, 0, 0);
    expect(await headers(c)).toEqual([]);
  });

  it('ExtendedDesktopSize: a non-incremental request is answered with the layout alone, then the pixels', async () => {
    const { c } = await rawClient([E.Raw, E.DesktopSize, E.ExtendedDesktopSize]);
    c.requestUpdate(false);
    // reason 0 (server), status 0, the current size; no pixel data in the same update.
    expect(await headers(c)).toEqual([[0, 0, 64, 48, E.ExtendedDesktopSize]]);
    c.requestUpdate(true);
    expect(await headers(c)).toEqual([[0, 0, 64, 48, E.Raw]]);
  });

  it('a resize reaches a client offering both DesktopSize and ExtendedDesktopSize as ExtendedDesktopSize only', async () => {
    const { f, c } = await rawClient([E.Raw, E.DesktopSize, E.ExtendedDesktopSize]);
    c.requestUpdate(false);
    await headers(c);
    c.requestUpdate(true);
    await headers(c);
    await f.push(32, 16);
    c.requestUpdate(true);
    expect(await headers(c)).toEqual([[0, 0, 32, 16, E.ExtendedDesktopSize]]);
    c.requestUpdate(true);
    expect(await headers(c)).toEqual([[0, 0, 32, 16, E.Raw]]);
  });
});

describe('rfbproto ContinuousUpdates', () => {
  it('EnableContinuousUpdates(off) is confirmed with EndOfContinuousUpdates even when they were off', async () => {
    const f = await fixture();
    const c = await client(f.port);
    await c.handshake();
    c.setEncodings([E.Raw, E.CU]);
    expect((await c.read(1))[0]).toBe(150); // the announcement
    c.write([150, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect((await c.read(1))[0]).toBe(150);
  });

  it('incremental requests are ignored while continuous updates are on; non-incremental ones are honoured', async () => {
    const f = await fixture();
    await f.push();
    const c = await client(f.port);
    await c.handshake();
    c.setEncodings([E.Raw, E.CU]);
    await c.read(1);
    // Continuous updates for the top-left 8x8 only.
    c.write([150, 1, 0, 0, 0, 0, 0, 8, 0, 8]);
    expect((await c.read(4))[0]).toBe(0);
    const first = await c.read(12);
    expect([first.readUInt16BE(4), first.readUInt16BE(6)]).toEqual([8, 8]);
    await c.read(8 * 8 * 4);
    // An incremental request for everything: ignored (nothing outside the region is sent).
    c.requestUpdate(true);
    await expect(c.read(1, 200)).rejects.toThrow(/timed out/);
    // A non-incremental one for everything: honoured.
    c.requestUpdate(false);
    expect((await c.read(4))[0]).toBe(0);
    const whole = await c.read(12);
    expect([whole.readUInt16BE(4), whole.readUInt16BE(6)]).toEqual([64, 48]);
  });
});

describe('§7.5.5 PointerEvent', () => {
  it('reaches the application in framebuffer coordinates: a position beyond the framebuffer is clamped', async () => {
    const f = await fixture();
    const c = await client(f.port);
    await c.handshake();
    const events: number[][] = [];
    f.server.on('pointer', (e) => events.push([e.buttonMask, e.x, e.y]));
    c.write([5, 1, 0, 10, 0, 20]);
    c.write([5, 0, 0xff, 0xff, 0, 47]);
    await until(() => events.length === 2);
    expect(events).toEqual([
      [1, 10, 20],
      [0, 63, 47],
    ]);
  });
});

describe('§7.5.6 ClientCutText / §7.6.4 ServerCutText', () => {
  it('ClientCutText is read as Latin-1', async () => {
    const f = await fixture();
    const c = await client(f.port);
    await c.handshake();
    const got = new Promise<string>((resolve) => f.server.once('clipboard', (e) => resolve(e.text)));
    c.write(Buffer.concat([Buffer.from([6, 0, 0, 0]), u32(3), Buffer.from([0x63, 0xe9, 0x0a])]));
    expect(await got).toBe('cé\n');
  });

  it('ServerCutText is Latin-1 with bare LF line ends; text outside Latin-1 is an InvalidOptionError', async () => {
    const f = await fixture();
    const c = await client(f.port);
    await c.handshake();
    await until(() => f.server.clients()[0]?.ready === true);
    expect(() => f.server.sendClipboard('snow ☃')).toThrow(InvalidOptionError);
    f.server.sendClipboard('é\r\nx\ry');
    const h = await c.read(8);
    expect(h[0]).toBe(3);
    expect([...(await c.read(h.readUInt32BE(4)))]).toEqual([0xe9, 0x0a, 0x78, 0x0a, 0x79]);
  });
});

describe('messages split across reads at every byte boundary', () => {
  const pixelFormat = Buffer.alloc(20);
  writePixelFormat(SERVER_32, pixelFormat, 4);
  const messages: [string, Buffer, ClientItem][] = [
    ['SetPixelFormat', pixelFormat, { type: 'set-pixel-format', pixelFormat: SERVER_32 }],
    [
      'SetEncodings',
      Buffer.from([2, 0, 0, 2, 0, 0, 0, 50, 0xff, 0xff, 0xff, 0x21]),
      { type: 'set-encodings', encodings: [50, -223] },
    ],
    [
      'FramebufferUpdateRequest',
      Buffer.from([3, 1, 0, 1, 0, 2, 0, 3, 0, 4]),
      { type: 'update-request', incremental: true, x: 1, y: 2, width: 3, height: 4 },
    ],
    ['KeyEvent', Buffer.from([4, 1, 0, 0, 0, 0, 0xff, 0x0d]), { type: 'key', down: true, keysym: 0xff0d }],
    ['PointerEvent', Buffer.from([5, 3, 0, 10, 0, 20]), { type: 'pointer', buttonMask: 3, x: 10, y: 20 }],
    ['ClientCutText', Buffer.from([6, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]), { type: 'cut-text', text: 'hi' }],
    [
      'EnableContinuousUpdates',
      Buffer.from([150, 1, 0, 0, 0, 0, 0, 8, 0, 8]),
      { type: 'enable-continuous-updates', enable: true, x: 0, y: 0, width: 8, height: 8 },
    ],
    [
      'ClientFence',
      Buffer.from([248, 0, 0, 0, 0x80, 0, 0, 1, 2, 7, 9]),
      { type: 'fence', flags: 0x80000001, payload: Buffer.from([7, 9]) },
    ],
    [
      'SetDesktopSize',
      Buffer.concat([Buffer.from([251, 0, 0, 32, 0, 16, 1, 0]), Buffer.alloc(16)]),
      { type: 'set-desktop-size', width: 32, height: 16 },
    ],
  ];

  for (const [name, bytes, item] of messages) {
    it(`${name}: no item until its last byte, then exactly one`, () => {
      for (let cut = 1; cut < bytes.length; cut++) {
        const p = new ClientStreamParser({ maxCutTextBytes: 1024, maxEncodings: 16 });
        p.phase = 'messages';
        p.push(bytes.subarray(0, cut));
        expect(p.next(), `${name} cut at ${cut}`).toBeNull();
        p.push(bytes.subarray(cut));
        expect(p.next()).toEqual(item);
        expect(p.next()).toBeNull();
      }
    });
  }

  it('the handshake items too (version, security choice, auth response, ClientInit)', () => {
    const phases: [ClientStreamParser['phase'], Buffer, ClientItem][] = [
      ['version', Buffer.from('RFB 003.008\n'), { type: 'version', major: 3, minor: 8 }],
      ['security-choice', Buffer.from([2]), { type: 'security-choice', securityType: 2 }],
      ['vnc-auth-response', Buffer.alloc(16, 7), { type: 'auth-response', response: Buffer.alloc(16, 7) }],
      ['client-init', Buffer.from([0]), { type: 'client-init', shared: false }],
    ];
    for (const [phase, bytes, item] of phases) {
      for (let cut = 0; cut < bytes.length; cut++) {
        const p = new ClientStreamParser({ maxCutTextBytes: 1024, maxEncodings: 16 });
        p.phase = phase;
        p.push(bytes.subarray(0, cut));
        if (cut > 0) expect(p.next()).toBeNull();
        p.push(bytes.subarray(cut));
        expect(p.next()).toEqual(item);
      }
    }
  });

  it('a whole session written one byte per TCP segment reaches the same state', async () => {
    const f = await fixture();
    const keys: number[] = [];
    f.server.on('key', (e) => keys.push(e.keysym));
    const c = await client(f.port);
    c.socket.setNoDelay(true);
    await c.read(12);
    const session = Buffer.concat([
      Buffer.from('RFB 003.008\n'),
      Buffer.from([1, 1]), // security None, shared
      ...messages.slice(0, 5).map(([, b]) => b),
      Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61]),
    ]);
    for (const byte of session) {
      c.write([byte]);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => keys.length === 2, 3000, 'both key events');
    expect(keys).toEqual([0xff0d, 0x61]);
    expect(f.server.clients()[0]).toMatchObject({ ready: true, mode: 'h264' });
  });
});
