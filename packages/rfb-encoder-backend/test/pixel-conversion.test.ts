import { describe, expect, it } from 'vitest';
import { rgb24ToBgra, yuv420pToNv12 } from '../src/backend/pixel-conversion.js';

describe('rgb24ToBgra', () => {
  it('reorders R,G,B into B,G,R,255', () => {
    const src = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const dst = new Uint8Array(16);
    rgb24ToBgra(src, 2, 2, 6, dst);
    expect([...dst]).toEqual([3, 2, 1, 255, 6, 5, 4, 255, 9, 8, 7, 255, 12, 11, 10, 255]);
  });

  it('honours a source pitch wider than the row', () => {
    const src = Uint8Array.from([1, 2, 3, 99, 99, 4, 5, 6, 99, 99]);
    const dst = new Uint8Array(8);
    rgb24ToBgra(src, 1, 2, 5, dst);
    expect([...dst]).toEqual([3, 2, 1, 255, 6, 5, 4, 255]);
  });

  it('gives the same bytes through an unaligned destination', () => {
    const src = Uint8Array.from({ length: 4 * 2 * 3 }, (_, i) => i * 7);
    const aligned = new Uint8Array(32);
    const unaligned = new Uint8Array(33).subarray(1);
    rgb24ToBgra(src, 4, 2, 12, aligned);
    rgb24ToBgra(src, 4, 2, 12, unaligned);
    expect([...unaligned]).toEqual([...aligned]);
  });
});

describe('yuv420pToNv12', () => {
  it('copies Y and interleaves U,V', () => {
    // 4x2: Y = 8 bytes, U = 2, V = 2
    const src = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 20, 21]);
    const dst = new Uint8Array(12);
    yuv420pToNv12(src, 4, 2, dst);
    expect([...dst]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 11, 21]);
  });
});
