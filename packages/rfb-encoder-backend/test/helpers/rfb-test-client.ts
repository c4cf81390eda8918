import { connect, type Socket } from 'node:net';
import { vncAuthResponse } from '../../src/rfb/vnc-auth.js';

/** A minimal RFB client written for the tests: reads exactly what the server writes. */
export class RfbTestClient {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: (() => void) | null = null;
  closed = false;
  closeReason = '';

  private constructor(readonly socket: Socket) {
    socket.on('data', (c) => {
      this.chunks.push(c);
      this.buffered += c.length;
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', (e) => {
      this.closeReason = e.message;
    });
  }

  static connect(port: number): Promise<RfbTestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RfbTestClient(socket)));
      socket.once('error', reject);
    });
  }

  async read(n: number, timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffered < n) {
      if (this.closed) throw new Error(`connection closed while waiting for ${n} bytes (have ${this.buffered})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} bytes (have ${this.buffered})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = null;
    }
    const all = Buffer.concat(this.chunks);
    this.chunks = [all.subarray(n)];
    this.buffered -= n;
    return all.subarray(0, n);
  }

  write(data: Buffer | number[]): void {
    this.socket.write(Buffer.isBuffer(data) ? data : Buffer.from(data));
  }

  /** Resolves once the server has closed the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('server did not close the connection');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Version + security + ClientInit; returns ServerInit's size and name. */
  async handshake(
    options: { password?: string; version?: string; shared?: boolean } = {},
  ): Promise<{ width: number; height: number; name: string }> {
    const version = (await this.read(12)).toString('latin1');
    if (version !== 'RFB 003.008\n') throw new Error(`server version ${JSON.stringify(version)}`);
    const ours = options.version ?? 'RFB 003.008\n';
    this.write(Buffer.from(ours, 'latin1'));
    const minor = Number(ours.slice(8, 11));
    let type: number;
    if (minor === 3) {
      type = (await this.read(4)).readUInt32BE(0);
    } else {
      const count = (await this.read(1))[0]!;
      const types = [...(await this.read(count))];
      type = types[0]!;
      this.write([type]);
    }
    if (type === 2) {
      const challenge = await this.read(16);
      this.write(vncAuthResponse(options.password ?? '', challenge));
      const result = (await this.read(4)).readUInt32BE(0);
      if (result !== 0) {
        const reason = minor >= 8 ? (await this.read((await this.read(4)).readUInt32BE(0))).toString() : '';
        throw new Error(`auth failed: ${reason}`);
      }
    } else if (minor >= 8) {
      const result = (await this.read(4)).readUInt32BE(0);
      if (result !== 0) throw new Error('security result failed');
    }
    this.write([options.shared === false ? 0 : 1]);
    const init = await this.read(24);
    const name = (await this.read(init.readUInt32BE(20))).toString();
    return { width: init.readUInt16BE(0), height: init.readUInt16BE(2), name };
  }

  setEncodings(encodings: number[]): void {
    const b = Buffer.alloc(4 + 4 * encodings.length);
    b[0] = 2;
    b.writeUInt16BE(encodings.length, 2);
    encodings.forEach((e, i) => b.writeInt32BE(e, 4 + 4 * i));
    this.write(b);
  }

  requestUpdate(incremental: boolean, width = 0xffff, height = 0xffff): void {
    const b = Buffer.alloc(10);
    b[0] = 3;
    b[1] = incremental ? 1 : 0;
    b.writeUInt16BE(width, 6);
    b.writeUInt16BE(height, 8);
    this.write(b);
  }

  /** Reads one FramebufferUpdate (skipping Bell / ServerCutText) and decodes its rectangles. */
  async readUpdate(timeoutMs = 5000): Promise<UpdateRect[]> {
    for (;;) {
      const type = (await this.read(1, timeoutMs))[0];
      if (type === 2) continue;
      if (type === 3) {
        const h = await this.read(7, timeoutMs);
        await this.read(h.readUInt32BE(3), timeoutMs);
        continue;
      }
      if (type !== 0) throw new Error(`unexpected server message ${type}`);
      const count = (await this.read(3, timeoutMs)).readUInt16BE(1);
      const rects: UpdateRect[] = [];
      for (let i = 0; i < count; i++) {
        const r = await this.read(12, timeoutMs);
        const rect: UpdateRect = {
          x: r.readUInt16BE(0),
          y: r.readUInt16BE(2),
          width: r.readUInt16BE(4),
          height: r.readUInt16BE(6),
          encoding: r.readInt32BE(8),
        };
        if (rect.encoding === 50) {
          const h = await this.read(8, timeoutMs);
          rect.flags = h.readUInt32BE(4);
          rect.data = Buffer.from(await this.read(h.readUInt32BE(0), timeoutMs));
        } else if (rect.encoding === -239) {
          // Cursor shape in the server's 32 bpp format, then its bitmask.
          await this.read(rect.width * rect.height * 4 + ((rect.width + 7) >> 3) * rect.height, timeoutMs);
        } else if (rect.encoding === -308) {
          const h = await this.read(4, timeoutMs);
          await this.read(16 * h[0]!, timeoutMs);
        }
        rects.push(rect);
      }
      return rects;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface UpdateRect {
  x: number;
  y: number;
  width: number;
  height: number;
  encoding: number;
  flags?: number;
  data?: Buffer;
}

/** Tokens (first 4 body bytes) of the fake engine's slices in an Annex B buffer, with key flags. */
export function fakeSlices(data: Buffer): { token: number; key: boolean }[] {
  const out: { token: number; key: boolean }[] = [];
  for (let i = 0; i + 8 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 0 && data[i + 3] === 1) {
      const nal = data[i + 4]! & 0x1f;
      if (nal === 1 || nal === 5) out.push({ token: data.readUInt32BE(i + 5), key: nal === 5 });
    }
  }
  return out;
}

export function captureLogger(): {
  lines: string[];
  logger: { info(l: string): void; warn(l: string): void; error(l: string): void; debug(l: string): void };
} {
  const lines: string[] = [];
  return {
    lines,
    logger: {
      info: (l) => lines.push(`info ${l}`),
      warn: (l) => lines.push(`warn ${l}`),
      error: (l) => lines.push(`error ${l}`),
      debug: (l) => lines.push(`debug ${l}`),
    },
  };
}

export async function until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
