/** EncodedVideoChunk: an immutable copy of one access unit, as the spec defines it. */
import type { BufferSource, EncodedVideoChunkType } from './types.js';
import { detachAll, enforceLongLong, enforceRange, takeOver, transferList } from './config.js';

/** `new EncodedVideoChunk()` input. */
export interface EncodedVideoChunkInit {
  type: EncodedVideoChunkType;
  timestamp: number;
  duration?: number;
  data: BufferSource;
  transfer?: ArrayBuffer[];
}

function bytesOf(data: BufferSource): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('data must be a BufferSource');
}

/** Set while the encoder builds a chunk from bytes it owns already: the constructor skips its copy. */
let adopting = false;

/** A chunk that takes `init.data` over without the copy the public constructor makes (encoder output). */
export function adoptChunk(init: EncodedVideoChunkInit): EncodedVideoChunk {
  adopting = true;
  try {
    return new EncodedVideoChunk(init);
  } finally {
    adopting = false;
  }
}

/** One encoded access unit (W3C EncodedVideoChunk). */
export class EncodedVideoChunk {
  readonly #type: EncodedVideoChunkType;
  readonly #timestamp: number;
  readonly #duration: number | null;
  readonly #data: Uint8Array;

  constructor(init: EncodedVideoChunkInit) {
    if (typeof init !== 'object' || init === null) throw new TypeError('EncodedVideoChunkInit is required');
    if (init.type !== 'key' && init.type !== 'delta')
      throw new TypeError(`type must be 'key' or 'delta', got ${String(init.type)}`);
    if (init.timestamp === undefined) throw new TypeError('timestamp is required');
    if (init.data === undefined) throw new TypeError('data is required');
    this.#type = init.type;
    this.#timestamp = enforceLongLong(init.timestamp, 'timestamp');
    this.#duration =
      init.duration === undefined || init.duration === null
        ? null
        : enforceRange(init.duration, 'duration', Number.MAX_SAFE_INTEGER);
    // Constructor steps 1–2: a repeated or detached ArrayBuffer in transfer is a DataCloneError.
    const transfer = transferList(init.transfer);
    const bytes = bytesOf(init.data);
    if (adopting) {
      this.#data = bytes;
    } else if (transfer.includes(bytes.buffer as ArrayBuffer)) {
      // The chunk takes the caller's buffer over instead of copying it (the spec's "MAY").
      this.#data = takeOver(bytes);
    } else {
      this.#data = new Uint8Array(bytes);
    }
    // Last step: every buffer in transfer is detached, whether or not it held the data.
    detachAll(transfer);
  }

  /** 'key' or 'delta'. */
  get type(): EncodedVideoChunkType {
    return this.#type;
  }
  /** Microseconds. */
  get timestamp(): number {
    return this.#timestamp;
  }
  /** Microseconds, or null. */
  get duration(): number | null {
    return this.#duration;
  }
  /** Size of the data in bytes. */
  get byteLength(): number {
    return this.#data.byteLength;
  }

  /**
   * Copies the chunk's bytes into `destination`. Spec step 1: a destination smaller than
   * byteLength is a TypeError (not a RangeError; WPT encoded-video-chunk.any.js checks the same),
   * which includes a detached one.
   */
  copyTo(destination: BufferSource): void {
    const dst = bytesOf(destination);
    if (dst.byteLength < this.#data.byteLength) {
      throw new TypeError(`destination is ${dst.byteLength} bytes; the chunk is ${this.#data.byteLength}`);
    }
    dst.set(this.#data);
  }
}
