// Shared fixtures for the native binding tests. No npm dependencies: this directory is carried to
// the GPU machine as is.
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasFfprobe, probeVideo } from '../../../../scripts/test-support/ffprobe.mjs';

const require = createRequire(import.meta.url);
export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repoRoot = resolve(packageDir, '..', '..');

/** Absolute path of a built binding, or null. */
export function bindingPath(abi) {
  // NVENC_NATIVE_BUILD_DIR points at another build (a sanitizer build, a carried build on the GPU machine).
  const dir = process.env.NVENC_NATIVE_BUILD_DIR ?? join(packageDir, 'build', 'Release');
  const p = join(dir, `nvenc_${abi.replace('.', '_')}.node`);
  return existsSync(p) ? p : null;
}

export const abis = ['11.1', '12.1'];

export function loadBinding(abi = '12.1') {
  const p = bindingPath(abi);
  if (!p) throw new Error(`binding for ${abi} is not built (pnpm run build)`);
  return require(p);
}

/** The software device's libraries (NVENC_SOFT_LIB_DIR overrides the in-repo build). */
export const softLibDir =
  process.env.NVENC_SOFT_LIB_DIR ?? join(repoRoot, 'packages', 'nvenc-software-device', 'build', 'lib');
export const software = {
  cudaLibrary: join(softLibDir, 'libcuda.so.1'),
  nvencLibrary: join(softLibDir, 'libnvidia-encode.so.1'),
};

/** Why encoder tests cannot run here, or false when they can. */
export function skipReason(abi = '12.1') {
  if (!bindingPath(abi)) return `nvenc_${abi} binding not built (run pnpm run build)`;
  if (!existsSync(software.cudaLibrary) || !existsSync(software.nvencLibrary))
    return `software device not built (${softLibDir}); build packages/nvenc-software-device`;
  return false;
}

export { hasFfprobe };

/** A moving NV12 test pattern: planes stacked at `pitch`. */
export function nv12Frame(width, height, index, pitch = width) {
  const buf = Buffer.alloc(pitch * (height + height / 2));
  for (let y = 0; y < height; y++) {
    const row = y * pitch;
    for (let x = 0; x < width; x++) buf[row + x] = (x + y + index * 4) & 0xff;
  }
  const chroma = pitch * height;
  for (let y = 0; y < height / 2; y++) {
    const row = chroma + y * pitch;
    for (let x = 0; x < width; x += 2) {
      buf[row + x] = (128 + x / 2 + index) & 0xff;
      buf[row + x + 1] = (128 + y - index) & 0xff;
    }
  }
  return buf;
}

/** A moving BGRA pattern (bytes B, G, R, A per pixel). */
export function bgraFrame(width, height, index, pitch = width * 4) {
  const buf = Buffer.alloc(pitch * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * pitch + x * 4;
      buf[o] = (x * 2 + index * 3) & 0xff;
      buf[o + 1] = (y * 2 + index) & 0xff;
      buf[o + 2] = ((x ^ y) + index * 5) & 0xff;
      buf[o + 3] = 255;
    }
  }
  return buf;
}

/**
 * Options for a small, fast software-device encoder; `extra` overrides any field. The binding has
 * no defaults (packages/nvenc/src/options.ts owns them), so this lists every required field.
 */
export function encoderOptions(extra = {}) {
  return {
    ...software,
    gpu: 0,
    width: 320,
    height: 240,
    codec: 'h264',
    preset: 'p1',
    tuning: 'll',
    profile: 'auto',
    rateControl: 'cbr',
    bitrate: 1_000_000,
    fpsNum: 30,
    fpsDen: 1,
    gop: 0xffffffff,
    idrPeriod: 0xffffffff,
    bFrames: 0,
    inputFormat: 'nv12',
    extraOutputDelay: 0,
    repeatSpsPps: true,
    zeroReorderDelay: false,
    hostUpload: 'auto',
    ...extra,
  };
}

/** Writes packets as one Annex-B file and decodes it with ffprobe: { frames, width, height }. */
export function decodeAnnexB(packets, codec = 'h264') {
  const dir = mkdtempSync(join(tmpdir(), 'nvenc-native-'));
  const file = join(dir, `stream.${codec === 'hevc' ? 'hevc' : codec}`);
  writeFileSync(file, Buffer.concat(packets.map((p) => p.data)));
  const { stream: s, frames } = probeVideo(file, [
    'pix_fmt',
    'profile',
    'color_range',
    'color_primaries',
    'color_transfer',
    'color_space',
  ]);
  return {
    file,
    frames,
    width: s.width,
    height: s.height,
    codec: s.codec_name,
    pixFmt: s.pix_fmt,
    profile: s.profile,
    colorRange: s.color_range,
    colorPrimaries: s.color_primaries,
    colorTransfer: s.color_transfer,
    colorSpace: s.color_space,
  };
}

/** Catches the error a function throws (sync) so a test can check its fields. */
export function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
