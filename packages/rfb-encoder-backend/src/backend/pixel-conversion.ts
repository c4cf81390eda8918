/**
 * The two CPU conversions the backend still needs. NVENC takes BGRA/RGBA (as ARGB/ABGR) and NV12
 * directly, so only rgb24 (no alpha byte, 3-byte pixels NVENC has no format for) and yuv420p (planar
 * chroma NVENC wants interleaved) are touched, each in one pass into a buffer the backend reuses.
 */

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * rgb24 (R,G,B) → bgra (B,G,R,A=255) in one pass. Writes whole 32-bit words through a Uint32Array
 * view of `dst` (one store per pixel instead of four), which is why `dst` must be 4-byte aligned.
 */
export function rgb24ToBgra(src: Uint8Array, width: number, height: number, srcPitch: number, dst: Uint8Array): void {
  if (dst.byteLength < width * height * 4) throw new RangeError('destination too small');
  if (dst.byteOffset % 4 !== 0 || !littleEndian) {
    rgb24ToBgraBytewise(src, width, height, srcPitch, dst);
    return;
  }
  const out = new Uint32Array(dst.buffer, dst.byteOffset, width * height);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let i = y * srcPitch;
    const end = i + width * 3;
    while (i < end) {
      // little-endian word 0xAARRGGBB lays out as bytes B,G,R,A
      out[o++] = 0xff000000 | (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
      i += 3;
    }
  }
}

function rgb24ToBgraBytewise(src: Uint8Array, width: number, height: number, srcPitch: number, dst: Uint8Array): void {
  let o = 0;
  for (let y = 0; y < height; y++) {
    let i = y * srcPitch;
    for (let x = 0; x < width; x++, i += 3, o += 4) {
      dst[o] = src[i + 2]!;
      dst[o + 1] = src[i + 1]!;
      dst[o + 2] = src[i]!;
      dst[o + 3] = 255;
    }
  }
}

/**
 * yuv420p (Y plane, U plane, V plane) → nv12 (Y plane, interleaved UV plane). The Y plane is a
 * single memcpy; the chroma interleave writes one 16-bit word per sample pair.
 */
export function yuv420pToNv12(src: Uint8Array, width: number, height: number, dst: Uint8Array): void {
  const ySize = width * height;
  const cw = width >> 1;
  const ch = height >> 1;
  const cSize = cw * ch;
  if (dst.byteLength < ySize + 2 * cSize) throw new RangeError('destination too small');
  dst.set(src.subarray(0, ySize), 0);
  const u = ySize;
  const v = ySize + cSize;
  if ((dst.byteOffset + ySize) % 2 === 0 && littleEndian) {
    const out = new Uint16Array(dst.buffer, dst.byteOffset + ySize, cSize);
    for (let k = 0; k < cSize; k++) out[k] = src[u + k]! | (src[v + k]! << 8);
  } else {
    let o = ySize;
    for (let k = 0; k < cSize; k++) {
      dst[o++] = src[u + k]!;
      dst[o++] = src[v + k]!;
    }
  }
}

/** Bytes a tightly packed CPU frame of this format occupies. */
export function frameByteLength(
  format: 'rgb24' | 'rgba8' | 'bgra8' | 'nv12' | 'yuv420p',
  width: number,
  height: number,
): number {
  switch (format) {
    case 'rgb24':
      return width * height * 3;
    case 'rgba8':
    case 'bgra8':
      return width * height * 4;
    case 'nv12':
    case 'yuv420p':
      return width * height + 2 * (width >> 1) * (height >> 1);
  }
}
