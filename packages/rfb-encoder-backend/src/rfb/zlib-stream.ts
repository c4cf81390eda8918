import { constants, deflateRawSync } from 'node:zlib';

/** zlib's largest window; what a client's inflater remembers of earlier output. */
const WINDOW = 32 * 1024;

/**
 * One zlib stream that lives as long as the connection (RFC 6143 §7.7.6 for ZRLE; Tight has
 * four), written synchronously. Node has no synchronous streaming deflate, so each chunk is a
 * raw deflate of its own, primed with the last 32 KiB this stream carried as dictionary and
 * ended with a sync flush (no final block): the client's single inflater sees one continuous
 * stream whose back-references may reach into earlier rectangles, as with one long-lived
 * deflater. The 2-byte zlib header goes in front of the first chunk.
 */
export class ZlibStream {
  private history: Buffer = Buffer.alloc(0);
  private started = false;

  constructor(private level: number) {}

  setLevel(level: number): void {
    this.level = Math.max(1, Math.min(9, level));
  }

  /** Compressed bytes that continue the stream with `data`. */
  deflate(data: Buffer): Buffer {
    const out = deflateRawSync(data, {
      level: this.level,
      finishFlush: constants.Z_SYNC_FLUSH,
      ...(this.history.length > 0 ? { dictionary: this.history } : {}),
    });
    this.history =
      data.length >= WINDOW
        ? Buffer.from(data.subarray(data.length - WINDOW))
        : Buffer.concat([this.history, data]).subarray(-WINDOW);
    if (this.started) return out;
    this.started = true;
    // CMF 0x78: deflate, 32 KiB window; FLG 0x01 makes 0x7801 a multiple of 31 (no dictionary id).
    return Buffer.concat([Buffer.from([0x78, 0x01]), out]);
  }

  /** Forget everything: the next chunk starts a new stream (Tight's reset bits). */
  reset(): void {
    this.history = Buffer.alloc(0);
    this.started = false;
  }
}
