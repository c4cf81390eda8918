/** Bytes a small chunk is copied into, so a stream of tiny messages makes few chunks. */
const BLOCK = 4096;
/** Chunks shorter than this are coalesced into the current block instead of being kept. */
const SMALL = 1024;
/** What one kept chunk costs beyond its bytes (Buffer object, array slot): counted in `footprint`. */
export const CHUNK_OVERHEAD = 96;

/**
 * Received bytes not yet parsed. Every operation is O(bytes touched): chunks are consumed by
 * advancing an index (never `Array#shift`, which made many tiny messages quadratic), small
 * chunks are copied into 4 KiB blocks so the chunk count stays below bytes / 1 KiB + 2, and
 * `footprint` reports the memory held including per-chunk overhead, which the connection bounds.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  /** Index of the first live chunk. */
  private first = 0;
  /** Bytes already consumed from chunks[first]. */
  private head = 0;
  private total = 0;
  /** Block that small chunks are appended to; it is the last chunk while it has room. */
  private block: Buffer | null = null;
  private blockUsed = 0;

  get length(): number {
    return this.total;
  }

  /** Live chunks (for tests and the memory bound). */
  get chunkCount(): number {
    return this.chunks.length - this.first;
  }

  /** Bytes held plus a fixed overhead per chunk. */
  get footprint(): number {
    return this.total + this.chunkCount * CHUNK_OVERHEAD;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.total += chunk.length;
    if (chunk.length >= SMALL) {
      this.block = null;
      this.chunks.push(chunk);
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.block || this.blockUsed === BLOCK) {
        this.block = Buffer.allocUnsafe(BLOCK);
        this.blockUsed = 0;
        this.chunks.push(this.block.subarray(0, 0));
      }
      const n = Math.min(chunk.length - offset, BLOCK - this.blockUsed);
      chunk.copy(this.block, this.blockUsed, offset, offset + n);
      this.blockUsed += n;
      offset += n;
      // The block's chunk is the last one; widen its view (its start, and so `head`, stays put).
      this.chunks[this.chunks.length - 1] = this.block.subarray(0, this.blockUsed);
    }
  }

  /** Byte at `offset` from the front (caller checks `length`). */
  byteAt(offset: number): number {
    let o = offset + this.head;
    for (let i = this.first; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      if (o < chunk.length) return chunk[o]!;
      o -= chunk.length;
    }
    throw new RangeError('byteAt past the end');
  }

  /** The first `n` bytes, contiguous (a view when they lie in one chunk). Does not consume. */
  peek(n: number): Buffer {
    if (n > this.total) throw new RangeError('peek past the end');
    const firstChunk = this.chunks[this.first];
    if (firstChunk && firstChunk.length - this.head >= n) return firstChunk.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    let start = this.head;
    for (let i = this.first; written < n; i++) {
      const chunk = this.chunks[i]!;
      const take = Math.min(n - written, chunk.length - start);
      chunk.copy(out, written, start, start + take);
      written += take;
      start = 0;
    }
    return out;
  }

  /** Removes and returns the first `n` bytes (a copy when they span chunks, else a view). */
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
      const chunk = this.chunks[this.first]!;
      const avail = chunk.length - this.head;
      if (left < avail) {
        this.head += left;
        return;
      }
      left -= avail;
      this.first++;
      this.head = 0;
    }
    if (this.first === this.chunks.length) {
      // Empty: start over (the block, if any, is dropped with its chunk).
      this.chunks = [];
      this.first = 0;
      this.block = null;
    } else if (this.first >= 1024 && this.first * 2 >= this.chunks.length) {
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
  }
}
