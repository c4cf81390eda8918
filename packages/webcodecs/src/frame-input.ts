/**
 * VideoFrame → what NvencEncoder.encode() takes. NVENC wants all planes at one pitch, chroma right
 * after luma, and the picture at the top-left: frames already laid out so are passed without a
 * copy (a view with a pitch); others (I420, crops, separate plane strides) are repacked to NV12.
 */
import type { ColourOptions, Frame, InputFormat } from '@nvenc-ts/nvenc';
import type { VideoColorSpaceInit, VideoPixelFormat } from './types.js';
import type { FrameState } from './video-frame.js';

export type SessionFormat = Extract<InputFormat, 'nv12' | 'rgba' | 'bgra'>;

/** NVENC's input format for a WebCodecs pixel format (RGBX/BGRX: the X byte is ignored like alpha). */
export function sessionFormat(format: VideoPixelFormat): SessionFormat {
  switch (format) {
    case 'NV12':
    case 'I420':
      return 'nv12';
    case 'RGBA':
    case 'RGBX':
      return 'rgba';
    case 'BGRA':
    case 'BGRX':
      return 'bgra';
  }
}

/** The frame's pixels for a session of `width`×`height`; throws a reason string's Error when the sizes differ. */
export function encoderInput(s: FrameState, width: number, height: number): Frame {
  const rect = s.visibleRect;
  if (rect.width !== width || rect.height !== height) {
    throw new RangeError(
      `frame's visible size ${rect.width}x${rect.height} differs from the configured ${width}x${height} (this encoder does not scale)`,
    );
  }
  const r = s.resource;
  if (r.kind === 'cuda') return { devicePtr: r.memory.devicePtr, pitch: r.memory.pitch };
  const { data, layout } = r;
  if (s.format === 'NV12' || s.format === 'I420') {
    const y = layout[0]!;
    const uv = layout[1]!;
    const direct =
      s.format === 'NV12' &&
      rect.x === 0 &&
      rect.y === 0 &&
      uv.stride === y.stride &&
      uv.offset === y.offset + y.stride * height;
    if (direct) {
      const end = y.offset + y.stride * (height + height / 2);
      if (end <= data.byteLength) return tightOrPitched(data.subarray(y.offset, end), y.stride, width);
    }
    return { data: repackNv12(s, width, height) };
  }
  const p = layout[0]!;
  const start = p.offset + rect.y * p.stride + rect.x * 4;
  if (start + p.stride * height <= data.byteLength)
    return tightOrPitched(data.subarray(start, start + p.stride * height), p.stride, width * 4);
  // The last row ends the buffer without its padding: NVENC reads pitch × height bytes, so copy.
  const out = new Uint8Array(width * 4 * height);
  for (let row = 0; row < height; row++) {
    const from = start + row * p.stride;
    out.set(data.subarray(from, from + width * 4), row * width * 4);
  }
  return { data: out };
}

/** A tightly packed frame goes in as plain bytes (NVENC's one-copy upload); padded rows with their pitch. */
function tightOrPitched(data: Uint8Array, pitch: number, rowBytes: number): Frame {
  return pitch === rowBytes ? data : { data, pitch };
}

/** Tightly packed NV12 of the visible rectangle of an NV12 or I420 frame. */
function repackNv12(s: FrameState, width: number, height: number): Uint8Array {
  if (s.resource.kind !== 'host') throw new TypeError('not a host frame');
  const { data, layout } = s.resource;
  const out = new Uint8Array(width * height * 1.5);
  const { x, y } = s.visibleRect;
  const yl = layout[0]!;
  for (let row = 0; row < height; row++) {
    const from = yl.offset + (y + row) * yl.stride + x;
    out.set(data.subarray(from, from + width), row * width);
  }
  const cw = width / 2;
  const ch = height / 2;
  const base = width * height;
  if (s.format === 'NV12') {
    const uv = layout[1]!;
    for (let row = 0; row < ch; row++) {
      const from = uv.offset + (y / 2 + row) * uv.stride + x;
      out.set(data.subarray(from, from + width), base + row * width);
    }
    return out;
  }
  const u = layout[1]!;
  const v = layout[2]!;
  for (let row = 0; row < ch; row++) {
    const uRow = u.offset + (y / 2 + row) * u.stride + x / 2;
    const vRow = v.offset + (y / 2 + row) * v.stride + x / 2;
    let o = base + row * width;
    for (let i = 0; i < cw; i++) {
      out[o++] = data[uRow + i]!;
      out[o++] = data[vRow + i]!;
    }
  }
  return out;
}

const PRIMARIES: Readonly<Record<string, ColourOptions['primaries']>> = {
  bt709: 'bt709',
  bt470bg: 'bt470bg',
  smpte170m: 'smpte170m',
  bt2020: 'bt2020',
  smpte432: 'display-p3',
};
const TRANSFER: Readonly<Record<string, ColourOptions['transfer']>> = {
  bt709: 'bt709',
  smpte170m: 'smpte170m',
  'iec61966-2-1': 'srgb',
  linear: 'linear',
  pq: 'pq',
  hlg: 'hlg',
};
const MATRIX: Readonly<Record<string, ColourOptions['matrix']>> = {
  bt709: 'bt709',
  bt470bg: 'bt470bg',
  smpte170m: 'smpte170m',
  'bt2020-ncl': 'bt2020',
};

/**
 * The colour description the session signals in its VUI, and the one decoderConfig reports. YUV
 * frames: their own colour space. RGB frames: NVENC converts them to YUV with the matrix and range
 * the VUI names, so the stream says BT.709 limited range with the frame's primaries/transfer.
 */
export function streamColour(
  format: VideoPixelFormat,
  cs: VideoColorSpaceInit,
): { vui: ColourOptions; colorSpace: VideoColorSpaceInit } {
  const rgb = format !== 'NV12' && format !== 'I420';
  const colorSpace: VideoColorSpaceInit = {
    primaries: cs.primaries ?? 'bt709',
    transfer: cs.transfer ?? 'bt709',
    matrix: rgb || cs.matrix == null || cs.matrix === 'rgb' ? 'bt709' : cs.matrix,
    fullRange: rgb ? false : (cs.fullRange ?? false),
  };
  const vui: ColourOptions = { fullRange: colorSpace.fullRange ?? false };
  const p = PRIMARIES[colorSpace.primaries ?? ''];
  const t = TRANSFER[colorSpace.transfer ?? ''];
  const m = MATRIX[colorSpace.matrix ?? ''];
  if (p !== undefined) vui.primaries = p;
  if (t !== undefined) vui.transfer = t;
  if (m !== undefined) vui.matrix = m;
  return { vui, colorSpace };
}
