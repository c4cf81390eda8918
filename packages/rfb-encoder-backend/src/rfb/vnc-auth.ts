import { randomBytes, timingSafeEqual } from 'node:crypto';
import { desEncryptBlock } from './des.js';

/** VNC Authentication (RFC 6143 §7.2.2): DES-encrypt a 16-byte challenge with the password as key. */

export function createChallenge(): Buffer {
  return randomBytes(16);
}

function reverseBits(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
}

/**
 * The key is the password's first 8 bytes, zero-padded, with each byte's bits mirrored: RFC 6143
 * leaves this out, but every VNC implementation does it (it dates from the original d3des code).
 */
export function vncAuthKey(password: string): Uint8Array {
  const raw = Buffer.from(password, 'latin1');
  const key = new Uint8Array(8);
  for (let i = 0; i < 8 && i < raw.length; i++) key[i] = reverseBits(raw[i]!);
  return key;
}

/** The 16 bytes a client must answer to `challenge`. */
export function vncAuthResponse(password: string, challenge: Uint8Array): Buffer {
  const key = vncAuthKey(password);
  return Buffer.concat([
    desEncryptBlock(key, challenge.subarray(0, 8)),
    desEncryptBlock(key, challenge.subarray(8, 16)),
  ]);
}

export function verifyVncAuthResponse(password: string, challenge: Uint8Array, response: Uint8Array): boolean {
  const expected = vncAuthResponse(password, challenge);
  return response.length === expected.length && timingSafeEqual(expected, response);
}
