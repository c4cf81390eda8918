import { RfbProtocolError } from '../errors.js';
import { ByteQueue } from './byte-queue.js';
import { ClientMessage } from './constants.js';

/** An RFB pixel format (RFC 6143 §7.4). */
export interface PixelFormat {
  bitsPerPixel: number;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

/** Where the client is in RFC 6143's sequence; the connection moves it on. */
export type ParserPhase = 'version' | 'security-choice' | 'vnc-auth-response' | 'client-init' | 'messages' | 'closed';

export type ClientItem =
  | { type: 'version'; major: number; minor: number }
  | { type: 'security-choice'; securityType: number }
  | { type: 'auth-response'; response: Buffer }
  | { type: 'client-init'; shared: boolean }
  | { type: 'set-pixel-format'; pixelFormat: PixelFormat }
  | { type: 'set-encodings'; encodings: number[] }
  | { type: 'update-request'; incremental: boolean; x: number; y: number; width: number; height: number }
  | { type: 'key'; down: boolean; keysym: number }
  | { type: 'pointer'; buttonMask: number; x: number; y: number }
  | { type: 'cut-text'; text: string }
  | { type: 'enable-continuous-updates'; enable: boolean; x: number; y: number; width: number; height: number }
  | { type: 'fence'; flags: number; payload: Buffer }
  | { type: 'set-desktop-size'; width: number; height: number };

export interface ParserLimits {
  /** Largest ClientCutText accepted; a longer announced length cuts the client off at once. */
  maxCutTextBytes: number;
  /** Most encodings a SetEncodings may list. */
  maxEncodings: number;
}

const VERSION_PATTERN = /^RFB (\d{3})\.(\d{3})\n$/;

/**
 * Turns the client's byte stream into protocol items. Never buffers more than one message: a
 * length field is checked against the limits as soon as the header arrives, before its body.
 */
export class ClientStreamParser {
  phase: ParserPhase = 'version';
  private readonly queue = new ByteQueue();

  constructor(private readonly limits: ParserLimits) {}

  get bufferedBytes(): number {
    return this.queue.length;
  }

  /** Memory the unparsed bytes hold, per-chunk overhead included. */
  get footprint(): number {
    return this.queue.footprint;
  }

  push(chunk: Buffer): void {
    this.queue.push(chunk);
  }

  /** The next complete item, or null when more bytes are needed. Throws RfbProtocolError on a violation. */
  next(): ClientItem | null {
    const q = this.queue;
    switch (this.phase) {
      case 'closed':
        return null;
      case 'version': {
        if (q.length < 12) {
          // Reject garbage early instead of waiting for 12 bytes that never come.
          const prefix = q.peek(Math.min(q.length, 4)).toString('latin1');
          if (!'RFB '.startsWith(prefix))
            throw new RfbProtocolError('RFB_BAD_VERSION', `not an RFB client (sent ${JSON.stringify(prefix)})`);
          return null;
        }
        const text = q.take(12).toString('latin1');
        const m = VERSION_PATTERN.exec(text);
        if (!m) throw new RfbProtocolError('RFB_BAD_VERSION', `malformed ProtocolVersion ${JSON.stringify(text)}`);
        return { type: 'version', major: Number(m[1]), minor: Number(m[2]) };
      }
      case 'security-choice':
        if (q.length < 1) return null;
        return { type: 'security-choice', securityType: q.take(1)[0]! };
      case 'vnc-auth-response':
        if (q.length < 16) return null;
        return { type: 'auth-response', response: Buffer.from(q.take(16)) };
      case 'client-init':
        if (q.length < 1) return null;
        return { type: 'client-init', shared: q.take(1)[0] !== 0 };
      case 'messages':
        return this.nextMessage();
    }
  }

  private nextMessage(): ClientItem | null {
    const q = this.queue;
    if (q.length < 1) return null;
    const type = q.byteAt(0);
    switch (type) {
      case ClientMessage.SetPixelFormat: {
        if (q.length < 20) return null;
        const b = q.take(20);
        const pixelFormat: PixelFormat = {
          bitsPerPixel: b[4]!,
          depth: b[5]!,
          bigEndian: b[6] !== 0,
          trueColour: b[7] !== 0,
          redMax: b.readUInt16BE(8),
          greenMax: b.readUInt16BE(10),
          blueMax: b.readUInt16BE(12),
          redShift: b[14]!,
          greenShift: b[15]!,
          blueShift: b[16]!,
        };
        checkPixelFormat(pixelFormat);
        return { type: 'set-pixel-format', pixelFormat };
      }
      case ClientMessage.SetEncodings: {
        if (q.length < 4) return null;
        const count = q.peek(4).readUInt16BE(2);
        if (count > this.limits.maxEncodings) {
          throw new RfbProtocolError(
            'RFB_MESSAGE_TOO_LARGE',
            `SetEncodings lists ${count} encodings (limit ${this.limits.maxEncodings})`,
          );
        }
        if (q.length < 4 + 4 * count) return null;
        const b = q.take(4 + 4 * count);
        const encodings: number[] = [];
        for (let i = 0; i < count; i++) encodings.push(b.readInt32BE(4 + 4 * i));
        return { type: 'set-encodings', encodings };
      }
      case ClientMessage.FramebufferUpdateRequest: {
        if (q.length < 10) return null;
        const b = q.take(10);
        return {
          type: 'update-request',
          incremental: b[1] !== 0,
          x: b.readUInt16BE(2),
          y: b.readUInt16BE(4),
          width: b.readUInt16BE(6),
          height: b.readUInt16BE(8),
        };
      }
      case ClientMessage.KeyEvent: {
        if (q.length < 8) return null;
        const b = q.take(8);
        return { type: 'key', down: b[1] !== 0, keysym: b.readUInt32BE(4) };
      }
      case ClientMessage.PointerEvent: {
        if (q.length < 6) return null;
        const b = q.take(6);
        return { type: 'pointer', buttonMask: b[1]!, x: b.readUInt16BE(2), y: b.readUInt16BE(4) };
      }
      case ClientMessage.ClientCutText: {
        if (q.length < 8) return null;
        // U32 per RFC 6143; a "negative" (extended clipboard) length is only valid after the server
        // advertised that extension, which this server does not, so it is simply too large here.
        const length = q.peek(8).readUInt32BE(4);
        if (length > this.limits.maxCutTextBytes) {
          throw new RfbProtocolError(
            'RFB_MESSAGE_TOO_LARGE',
            `ClientCutText length ${length} exceeds the limit of ${this.limits.maxCutTextBytes} bytes`,
          );
        }
        if (q.length < 8 + length) return null;
        const b = q.take(8 + length);
        return { type: 'cut-text', text: b.toString('latin1', 8) };
      }
      case ClientMessage.EnableContinuousUpdates: {
        if (q.length < 10) return null;
        const b = q.take(10);
        return {
          type: 'enable-continuous-updates',
          enable: b[1] !== 0,
          x: b.readUInt16BE(2),
          y: b.readUInt16BE(4),
          width: b.readUInt16BE(6),
          height: b.readUInt16BE(8),
        };
      }
      case ClientMessage.ClientFence: {
        if (q.length < 9) return null;
        const length = q.byteAt(8);
        if (length > 64) throw new RfbProtocolError('RFB_BAD_MESSAGE', `Fence payload of ${length} bytes (at most 64)`);
        if (q.length < 9 + length) return null;
        const b = q.take(9 + length);
        return { type: 'fence', flags: b.readUInt32BE(4), payload: Buffer.from(b.subarray(9)) };
      }
      case ClientMessage.SetDesktopSize: {
        if (q.length < 8) return null;
        const screens = q.byteAt(6);
        if (q.length < 8 + 16 * screens) return null;
        const b = q.take(8 + 16 * screens);
        return { type: 'set-desktop-size', width: b.readUInt16BE(2), height: b.readUInt16BE(4) };
      }
      default:
        throw new RfbProtocolError('RFB_UNKNOWN_MESSAGE', `unknown client message type ${type}`);
    }
  }
}

/**
 * RFC 6143 §7.4 (PIXEL_FORMAT): bits-per-pixel is 8, 16 or 32 and at least the depth; a
 * true-colour channel's max is 2^n - 1 (n ≥ 1), its bits lie inside the pixel and do not overlap
 * another channel's. A colour-map format needs a depth (the index bits). The message is refused
 * whole, with the field that is wrong: a format the server cannot honour would otherwise be
 * drawn as garbage. Also checks the format a server announces (`RfbServerOptions.pixelFormat`).
 */
export function pixelFormatProblem(pf: PixelFormat): string | null {
  if (pf.bitsPerPixel !== 8 && pf.bitsPerPixel !== 16 && pf.bitsPerPixel !== 32)
    return `bits-per-pixel ${pf.bitsPerPixel} is not 8, 16 or 32`;
  if (pf.depth > pf.bitsPerPixel) return `depth ${pf.depth} exceeds bits-per-pixel ${pf.bitsPerPixel}`;
  if (!pf.trueColour) return pf.depth === 0 ? 'a colour-map format with depth 0 has no index bits' : null;
  let used = 0;
  for (const [name, max, shift] of [
    ['red', pf.redMax, pf.redShift],
    ['green', pf.greenMax, pf.greenShift],
    ['blue', pf.blueMax, pf.blueShift],
  ] as const) {
    if (max === 0 || (max & (max + 1)) !== 0) return `${name} max ${max} is not 2^n - 1`;
    if (shift >= pf.bitsPerPixel || max * 2 ** shift >= 2 ** pf.bitsPerPixel)
      return `${name} max ${max} / shift ${shift} do not fit ${pf.bitsPerPixel} bits`;
    const bits = max * 2 ** shift;
    if ((used & bits) !== 0) return `${name} bits (max ${max}, shift ${shift}) overlap another channel`;
    used |= bits;
  }
  return null;
}

function checkPixelFormat(pf: PixelFormat): void {
  const problem = pixelFormatProblem(pf);
  if (problem) throw new RfbProtocolError('RFB_BAD_MESSAGE', `SetPixelFormat: ${problem}`);
}
