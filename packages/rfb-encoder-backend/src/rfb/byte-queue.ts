/** Received bytes not yet parsed: a list of chunks, read from the front without copying when it can. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Byte at `offset` from the front (caller checks `length`). */
  byteAt(offset: number): number {
    let o = offset + this.head;
    for (const chunk of this.chunks) {
      if (o < chunk.length) return chunk[o]!;
      o -= chunk.length;
    }
    throw new RangeError('byteAt past the end');
  }

  /** The first `n` bytes, contiguous (a view when they lie in one chunk). Does not consume. */
  peek(n: number): Buffer {
    if (n > this.total) throw new RangeError('peek past the end');
    const first = this.chunks[0];
    if (first && first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    let start = this.head;
    for (const chunk of this.chunks) {
      const take = Math.min(n - written, chunk.length - start);
      chunk.copy(out, written, start, start + take);
      written += take;
      start = 0;
      if (written === n) break;
    }
    return out;
  }

  /** Removes and returns the first `n` bytes. */
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
      const chunk = this.chunks[0]!;
      const avail = chunk.length - this.head;
      if (left < avail) {
        this.head += left;
        return;
      }
      left -= avail;
      this.chunks.shift();
      this.head = 0;
    }
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.total = 0;
  }
}
