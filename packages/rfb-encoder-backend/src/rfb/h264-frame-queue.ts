import type { EncodedPayload } from '../backend/types.js';
import type { RfbLimits } from './client-limits.js';
import type { RfbClientStats } from './connection-host.js';
import { H264Flags } from './constants.js';
import { framebufferUpdateHeader, h264RectHeader } from './server-messages.js';

/**
 * One H.264 client's share of the server's encoded stream: a bounded queue of frames not yet
 * written, coalesced at keyframes, dropped (and a keyframe asked for) when the client falls
 * behind, and written as one H.264 rectangle per picture size.
 */
export class H264FrameQueue {
  private queue: EncodedPayload[] = [];
  private queuedBytes = 0;
  private awaitingKeyframe = true;
  private lastForcedKeyframe = Number.NEGATIVE_INFINITY;
  private deferredKeyframe: NodeJS.Timeout | null = null;
  private pendingFlags = 0;
  private lastVideoSize: { width: number; height: number } | null = null;

  constructor(
    private readonly limits: RfbLimits,
    private readonly stats: RfbClientStats,
    /** Asks the shared encoder for a keyframe for this client. */
    private readonly forceKeyframe: (reason: string) => void,
    /** Whether the client is still served H.264 (a deferred keyframe request lapses otherwise). */
    private readonly wanted: () => boolean,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  /** The next frame to write. */
  get head(): EncodedPayload | undefined {
    return this.queue[0];
  }

  /**
   * Queues a frame of the shared stream; false when it was not queued (the client waits for a
   * keyframe, or fell behind and now does).
   */
  offer(payload: EncodedPayload): boolean {
    if (this.awaitingKeyframe && !payload.keyframe) {
      this.stats.framesDropped++;
      return false;
    }
    if (payload.keyframe) {
      // Nothing before a keyframe is needed to decode what follows: coalesce to it.
      this.drop();
      this.awaitingKeyframe = false;
    }
    this.queue.push(payload);
    this.queuedBytes += payload.payload.length;
    if (this.queue.length > this.limits.maxQueuedFrames || this.queuedBytes > this.limits.maxQueuedBytes) {
      this.stats.resyncs++;
      this.needKeyframe(`backlog of ${this.queue.length} frames / ${this.queuedBytes} bytes`);
      return false;
    }
    return true;
  }

  /**
   * Drops what is queued and waits for the next keyframe, which the server is asked for. At
   * most one per `forcedKeyframeIntervalMs` per client: a client flooding full-update requests
   * cannot make the shared encoder emit keyframes for everyone (a join is never delayed: its
   * first keyframe finds the window open).
   */
  needKeyframe(reason: string): void {
    this.drop();
    if (!this.awaitingKeyframe) this.pendingFlags |= H264Flags.ResetContext;
    this.awaitingKeyframe = true;
    this.askForKeyframe(reason);
  }

  private askForKeyframe(reason: string): void {
    const wait = this.lastForcedKeyframe + this.limits.forcedKeyframeIntervalMs - Date.now();
    if (wait > 0) {
      this.deferredKeyframe ??= setTimeout(() => {
        this.deferredKeyframe = null;
        // A keyframe that came meanwhile (periodic, or another client's) already did the job.
        if (this.wanted() && this.awaitingKeyframe) this.askForKeyframe(`${reason} (deferred)`);
      }, wait);
      this.deferredKeyframe.unref();
      return;
    }
    this.lastForcedKeyframe = Date.now();
    this.stats.keyframesForced++;
    this.forceKeyframe(reason);
  }

  /**
   * Takes the queued frames of the head's size (noVNC decodes every access unit of a rectangle and
   * shows the last) and returns the FramebufferUpdate that carries them, after `pointer` (the
   * Cursor pseudo-rectangle's parts) when given. Only with a frame queued.
   */
  takeUpdate(pointer: Buffer[] | null): Buffer[] {
    const { width, height } = this.queue[0]!;
    let count = 0;
    while (count < this.queue.length && this.queue[count]!.width === width && this.queue[count]!.height === height)
      count++;
    const batch = this.queue.splice(0, count);
    const length = batch.reduce((n, p) => n + p.payload.length, 0);
    this.queuedBytes -= length;

    let flags = this.pendingFlags;
    if (this.lastVideoSize === null) flags |= H264Flags.ResetContext;
    else if (this.lastVideoSize.width !== width || this.lastVideoSize.height !== height)
      flags |= H264Flags.ResetAllContexts;
    this.pendingFlags = 0;
    this.lastVideoSize = { width, height };

    const parts: Buffer[] = [framebufferUpdateHeader(pointer ? 2 : 1)];
    if (pointer) parts.push(...pointer);
    parts.push(h264RectHeader(0, 0, width, height, length, flags));
    for (const p of batch) parts.push(p.payload);
    this.stats.framesSent += batch.length;
    this.stats.keyframesSent += batch.filter((p) => p.keyframe).length;
    return parts;
  }

  /** The connection closed: nothing more is queued or asked for. */
  close(): void {
    if (this.deferredKeyframe) clearTimeout(this.deferredKeyframe);
    this.deferredKeyframe = null;
    this.queue = [];
    this.queuedBytes = 0;
  }

  private drop(): void {
    this.stats.framesDropped += this.queue.length;
    this.queue = [];
    this.queuedBytes = 0;
  }
}
