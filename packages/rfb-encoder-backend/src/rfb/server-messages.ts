import { Encoding, ServerMessage } from './constants.js';
import type { PixelFormat } from './client-parser.js';

/** Builders for what the server writes (RFC 6143 §7.1-7.6, H.264 rectangle as noVNC decodes it). */

/** 32 bpp, depth 24, little-endian, true colour, B,G,R,X in memory: noVNC's native format. */
export const SERVER_PIXEL_FORMAT: PixelFormat = {
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
};

export function securityTypes(types: number[]): Buffer {
  return Buffer.from([types.length, ...types]);
}

/** Security failure before a type was chosen (count 0 + reason). */
export function securityRefusal(reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8');
  const out = Buffer.alloc(5 + text.length);
  out.writeUInt32BE(text.length, 1);
  text.copy(out, 5);
  return out;
}

/** SecurityResult; RFB 3.8 adds a reason string on failure. */
export function securityResult(ok: boolean, reason?: string): Buffer {
  if (ok || reason === undefined) {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(ok ? 0 : 1, 0);
    return out;
  }
  const text = Buffer.from(reason, 'utf8');
  const out = Buffer.alloc(8 + text.length);
  out.writeUInt32BE(1, 0);
  out.writeUInt32BE(text.length, 4);
  text.copy(out, 8);
  return out;
}

export function writePixelFormat(pf: PixelFormat, out: Buffer, offset: number): void {
  out[offset] = pf.bitsPerPixel;
  out[offset + 1] = pf.depth;
  out[offset + 2] = pf.bigEndian ? 1 : 0;
  out[offset + 3] = pf.trueColour ? 1 : 0;
  out.writeUInt16BE(pf.redMax, offset + 4);
  out.writeUInt16BE(pf.greenMax, offset + 6);
  out.writeUInt16BE(pf.blueMax, offset + 8);
  out[offset + 10] = pf.redShift;
  out[offset + 11] = pf.greenShift;
  out[offset + 12] = pf.blueShift;
}

export function serverInit(
  width: number,
  height: number,
  name: string,
  format: PixelFormat = SERVER_PIXEL_FORMAT,
): Buffer {
  const text = Buffer.from(name, 'utf8');
  const out = Buffer.alloc(24 + text.length);
  out.writeUInt16BE(width, 0);
  out.writeUInt16BE(height, 2);
  writePixelFormat(format, out, 4);
  out.writeUInt32BE(text.length, 20);
  text.copy(out, 24);
  return out;
}

export function framebufferUpdateHeader(rectangles: number): Buffer {
  const out = Buffer.alloc(4);
  out[0] = ServerMessage.FramebufferUpdate;
  out.writeUInt16BE(rectangles, 2);
  return out;
}

export function rectHeader(x: number, y: number, width: number, height: number, encoding: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(x, 0);
  out.writeUInt16BE(y, 2);
  out.writeUInt16BE(width, 4);
  out.writeUInt16BE(height, 6);
  out.writeInt32BE(encoding, 8);
  return out;
}

/** DesktopSize pseudo-rectangle: the new size rides in the width/height fields. */
export function desktopSizeRect(width: number, height: number): Buffer {
  return rectHeader(0, 0, width, height, Encoding.DesktopSize);
}

/**
 * ExtendedDesktopSize pseudo-rectangle with one screen. x carries the reason (0 = server-side
 * change, 1 = answer to this client's SetDesktopSize), y the status (0 = done, 1 = prohibited).
 */
export function extendedDesktopSizeRect(width: number, height: number, reason = 0, status = 0): Buffer {
  const out = Buffer.alloc(12 + 4 + 16);
  rectHeader(reason, status, width, height, Encoding.ExtendedDesktopSize).copy(out, 0);
  out[12] = 1; // number of screens
  out.writeUInt32BE(0, 16); // screen id
  out.writeUInt16BE(0, 20);
  out.writeUInt16BE(0, 22);
  out.writeUInt16BE(width, 24);
  out.writeUInt16BE(height, 26);
  out.writeUInt32BE(0, 28); // flags
  return out;
}

/**
 * H.264 rectangle header (encoding 50): rect header, U32 length of the Annex B data, U32 flags
 * (bit 0 reset this rectangle's decoder context, bit 1 reset all contexts). The data follows.
 */
export function h264RectHeader(
  x: number,
  y: number,
  width: number,
  height: number,
  length: number,
  flags: number,
): Buffer {
  const out = Buffer.alloc(20);
  rectHeader(x, y, width, height, Encoding.H264).copy(out, 0);
  out.writeUInt32BE(length, 12);
  out.writeUInt32BE(flags, 16);
  return out;
}

/** SetColourMapEntries (RFC 6143 §7.6.2): colours from `firstColour` on, 16-bit intensities. */
export function setColourMapEntries(
  firstColour: number,
  colours: readonly { red: number; green: number; blue: number }[],
): Buffer {
  const out = Buffer.alloc(6 + 6 * colours.length);
  out[0] = ServerMessage.SetColourMapEntries;
  out.writeUInt16BE(firstColour, 2);
  out.writeUInt16BE(colours.length, 4);
  colours.forEach((c, i) => {
    out.writeUInt16BE(c.red, 6 + 6 * i);
    out.writeUInt16BE(c.green, 8 + 6 * i);
    out.writeUInt16BE(c.blue, 10 + 6 * i);
  });
  return out;
}

export function serverCutText(text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const out = Buffer.alloc(8 + body.length);
  out[0] = ServerMessage.ServerCutText;
  out.writeUInt32BE(body.length, 4);
  body.copy(out, 8);
  return out;
}

export function bell(): Buffer {
  return Buffer.from([ServerMessage.Bell]);
}

/** Fence (rfbproto): flags, then up to 64 bytes the other side echoes. */
export function fence(flags: number, payload: Buffer): Buffer {
  const out = Buffer.alloc(9 + payload.length);
  out[0] = ServerMessage.ServerFence;
  out.writeUInt32BE(flags >>> 0, 4);
  out[8] = payload.length;
  payload.copy(out, 9);
  return out;
}

/** EndOfContinuousUpdates (rfbproto): announces the extension, and confirms it was switched off. */
export function endOfContinuousUpdates(): Buffer {
  return Buffer.from([ServerMessage.EndOfContinuousUpdates]);
}

/** LastRect pseudo-rectangle: ends an update announced with 0xFFFF rectangles. */
export function lastRect(): Buffer {
  return rectHeader(0, 0, 0, 0, Encoding.LastRect);
}
