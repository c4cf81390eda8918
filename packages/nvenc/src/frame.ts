/**
 * Frame normalisation: every accepted input kind becomes the native binding's `NativeFrame`, after
 * checking its size and pitch against the encoder's format. The native layer checks again; doing
 * it here gives messages that name the expected and actual sizes in the caller's terms.
 */
import { InvalidFrameError } from './errors.js';
import type { NativeFrame } from './native-types.js';
import type { CudaArrayInterface, Frame, FrameLayout, HostPixels, InputFormat } from './types.js';

export type { CudaArrayInterface, Frame, FrameLayout, HostPixels };

/** Memory layout of one frame; all planes share one pitch, as NVENC requires. */
export function frameLayout(format: InputFormat, width: number, height: number): FrameLayout {
  let bytesPerPixel: number;
  let rowsTotal: number;
  switch (format) {
    case 'nv12':
      bytesPerPixel = 1;
      rowsTotal = height + height / 2;
      break;
    case 'p010':
      bytesPerPixel = 2;
      rowsTotal = height + height / 2;
      break;
    case 'yuv444':
      bytesPerPixel = 1;
      rowsTotal = height * 3;
      break;
    case 'bgra':
    case 'rgba':
      bytesPerPixel = 4;
      rowsTotal = height;
      break;
  }
  const rowBytes = width * bytesPerPixel;
  return {
    format,
    width,
    height,
    bytesPerPixel,
    rowsTotal,
    rowBytes,
    tightPitch: rowBytes,
    frameBytes: rowBytes * rowsTotal,
    elementSize: format === 'p010' ? 2 : 1,
  };
}

function describe(layout: FrameLayout): string {
  return `${layout.width}x${layout.height} ${layout.format}`;
}

function planesText(layout: FrameLayout): string {
  switch (layout.format) {
    case 'nv12':
    case 'p010':
      return `${layout.height} luma rows + ${layout.height / 2} interleaved chroma rows`;
    case 'yuv444':
      return `3 planes of ${layout.height} rows`;
    default:
      return `${layout.height} rows`;
  }
}

function frameError(message: string): InvalidFrameError {
  return new InvalidFrameError(message, { phase: 'input' });
}

function checkPitch(layout: FrameLayout, pitch: unknown, what: string): number {
  if (typeof pitch !== 'number' || !Number.isInteger(pitch) || pitch <= 0) {
    throw frameError(
      `Invalid ${what} pitch ${String(pitch)}: expected a positive integer number of bytes ≥ ${layout.rowBytes} for ${describe(layout)}`,
    );
  }
  if (pitch < layout.rowBytes) {
    throw frameError(
      `Invalid ${what} pitch ${pitch}: a ${describe(layout)} row is ${layout.rowBytes} bytes (${layout.width} × ${layout.bytesPerPixel}), so the pitch must be ≥ ${layout.rowBytes}`,
    );
  }
  if (pitch % layout.elementSize !== 0) {
    throw frameError(
      `Invalid ${what} pitch ${pitch}: ${layout.format} samples are ${layout.elementSize} bytes, so the pitch must be a multiple of ${layout.elementSize}`,
    );
  }
  return pitch;
}

function isHostPixels(value: unknown): value is HostPixels {
  return value instanceof Uint8Array || value instanceof Uint8ClampedArray || value instanceof Uint16Array;
}

function hostFrame(layout: FrameLayout, data: unknown, pitch: unknown): NativeFrame {
  if (!isHostPixels(data)) {
    const kind = ArrayBuffer.isView(data) ? data.constructor.name : data === null ? 'null' : typeof data;
    throw frameError(
      `Invalid frame data: got ${kind}; expected a Buffer, Uint8Array${layout.format === 'p010' ? ' or Uint16Array' : ''} holding a ${describe(layout)} frame`,
    );
  }
  if (data instanceof Uint16Array && layout.format !== 'p010') {
    throw frameError(
      `Invalid frame data: a Uint16Array holds 16-bit samples, but inputFormat '${layout.format}' has 8-bit samples; pass a Buffer or Uint8Array`,
    );
  }
  if (pitch === undefined) {
    if (data.byteLength !== layout.frameBytes) {
      throw frameError(
        `Invalid frame size: a ${describe(layout)} frame is ${layout.frameBytes} bytes (pitch ${layout.tightPitch} × ${layout.rowsTotal} rows: ${planesText(layout)}), got ${data.byteLength} bytes. ` +
          'Pass { data, pitch } for padded rows.',
      );
    }
    return { data };
  }
  const p = checkPitch(layout, pitch, 'host');
  const needed = p * layout.rowsTotal;
  if (data.byteLength < needed) {
    throw frameError(
      `Invalid frame size: a ${describe(layout)} frame with pitch ${p} needs ${needed} bytes (${p} × ${layout.rowsTotal} rows: ${planesText(layout)}), got ${data.byteLength} bytes`,
    );
  }
  return { data, pitch: p };
}

function devicePointer(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') {
    if (value > 0n && value <= 0xffff_ffff_ffff_ffffn) return value;
  } else if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) {
    return BigInt(value);
  }
  throw frameError(
    `Invalid ${what}: ${String(value)}; expected a non-zero CUDA device pointer (bigint, or a number below 2^53)`,
  );
}

function sameShape(actual: readonly number[], expected: readonly number[]): boolean {
  return actual.length === expected.length && actual.every((v, i) => v === expected[i]);
}

/** CUDA array interface → device pointer + pitch, checking dtype, shape and strides. */
function cudaArrayFrame(layout: FrameLayout, cai: unknown): NativeFrame {
  if (typeof cai !== 'object' || cai === null) throw frameError('Invalid __cuda_array_interface__: not an object');
  const { data, shape, strides, typestr } = cai as Partial<CudaArrayInterface>;
  if (!Array.isArray(data) || data.length < 1) {
    throw frameError('Invalid __cuda_array_interface__.data: expected [pointer, readOnly]');
  }
  const ptr = devicePointer(data[0], '__cuda_array_interface__.data[0]');
  const wantType = layout.elementSize === 2 ? 'u2' : 'u1';
  const okTypes = layout.elementSize === 2 ? ['<u2', '=u2'] : ['|u1', '<u1', '=u1'];
  if (typeof typestr !== 'string' || !okTypes.includes(typestr)) {
    throw frameError(
      `Invalid __cuda_array_interface__.typestr ${String(typestr)}: inputFormat '${layout.format}' needs ${wantType} (${okTypes.join(' / ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((n) => typeof n === 'number' && Number.isInteger(n))) {
    throw frameError('Invalid __cuda_array_interface__.shape: expected an array of integers');
  }
  const e = layout.elementSize;
  const { width: w, height: h } = layout;
  // Accepted shapes (C order: rows first).
  let accepted: number[][];
  switch (layout.format) {
    case 'bgra':
    case 'rgba':
      accepted = [
        [h, w, 4],
        [h, w * 4],
      ];
      break;
    case 'yuv444':
      accepted = [
        [3, h, w],
        [3 * h, w],
      ];
      break;
    default:
      accepted = [[h + h / 2, w]];
  }
  const match = accepted.find((s) => sameShape(shape, s));
  if (!match) {
    throw frameError(
      `Invalid __cuda_array_interface__.shape [${shape.join(', ')}] for a ${describe(layout)} frame; expected ${accepted.map((s) => `[${s.join(', ')}]`).join(' or ')}`,
    );
  }
  // C-contiguous strides when absent.
  const cStrides: number[] = [];
  let acc = e;
  for (let i = match.length - 1; i >= 0; i--) {
    cStrides[i] = acc;
    acc *= match[i] ?? 1;
  }
  if (strides !== undefined && strides !== null && !Array.isArray(strides)) {
    throw frameError(
      `Invalid __cuda_array_interface__.strides (${typeof strides}): expected ${match.length} integers or null`,
    );
  }
  const st: unknown[] = strides === undefined || strides === null ? cStrides : [...(strides as unknown[])];
  if (st.length !== match.length || !st.every((n) => typeof n === 'number' && Number.isInteger(n))) {
    // Describe the values without String(): a Symbol among them would throw a TypeError.
    const shown = st.map((v) => (typeof v === 'number' ? String(v) : typeof v)).join(', ');
    throw frameError(`Invalid __cuda_array_interface__.strides [${shown}]: expected ${match.length} integers`);
  }
  // Pixels within a row must be packed; only the row pitch may differ from the tight layout.
  const rowAxis = match.length === 3 ? (layout.format === 'yuv444' ? 1 : 0) : 0;
  for (let i = rowAxis + 1; i < match.length; i++) {
    if (st[i] !== cStrides[i]) {
      throw frameError(
        `Invalid __cuda_array_interface__.strides [${st.join(', ')}]: pixels within a row must be contiguous (expected stride ${cStrides[i]} on axis ${i}); only the row pitch may be padded`,
      );
    }
  }
  const pitch = checkPitch(layout, st[rowAxis], '__cuda_array_interface__ row');
  if (layout.format === 'yuv444' && match.length === 3 && st[0] !== pitch * h) {
    throw frameError(
      `Invalid __cuda_array_interface__.strides [${st.join(', ')}]: the three planes must follow each other at the same pitch (plane stride ${pitch * h} = pitch ${pitch} × ${h} rows)`,
    );
  }
  return { devicePtr: ptr, pitch };
}

/** Turns any accepted frame into the native binding's frame; throws InvalidFrameError. */
export function normaliseFrame(frame: Frame, layout: FrameLayout): NativeFrame {
  if (isHostPixels(frame)) return hostFrame(layout, frame, undefined);
  if (typeof frame !== 'object' || frame === null) {
    throw frameError(
      `Invalid frame: got ${frame === null ? 'null' : typeof frame}; expected a Buffer, { data, pitch }, { devicePtr, pitch } or a CUDA array`,
    );
  }
  if (ArrayBuffer.isView(frame)) return hostFrame(layout, frame, undefined);
  const f = frame as Record<string, unknown>;
  if ('__cuda_array_interface__' in f) return cudaArrayFrame(layout, f['__cuda_array_interface__']);
  if ('devicePtr' in f) {
    const ptr = devicePointer(f['devicePtr'], 'devicePtr');
    if (f['pitch'] === undefined) {
      throw frameError(
        `Invalid device frame: pitch is required with devicePtr (bytes per row, ≥ ${layout.rowBytes} for ${describe(layout)})`,
      );
    }
    return { devicePtr: ptr, pitch: checkPitch(layout, f['pitch'], 'device') };
  }
  if ('shape' in f && 'typestr' in f) return cudaArrayFrame(layout, f);
  if ('data' in f) return hostFrame(layout, f['data'], f['pitch']);
  throw frameError(
    'Invalid frame: expected a Buffer, { data, pitch }, { devicePtr, pitch } or a CUDA array (__cuda_array_interface__)',
  );
}
