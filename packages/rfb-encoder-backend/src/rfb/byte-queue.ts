/** Bytes small chunks are copied into, so a stream of tiny messages makes few chunks. */
const BLOCK = 16 * 1024;
/** Chunks shorter than this are appended to the current block instead of being kept (unless first). */
const SMALL = 4 * 1024;
/** What one held chunk costs beyond its bytes (Buffer object, array slot): counted in `footprint`. */
export const CHUNK_OVERHEAD = 96;

/**
 * Received bytes not yet parsed. Every operation is O(bytes touched): chunks are consumed by
 * advancing an index (never `Array#shift`, which made many tiny messages quadratic); a small
 * chunk arriving behind others is copied into a 16 KiB block, so the chunk count stays below
 * bytes / 4 KiB + 2; and `footprint` reports the memory held including per-chunk overhead, which
 * the connection bounds.
 */
export class ByteQueue {
  /** Full chunks; the block being filled (if any) comes after them. */
  private chunks: Buffer[] = [];
  /** Index of the first live chunk. */
  private first = 0;
  /** Bytes already consumed from the first live chunk (or from the block, when no chunk is left). */
  private head = 0;
  private total = 0;
  private block: Buffer | null = null;
  private blockUsed = 0;

  get length(): number {
    return this.total;
  }

  /** Chunks held (the block counts as one). */
  get chunkCount(): number {
    return this.chunks.length - this.first + (this.block ? 1 : 0);
  }

  /** Bytes held plus a fixed overhead per chunk. */
  get footprint(): number {
    return this.total + this.chunkCount * CHUNK_OVERHEAD;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.total === 0) this.clear();
    this.total += chunk.length;
    if (this.block === null && (chunk.length >= SMALL || this.chunks.length === this.first)) {
      this.chunks.push(chunk);
      return;
    }
    if (chunk.length >= SMALL) {
      this.sealBlock();
      this.chunks.push(chunk);
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.block) {
        this.block = Buffer.allocUnsafe(BLOCK);
        this.blockUsed = 0;
      }
      const n = Math.min(chunk.length - offset, BLOCK - this.blockUsed);
      chunk.copy(this.block, this.blockUsed, offset, offset + n);
      this.blockUsed += n;
      offset += n;
      if (this.blockUsed === BLOCK) this.sealBlock();
    }
  }

  /** The block becomes an ordinary chunk (its consumed head, if reading was in it, stays valid). */
  private sealBlock(): void {
    if (!this.block) return;
    this.chunks.push(this.block.subarray(0, this.blockUsed));
    this.block = null;
  }

  private chunk(i: number): Buffer | undefined {
    if (i < this.chunks.length) return this.chunks[i];
    if (i === this.chunks.length && this.block) return this.block.subarray(0, this.blockUsed);
    return undefined;
  }

  /** Byte at `offset` from the front (caller checks `length`). */
  byteAt(offset: number): number {
    let o = offset + this.head;
    for (let i = this.first; ; i++) {
      const c = this.chunk(i);
      if (!c) throw new RangeError('byteAt past the end');
      if (o < c.length) return c[o]!;
      o -= c.length;
    }
  }

  /** The first `n` bytes, contiguous (a view when they lie in one chunk). Does not consume. */
  peek(n: number): Buffer {
    if (n > this.total) throw new RangeError('peek past the end');
    // A zero-length read (e.g. an empty ClientCutText) must not touch a chunk: there may be none.
    if (n === 0) return Buffer.alloc(0);
    const firstChunk = this.chunk(this.first)!;
    if (firstChunk.length - this.head >= n) return firstChunk.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    let start = this.head;
    for (let i = this.first; written < n; i++) {
      const c = this.chunk(i)!;
      const take = Math.min(n - written, c.length - start);
      c.copy(out, written, start, start + take);
      written += take;
      start = 0;
    }
    return out;
  }

  /** Removes and returns the first `n` bytes (a copy when they span chunks, else a view: chunks and blocks are append-only, never reused). */
  take(n: number): Buffer {
    const out = this.peek(n);
    this.skip(n);
    return out;
  }

  skip(n: number): void {
    if (n > this.total) throw new RangeError('skip past the end');
    this.total -= n;
    let left = n;
    while (left > 0) {
      if (this.first === this.chunks.length) {
        // Reading inside the block.
        this.head += left;
        break;
      }
      const avail = this.chunks[this.first]!.length - this.head;
      if (left < avail) {
        this.head += left;
        break;
      }
      left -= avail;
      this.first++;
      this.head = 0;
    }
    if (this.total === 0) this.clear();
    else if (this.first >= 1024 && this.first * 2 >= this.chunks.length) {
      // Compact now and then: amortised O(1) per consumed chunk.
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }

  clear(): void {
    this.chunks = [];
    this.first = 0;
    this.head = 0;
    this.total = 0;
    this.block = null;
    this.blockUsed = 0;
  }
}
