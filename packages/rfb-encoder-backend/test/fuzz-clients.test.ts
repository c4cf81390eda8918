/**
 * Hostile input in every state of the connection: random, truncated, corrupted and oversized
 * messages from a seeded generator (a failure names its seed and case). The server must neither
 * crash nor keep anything: every connection it ends is logged with a code and a reason, the
 * clients that behave keep their streams, and the encoder keeps encoding.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { vncAuthResponse } from '../src/rfb/vnc-auth.js';
import { fakeSlices, until } from './helpers/rfb-test-client.js';
import { scopedFixtures } from './helpers/scoped-fixtures.js';

const { fixture, client } = scopedFixtures();
const PASSWORD = 'pw';
const SEED = Number(process.env.RFB_FUZZ_SEED ?? 20261130);
const CASES_PER_STATE = 40;

/** mulberry32: small, seeded, good enough to pick bytes. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { int, bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => int(256))) };
}
type Rng = ReturnType<typeof prng>;

const STATES = ['version', 'security-choice', 'auth-response', 'client-init', 'messages'] as const;
type State = (typeof STATES)[number];

/** Well-formed client messages (RFC 6143 §7.5 and the rfbproto extensions) to corrupt and cut. */
function validMessages(rng: Rng): Buffer[] {
  const u16 = (n: number) => [n >> 8, n & 0xff];
  return [
    Buffer.from([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]),
    Buffer.from([2, 0, 0, 3, 0, 0, 0, 50, 0, 0, 0, 0, 0xff, 0xff, 0xfe, 0xc7]),
    Buffer.from([3, rng.int(2), ...u16(rng.int(80)), ...u16(rng.int(80)), ...u16(rng.int(80)), ...u16(rng.int(80))]),
    Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61]),
    Buffer.from([5, rng.int(256), ...u16(rng.int(0x10000)), ...u16(rng.int(0x10000))]),
    Buffer.from([6, 0, 0, 0, 0, 0, 0, 3, 0x61, 0xe9, 0x0a]),
    Buffer.from([150, 1, 0, 0, 0, 0, 0, 64, 0, 48]),
    Buffer.from([248, 0, 0, 0, 0x80, 0, 0, 7, 3, 1, 2, 3]),
    Buffer.concat([Buffer.from([251, 0, 0, 32, 0, 16, 1, 0]), Buffer.alloc(16)]),
  ];
}

/** Headers that announce far more than they carry, or more than any limit allows. */
const OVERSIZED = [
  Buffer.from([6, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), // ClientCutText of 4 GiB
  Buffer.from([6, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]),
  Buffer.from([2, 0, 0xff, 0xff]), // 65535 encodings
  Buffer.from([248, 0, 0, 0, 0x80, 0, 0, 0, 255]), // Fence payload of 255
  Buffer.from([251, 0, 0, 32, 0, 16, 255, 0]), // 255 screens, none sent
];

function hostileBytes(state: State, rng: Rng): Buffer {
  const valid = validMessages(rng);
  switch (rng.int(state === 'messages' ? 6 : 3)) {
    case 0:
      return rng.bytes(1 + rng.int(64)); // noise
    case 1: {
      const m = state === 'version' ? Buffer.from('RFB 003.008\n') : valid[rng.int(valid.length)]!;
      return m.subarray(0, rng.int(m.length)); // truncated: the peer then hangs up
    }
    case 2: {
      // A well-formed message (or version) with a few bytes overwritten.
      const m = Buffer.from(state === 'version' ? Buffer.from('RFB 003.008\n') : valid[rng.int(valid.length)]!);
      for (let i = 1 + rng.int(3); i > 0; i--) m[rng.int(m.length)] = rng.int(256);
      return m;
    }
    case 3:
      return OVERSIZED[rng.int(OVERSIZED.length)]!;
    case 4:
      // A valid stream, then noise: the noise's first byte is taken as a message type.
      return Buffer.concat([...valid.slice(0, 1 + rng.int(valid.length)), rng.bytes(1 + rng.int(16))]);
    default:
      // The same valid message many times over (floods must not grow memory without bound).
      return Buffer.concat(Array.from({ length: 200 }, () => valid[3 + rng.int(3)]!));
  }
}

/** What the fuzzer needs of a connection, over TCP or WebSocket. */
interface Peer {
  read(n: number): Promise<Buffer>;
  write(data: Buffer | number[]): void;
  /** The hostile bytes; over WebSocket now and then as a text message, which RFB does not allow. */
  writeHostile?(data: Buffer): void;
  close(): void;
}

/**
 * A WebSocket peer whose writes are cut into binary messages of random sizes (an RFB message may
 * span several WebSocket messages, and one message may hold several).
 */
async function webSocketPeer(port: number, rng: Rng): Promise<Peer> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, ['binary']);
  let data = Buffer.alloc(0);
  let closed = false;
  ws.on('message', (m: Buffer) => (data = Buffer.concat([data, m])));
  ws.on('close', () => (closed = true));
  ws.on('error', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const send = (b: Buffer, text: boolean) => {
    for (let at = 0; at < b.length && ws.readyState === WebSocket.OPEN;) {
      const n = 1 + rng.int(Math.min(32, b.length - at));
      ws.send(b.subarray(at, at + n), { binary: !text || rng.int(8) !== 0 });
      at += n;
    }
  };
  return {
    async read(n) {
      await until(() => data.length >= n || closed, 5000, `${n} bytes over WebSocket`);
      if (data.length < n) throw new Error(`connection closed while waiting for ${n} bytes`);
      const out = data.subarray(0, n);
      data = data.subarray(n);
      return out;
    },
    write: (bytes) => send(Buffer.from(bytes), false),
    writeHostile: (bytes) => send(bytes, true),
    close: () => ws.terminate(),
  };
}

/** Brings a fresh connection to `state`: everything before it done right. */
async function reach(c: Peer, state: State): Promise<void> {
  await c.read(12);
  if (state === 'version') return;
  c.write(Buffer.from('RFB 003.008\n'));
  await c.read(2);
  if (state === 'security-choice') return;
  c.write([2]);
  const challenge = await c.read(16);
  if (state === 'auth-response') return;
  c.write(vncAuthResponse(PASSWORD, challenge));
  expect((await c.read(4)).readUInt32BE(0)).toBe(0);
  if (state === 'client-init') return;
  c.write([1]);
  const init = await c.read(24);
  await c.read(init.readUInt32BE(20));
}

describe(`fuzzed clients in every state (seed ${SEED})`, () => {
  for (const transport of ['tcp', 'websocket'] as const)
    it(`${transport}: ${CASES_PER_STATE} hostile connections per state: each ends with a logged reason, nothing leaks, the others keep streaming`, async () => {
      const f = await fixture({
        webSocketPort: 0,
        auth: { type: 'vnc', password: PASSWORD },
        // A ClientInit of 0 asks for exclusive access; by default (RFC 6143 §7.3.1) that would
        // disconnect the good clients, so here it is refused instead, which fuzzes that path too.
        exclusiveClients: 'refuse',
        limits: {
          handshakeTimeoutMs: 400,
          // Every wrong auth response is a failed login: the blacklist would shut the fuzzer out.
          authFailuresBeforeBlock: 1_000_000,
          maxPendingClients: 64,
          maxPendingPerAddress: 64,
        },
      });
      const disconnects: string[] = [];
      f.server.on('disconnect', (_info, reason) => disconnects.push(reason));

      // Two clients that behave: one on the shared H.264 stream, one on Raw rectangles.
      const video = await client(f.port);
      await video.handshake({ password: PASSWORD });
      video.setEncodings([50]);
      video.requestUpdate(false);
      const image = await client(f.port);
      await image.handshake({ password: PASSWORD });
      image.setEncodings([0]);
      await until(() => f.server.clients().filter((c) => c.ready).length === 2);
      await f.push();
      expect((await video.readUpdate())[0]!.encoding).toBe(50);

      const rng = prng(SEED + (transport === 'tcp' ? 0 : 1));
      let opened = 0;
      for (const state of STATES) {
        // Eight at a time: enough concurrency to interleave, few enough for a 2-core machine.
        for (let batch = 0; batch < CASES_PER_STATE; batch += 8) {
          await Promise.all(
            Array.from({ length: Math.min(8, CASES_PER_STATE - batch) }, async (_, i) => {
              const bytes = hostileBytes(state, rng);
              const c: Peer =
                transport === 'tcp' ? await client(f.port) : await webSocketPeer(f.addresses.webSocket!.port, rng);
              opened++;
              try {
                await reach(c, state);
              } catch (error) {
                throw new Error(`case ${state}/${batch + i}: reaching the state failed: ${(error as Error).message}`);
              }
              if (c.writeHostile) c.writeHostile(bytes);
              else c.write(bytes);
              await new Promise((r) => setTimeout(r, 30));
              c.close();
            }),
          );
        }
      }

      // Every hostile connection is gone from the server, and each went with a reason.
      await until(() => f.server.clients().length === 2, 3000, 'the hostile connections to be released');
      await until(() => disconnects.length === opened, 3000, `${opened} disconnect events`);
      expect(disconnects.every((r) => r.length > 0)).toBe(true);
      const cutOffs = f.logLines.filter((l) => l.includes('cut off client'));
      expect(cutOffs.length).toBeGreaterThan(opened / 3);
      for (const line of cutOffs)
        expect(line).toMatch(/^warn cut off client #\d+ \((tcp|websocket) [^)]+\): RFB_[A-Z_]+: \S/);

      // The two good clients were never disturbed, and the encoder still encodes.
      expect(video.closed || image.closed).toBe(false);
      for (let i = 0; i < 2; i++) {
        await f.push();
        video.requestUpdate(true);
        const rects = await video.readUpdate();
        expect(rects[rects.length - 1]!.encoding).toBe(50);
        expect(fakeSlices(rects[rects.length - 1]!.data!).length).toBeGreaterThan(0);
      }
      image.requestUpdate(false, 64, 48);
      expect((await image.read(4))[0]).toBe(0);
    });
});
