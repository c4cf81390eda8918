import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { desEncryptBlock } from '../src/rfb/des.js';
import { vncAuthKey, vncAuthResponse, verifyVncAuthResponse } from '../src/rfb/vnc-auth.js';

const hex = (s: string) => Buffer.from(s, 'hex');

/** OpenSSL's DES (legacy provider, which a child process may load) as the independent reference. */
function opensslDesEcb(pairs: { key: Buffer; block: Buffer }[]): string[] {
  const script = `
    const c = require('crypto');
    const pairs = JSON.parse(process.argv[1]);
    console.log(JSON.stringify(pairs.map(([k, b]) => {
      const x = c.createCipheriv('des-ecb', Buffer.from(k, 'hex'), null);
      x.setAutoPadding(false);
      return x.update(Buffer.from(b, 'hex')).toString('hex');
    })));`;
  const arg = JSON.stringify(pairs.map((p) => [p.key.toString('hex'), p.block.toString('hex')]));
  return JSON.parse(
    execFileSync(process.execPath, ['--openssl-legacy-provider', '-e', script, arg], { encoding: 'utf8' }),
  ) as string[];
}

describe('DES', () => {
  it('matches the textbook FIPS 46 example', () => {
    expect(Buffer.from(desEncryptBlock(hex('133457799BBCDFF1'), hex('0123456789ABCDEF'))).toString('hex')).toBe(
      '85e813540f0ab405',
    );
  });

  it('matches OpenSSL on random keys and blocks', () => {
    const pairs = Array.from({ length: 24 }, () => ({ key: randomBytes(8), block: randomBytes(8) }));
    const reference = opensslDesEcb(pairs);
    pairs.forEach((p, i) => expect(Buffer.from(desEncryptBlock(p.key, p.block)).toString('hex')).toBe(reference[i]));
  });
});

describe('VNC Authentication', () => {
  it('keys DES with the password bytes bit-reversed, zero-padded to 8', () => {
    // 'a' = 0x61 = 0b01100001 → 0b10000110 = 0x86
    expect(Buffer.from(vncAuthKey('ab')).toString('hex')).toBe('8646000000000000');
  });

  it('uses only the first 8 characters of the password', () => {
    const challenge = randomBytes(16);
    expect(vncAuthResponse('12345678xyz', challenge)).toEqual(vncAuthResponse('12345678', challenge));
  });

  it('answers the challenge with two DES-ECB blocks under the reversed key', () => {
    const challenge = randomBytes(16);
    const key = Buffer.from(vncAuthKey('secret'));
    const [a, b] = opensslDesEcb([
      { key, block: challenge.subarray(0, 8) },
      { key, block: challenge.subarray(8) },
    ]);
    expect(vncAuthResponse('secret', challenge).toString('hex')).toBe(a! + b!);
    expect(verifyVncAuthResponse('secret', challenge, vncAuthResponse('secret', challenge))).toBe(true);
    expect(verifyVncAuthResponse('secret', challenge, vncAuthResponse('secreT', challenge))).toBe(false);
  });
});
