import { RfbProtocolError } from '../errors.js';
import type { RfbLimits } from './client-limits.js';
import type { RfbTransport } from './transport.js';

/**
 * The bytes a client has not read yet, and what the server does about them. Updates wait while
 * the socket holds more than `writeHighWaterMark` (polled, so they go out once it drains); a
 * client that stays past it for `stallTimeoutMs`, or keeps asking for replies meanwhile, is not
 * reading and is cut off, so it cannot grow the server's memory without end.
 */
export class ClientBacklog {
  private backedUpSince: number | null = null;
  /** Bytes of replies written while the socket was already past the high-water mark. */
  private repliesOverMark = 0;
  private pollTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly transport: RfbTransport,
    private readonly limits: RfbLimits,
    /** The client is not reading: the connection cuts it off. */
    private readonly notReading: (error: RfbProtocolError) => void,
    /** The socket may have drained: the connection tries its update again. */
    private readonly retry: () => void,
  ) {}

  /**
   * Writes a message that is not a framebuffer update (an answer the protocol owes, or the
   * application's Bell / ServerCutText). These cannot wait like updates do: once replies written
   * past `writeHighWaterMark` add up to another `writeHighWaterMark`, the client is cut off.
   */
  reply(parts: Buffer[]): void {
    const limit = this.limits.writeHighWaterMark;
    if (this.transport.bufferedBytes > limit) {
      this.repliesOverMark += parts.reduce((n, p) => n + p.length, 0);
      if (this.repliesOverMark > limit) {
        this.notReading(
          new RfbProtocolError(
            'RFB_CLIENT_NOT_READING',
            `client keeps asking for replies but has not read ${this.transport.bufferedBytes} pending bytes`,
          ),
        );
        return;
      }
    } else this.repliesOverMark = 0;
    if (parts.length === 1) this.transport.write(parts[0]!);
    else this.transport.writeMany(parts);
  }

  /** True when updates must wait for the socket to drain (`retry` is called to try again). */
  updatesWait(): boolean {
    if (this.transport.bufferedBytes > this.limits.writeHighWaterMark) {
      this.watch();
      return true;
    }
    this.backedUpSince = null;
    return false;
  }

  /** The connection closed: no more polling. */
  close(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  /** Polls while the socket is backed up; a client that stays backed up is not reading. */
  private watch(): void {
    const now = Date.now();
    this.backedUpSince ??= now;
    if (now - this.backedUpSince > this.limits.stallTimeoutMs) {
      this.notReading(
        new RfbProtocolError(
          'RFB_CLIENT_NOT_READING',
          `client has not read ${this.transport.bufferedBytes} pending bytes for ${now - this.backedUpSince} ms`,
        ),
      );
      return;
    }
    if (this.pollTimer) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      this.retry();
    }, 25);
    this.pollTimer.unref();
  }
}
