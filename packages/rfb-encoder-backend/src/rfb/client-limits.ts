// The per-client resource limits of an RfbServer and their defaults: what one client may cost in
// memory, queued frames, socket backlog, handshake time and forced keyframes.

/** Per-client resource limits; see `DEFAULT_LIMITS`. */
export interface RfbLimits {
  /** Encoded frames queued for one client before its queue is dropped and it waits for a keyframe. */
  maxQueuedFrames: number;
  /** Bytes of encoded frames queued for one client before the same happens. */
  maxQueuedBytes: number;
  /** Unsent bytes in a client's socket above which nothing more is written to it. */
  writeHighWaterMark: number;
  /** A client whose socket stays above the high-water mark this long is cut off (it is not reading). */
  stallTimeoutMs: number;
  /** Time a client has to finish the handshake (version → ClientInit). */
  handshakeTimeoutMs: number;
  maxCutTextBytes: number;
  maxEncodings: number;
  /**
   * Memory a client's received-but-unparsed bytes may hold, counting a fixed overhead per
   * buffered chunk (so a flood of tiny messages is bounded too). Default: the largest
   * ClientCutText plus 1/16 for chunk overhead plus 64 KiB (`receiveBufferFor`).
   */
  maxReceiveBufferBytes: number;
  /** Authenticated clients; one more is told `too many clients` in the RFB way and closed. */
  maxClients: number;
  /**
   * Connections still in the handshake before authentication, all addresses together. When full,
   * the oldest of them is dropped to make room (so idle sockets cannot lock a real client out).
   */
  maxPendingClients: number;
  /** Connections before authentication from one address; its oldest is dropped past this. */
  maxPendingPerAddress: number;
  /**
   * Least time between two keyframes one client may force on the shared H.264 encoder
   * (non-incremental requests, resyncs). Requests inside it are served when it ends; a client's
   * first keyframe (its join) is never delayed.
   */
  forcedKeyframeIntervalMs: number;
  /** Failed VNC authentications from one address before it is refused for a while. */
  authFailuresBeforeBlock: number;
  /** First refusal period after too many failures; it doubles with every further failure. */
  authBlockMs: number;
  /** Longest refusal period. */
  authBlockMaxMs: number;
}

/** Default receive bound for a given largest ClientCutText: the message, its chunks' overhead (< 1/40 of it) and slack. */
export function receiveBufferFor(maxCutTextBytes: number): number {
  return maxCutTextBytes + Math.ceil(maxCutTextBytes / 16) + 64 * 1024;
}

/** The limits a server uses for those not given in `RfbServerOptions.limits`. */
export const DEFAULT_LIMITS: RfbLimits = {
  maxQueuedFrames: 8,
  maxQueuedBytes: 8 * 1024 * 1024,
  writeHighWaterMark: 4 * 1024 * 1024,
  stallTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  maxCutTextBytes: 1024 * 1024,
  maxEncodings: 1024,
  maxReceiveBufferBytes: receiveBufferFor(1024 * 1024),
  maxClients: 64,
  maxPendingClients: 16,
  maxPendingPerAddress: 4,
  forcedKeyframeIntervalMs: 1000,
  authFailuresBeforeBlock: 5,
  authBlockMs: 10_000,
  authBlockMaxMs: 10 * 60_000,
};
