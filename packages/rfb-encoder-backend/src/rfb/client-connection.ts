import { RfbProtocolError } from '../errors.js';
import type { EncodedPayload } from '../backend/types.js';
import { ClientStreamParser, type ClientItem, type PixelFormat } from './client-parser.js';
import { ClientBacklog } from './client-backlog.js';
import type { ConnectionHost, RfbClientInfo, RfbClientMode, RfbClientStats } from './connection-host.js';
import { Encoding, FenceFlags, PROTOCOL_VERSION_3_8 } from './constants.js';
import { intersect, union, type Rect } from './damage.js';
import { H264FrameQueue } from './h264-frame-queue.js';
import { RfbHandshake } from './handshake.js';
import { ImageClientState, type ImageEncoding } from './image-updates.js';
import {
  desktopSizeRect,
  endOfContinuousUpdates,
  extendedDesktopSizeRect,
  fence,
  framebufferUpdateHeader,
  lastRect,
  setColourMapEntries,
} from './server-messages.js';
import { colourMapPalette } from './pixel-format.js';
import type { RfbTransport } from './transport.js';

type Phase = 'handshake' | 'ready' | 'closed';

const FULL_REGION: Rect = { x: 0, y: 0, width: 0xffff, height: 0xffff };

/** Client messages that neither write to the client nor change an update's content. */
const ANSWER_LATER: ReadonlySet<ClientItem['type']> = new Set(['update-request', 'key', 'pointer', 'cut-text']);

/** SetColourMapEntries filling a colour-map format's (empty) map with the fixed palette. */
const paletteFor = (format: PixelFormat): Buffer => setColourMapEntries(0, colourMapPalette(format.depth));

/**
 * One client: its handshake (`RfbHandshake`), then its messages and the updates they ask for: for
 * H.264 clients from its share of the shared stream (`H264FrameQueue`), for everyone else its own
 * rectangles built from the latest picture (`ImageClientState`); paced by what the client has
 * read (`ClientBacklog`).
 */
export class RfbClientConnection {
  readonly info: RfbClientInfo;
  readonly stats: RfbClientStats = {
    framesSent: 0,
    framesDropped: 0,
    keyframesSent: 0,
    updatesSent: 0,
    bytesSent: 0,
    resyncs: 0,
    keyframesForced: 0,
    rectsSent: 0,
  };
  pixelFormat: PixelFormat;
  encodings: ReadonlySet<number> = new Set([Encoding.Raw]);
  /** Since when the connection exists (the oldest pending one is dropped first). */
  readonly openedAt = Date.now();
  private phase: Phase = 'handshake';
  private readonly parser: ClientStreamParser;
  private readonly handshake: RfbHandshake;
  private handshakeTimer: NodeJS.Timeout | null = null;
  /** Update requests arrived in the current read and are answered at its end (`answerRequests`). */
  private requestsWaiting = false;
  private readonly backlog: ClientBacklog;
  private updateRequested = false;
  /** Area the client's pending requests cover (image path). */
  private requested: Rect | null = null;
  private continuous: Rect | null = null;
  private fenceAnnounced = false;
  /** Served the shared H.264 stream: 50 comes before every image encoding in its SetEncodings. */
  private video = false;
  /**
   * rfbproto ExtendedDesktopSize: a non-incremental request from a client that offered -308 is
   * answered with the screen layout, in an update of its own.
   */
  private layoutOwed = false;
  /** A non-incremental request whose area lies wholly outside the framebuffer: an empty update answers it. */
  private emptyAnswerOwed = false;
  private continuousAnnounced = false;
  /**
   * The server's natural format is a colour map and the client has not chosen a format: the
   * palette goes out just before the first update. Not after ServerInit: noVNC treats a
   * SetColourMapEntries it did not ask for as fatal, and clients usually pick their own format first.
   */
  private paletteOwed: boolean;
  /** Size the client believes the framebuffer has (ServerInit, then each DesktopSize sent). */
  private clientSize: { width: number; height: number } = { width: 0, height: 0 };
  /** H.264 clients: the shared stream's frames not yet written. */
  private readonly h264Frames: H264FrameQueue;
  private readonly image: ImageClientState;

  constructor(
    id: number,
    private readonly transport: RfbTransport,
    private readonly host: ConnectionHost,
    /** Set when the server is refusing this client; it is told why after the version exchange. */
    refusal: string | null = null,
  ) {
    this.info = { id, transport: transport.kind, remote: transport.remote };
    this.pixelFormat = host.pixelFormat;
    this.paletteOwed = !host.pixelFormat.trueColour;
    this.image = new ImageClientState(host.pixelFormat);
    this.parser = new ClientStreamParser({
      maxCutTextBytes: host.limits.maxCutTextBytes,
      maxEncodings: host.limits.maxEncodings,
    });
    this.backlog = new ClientBacklog(
      transport,
      host.limits,
      (error) => this.violation(error),
      () => this.trySend(),
    );
    this.h264Frames = new H264FrameQueue(
      host.limits,
      this.stats,
      (reason) => host.requestKeyframe(this, reason),
      () => this.wantsVideo,
    );
    this.handshake = new RfbHandshake(transport, this.parser, host, refusal, {
      authenticated: () => host.clientAuthenticated(this),
      authFailed: () => host.clientAuthFailed(this),
      clientInit: (shared) => host.clientInit(this, shared),
      ended: (reason, violation) => this.finish(reason, violation),
      ready: (size) => this.onReady(size),
    });
    transport.onData((chunk) => this.receive(chunk));
    transport.onClose((reason, violation) =>
      this.finish(reason, violation ? new RfbProtocolError('RFB_TRANSPORT', reason) : null),
    );
    this.handshakeTimer = setTimeout(() => {
      this.violation(
        new RfbProtocolError(
          'RFB_HANDSHAKE_TIMEOUT',
          `handshake not finished within ${host.limits.handshakeTimeoutMs} ms`,
        ),
      );
    }, host.limits.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    transport.write(Buffer.from(PROTOCOL_VERSION_3_8, 'latin1'));
  }

  /** RFB minor version in use (3, 7 or 8). */
  get minorVersion(): number {
    return this.handshake.minorVersion;
  }

  /** ClientInit's shared-flag (RFC 6143 §7.3.1). */
  get shared(): boolean {
    return this.handshake.shared;
  }

  /** Passed security (or none was needed). */
  get authenticated(): boolean {
    return this.handshake.authenticated;
  }

  /** The peer's address without the port (per-address limits). */
  get address(): string {
    return this.transport.address;
  }

  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  get ready(): boolean {
    return this.phase === 'ready';
  }

  /** H.264 when the client lists 50 before every image encoding (RFC 6143 §7.5.2 order); else its first image encoding. */
  get mode(): RfbClientMode {
    if (this.video) return 'h264';
    const names: Record<ImageEncoding, RfbClientMode> = {
      [Encoding.Raw]: 'raw',
      [Encoding.ZRLE]: 'zrle',
      [Encoding.Tight]: 'tight',
    };
    return names[this.image.encoding];
  }

  get wantsVideo(): boolean {
    return this.phase === 'ready' && this.video;
  }

  /** Ready and served rectangles from the picture (not H.264). */
  get wantsImage(): boolean {
    return this.phase === 'ready' && !this.video;
  }

  get queuedFrames(): number {
    return this.h264Frames.length;
  }

  get continuousUpdates(): boolean {
    return this.continuous !== null;
  }

  /** Cuts the client off (server shutdown or an application decision). */
  close(reason = 'closed by server'): void {
    if (this.phase === 'closed') return;
    this.transport.close();
    this.finish(reason, null);
  }

  /**
   * Writes a message that is not a framebuffer update: an answer the protocol owes (Fence,
   * EndOfContinuousUpdates, SetColourMapEntries, a SetDesktopSize result) or the application's
   * Bell / ServerCutText. A client that asks for them without reading is cut off
   * (`ClientBacklog.reply`).
   */
  send(...parts: Buffer[]): void {
    if (this.phase !== 'closed') this.backlog.reply(parts);
  }

  private receive(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.parser.push(chunk);
    try {
      for (let item = this.parser.next(); item; item = this.isClosed() ? null : this.parser.next()) {
        // Anything that may write, or change what an update holds, first answers the requests before it.
        if (!ANSWER_LATER.has(item.type)) this.answerRequests();
        this.handle(item);
      }
      this.answerRequests();
      if (!this.isClosed() && this.parser.footprint > this.host.limits.maxReceiveBufferBytes) {
        throw new RfbProtocolError(
          'RFB_MESSAGE_TOO_LARGE',
          `${this.parser.bufferedBytes} unparsed bytes hold ${this.parser.footprint} bytes of memory (limit ${this.host.limits.maxReceiveBufferBytes})`,
        );
      }
    } catch (error) {
      if (error instanceof RfbProtocolError) this.violation(error);
      else
        this.violation(
          new RfbProtocolError('RFB_BAD_MESSAGE', `internal error handling client data: ${(error as Error).message}`),
        );
    }
  }

  /**
   * Update requests of one read are answered together, after it (RFC 6143 §7.5.3: one update may
   * answer several requests): a burst of 10-byte non-incremental requests costs one encode of the
   * area, not one each, so a client cannot keep the event loop encoding for everyone.
   */
  private answerRequests(): void {
    if (!this.requestsWaiting || this.isClosed()) return;
    this.requestsWaiting = false;
    this.trySend();
  }

  private handle(item: ClientItem): void {
    switch (item.type) {
      case 'version':
      case 'security-choice':
      case 'auth-response':
      case 'client-init':
        return this.handshake.handle(item);
      case 'set-pixel-format':
        return this.setPixelFormat(item.pixelFormat);
      case 'set-encodings':
        return this.onSetEncodings(item.encodings);
      case 'update-request':
        return this.onUpdateRequest(item.incremental, { x: item.x, y: item.y, width: item.width, height: item.height });
      case 'enable-continuous-updates':
        return this.onEnableContinuousUpdates(item.enable, {
          x: item.x,
          y: item.y,
          width: item.width,
          height: item.height,
        });
      case 'fence':
        return this.onFence(item.flags, item.payload);
      case 'set-desktop-size': {
        if (!this.encodings.has(Encoding.ExtendedDesktopSize)) {
          throw new RfbProtocolError(
            'RFB_BAD_MESSAGE',
            'SetDesktopSize without offering the ExtendedDesktopSize pseudo-encoding (-308)',
          );
        }
        // The application decides the size (it pushes the frames): answer "prohibited" (reason 1 =
        // this client's request, status 1), with the size that stays, as soon as possible, as
        // rfbproto asks; no other client hears of it.
        const { width, height } = this.clientSize;
        this.send(...this.updateParts([framebufferUpdateHeader(1), extendedDesktopSizeRect(width, height, 1, 1)]));
        return;
      }
      case 'key':
      case 'pointer':
      case 'cut-text':
        this.host.clientInput(this, item);
        return;
    }
  }

  /**
   * RFC 6143 §7.5.1: pixels in the new format from the next update on. A colour-map format
   * starts with an empty map: the palette is sent at once, before any update that uses it.
   */
  private setPixelFormat(format: PixelFormat): void {
    this.pixelFormat = format;
    this.paletteOwed = false;
    this.image.setPixelFormat(format);
    this.host.clientPixelFormat(this, format);
    if (!format.trueColour) this.send(paletteFor(format));
  }

  /** A FramebufferUpdate's parts, after the palette the natural colour-map format still owes. */
  private updateParts(parts: Buffer[]): Buffer[] {
    if (!this.paletteOwed) return parts;
    this.paletteOwed = false;
    return [paletteFor(this.pixelFormat), ...parts];
  }

  private onSetEncodings(list: number[]): void {
    const wasVideo = this.wantsVideo;
    this.encodings = new Set(list);
    // RFC 6143 §7.5.2: the list is in order of preference; 50 wins when it comes before every
    // image encoding this server sends (noVNC lists CopyRect, then 50, then Tight …).
    const h264At = list.indexOf(Encoding.H264);
    const imageAt = list.findIndex((e) => e === Encoding.Raw || e === Encoding.Tight || e === Encoding.ZRLE);
    this.video = h264At >= 0 && (imageAt < 0 || h264At < imageAt);
    this.image.setEncodings(list);
    this.host.clientEncodings(this, list);
    if (!wasVideo && this.wantsVideo) this.h264Frames.needKeyframe('client enabled H.264');
    // The picture the client has came from the other path: it must get a whole new one.
    if (wasVideo && !this.wantsVideo) this.image.invalidate();
    // rfbproto: a server shows it speaks Fence with a Fence request of its own, and
    // ContinuousUpdates with an EndOfContinuousUpdates, each once, on the first SetEncodings that
    // offers it.
    if (!this.fenceAnnounced && this.encodings.has(Encoding.Fence)) {
      this.fenceAnnounced = true;
      this.send(fence(FenceFlags.Request, Buffer.alloc(0)));
    }
    if (!this.continuousAnnounced && this.encodings.has(Encoding.ContinuousUpdates)) {
      this.continuousAnnounced = true;
      this.send(endOfContinuousUpdates());
    }
  }

  private onEnableContinuousUpdates(enable: boolean, region: Rect): void {
    if (!this.continuousAnnounced) {
      throw new RfbProtocolError(
        'RFB_BAD_MESSAGE',
        'EnableContinuousUpdates without offering the ContinuousUpdates pseudo-encoding (-313)',
      );
    }
    if (enable) {
      this.continuous = region;
      this.trySend();
      return;
    }
    this.continuous = null;
    // rfbproto: switching off is confirmed at once with EndOfContinuousUpdates (after the last
    // update), even when continuous updates were not on.
    this.send(endOfContinuousUpdates());
  }

  /**
   * Fence: answered at once, with Request cleared and the payload echoed. Messages are handled
   * one by one in arrival order and every update is written when it is built, so whatever the
   * client sent before the fence has been acted on (BlockBefore), nothing after it has (BlockAfter),
   * and the next message's effect follows the answer (SyncNext): all three flags are kept.
   */
  private onFence(flags: number, payload: Buffer): void {
    if (!this.encodings.has(Encoding.Fence))
      throw new RfbProtocolError('RFB_BAD_MESSAGE', 'Fence without offering the Fence pseudo-encoding (-312)');
    if ((flags & FenceFlags.Request) === 0) return; // the answer to our announcement
    const supported = FenceFlags.BlockBefore | FenceFlags.BlockAfter | FenceFlags.SyncNext;
    this.send(fence(flags & supported, payload));
  }

  /** ServerInit went out: messages from here on. */
  private onReady(size: { width: number; height: number }): void {
    this.clientSize = size;
    this.phase = 'ready';
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.host.clientReady(this);
  }

  private onUpdateRequest(incremental: boolean, region: Rect): void {
    // rfbproto ContinuousUpdates: incremental requests are ignored while continuous updates are
    // on; non-incremental ones are honoured, wherever their area lies.
    if (incremental && this.continuous !== null) return;
    this.updateRequested = true;
    this.requested = union(this.requested, region);
    if (!incremental) {
      if (this.encodings.has(Encoding.ExtendedDesktopSize)) this.layoutOwed = true;
      // RFC 6143 §7.5.3: the area is cropped to the framebuffer; one wholly outside it still gets
      // an answer (an update with no pixel data) rather than waiting forever.
      const inside = intersect(region, { x: 0, y: 0, ...this.clientSize });
      if (!inside) this.emptyAnswerOwed = true;
    }
    if (this.wantsVideo) {
      // A non-incremental request asks for the whole picture: only a keyframe gives that (one
      // already waiting at the head of the queue will do).
      if (!incremental && !this.h264Frames.head?.keyframe) this.h264Frames.needKeyframe('full update requested');
    } else if (!incremental) this.image.forceRegion(region);
    this.requestsWaiting = true;
  }

  /** The server offers each encoded frame to every client; the client queues, coalesces or drops it. */
  offerVideo(payload: EncodedPayload): void {
    if (this.wantsVideo && this.h264Frames.offer(payload)) this.trySend();
  }

  /** A new picture was pushed (image path). */
  offerPicture(): void {
    if (this.wantsImage) this.trySend();
  }

  /** A new pointer shape was set. */
  cursorChanged(): void {
    // H.264 clients get the new shape with their next frame.
    if (this.wantsImage && this.encodings.has(Encoding.Cursor)) this.trySend();
  }

  private trySend(): void {
    if (this.phase !== 'ready') return;
    if (this.wantsVideo && this.h264Frames.length === 0) return;
    if (this.backlog.updatesWait()) return;
    if (!this.updateRequested && this.continuous === null) return;
    if (this.sendLayout()) {
      // The layout update answered the request; continuous updates go straight on.
      if (this.phase !== 'ready' || this.continuous === null) return;
    }
    if (this.wantsVideo) this.sendVideo();
    else this.sendImage();
  }

  /** Size of the picture the next data update carries (null: nothing to send yet). */
  private nextPictureSize(): { width: number; height: number } | null {
    if (this.wantsVideo) {
      const first = this.h264Frames.head;
      return first ? { width: first.width, height: first.height } : null;
    }
    const fb = this.host.framebuffer();
    return fb ? { width: fb.width, height: fb.height } : null;
  }

  /**
   * A new framebuffer size, or the layout a non-incremental request from an ExtendedDesktopSize
   * client is owed, goes out in an update of its own: rfbproto says an update carrying
   * DesktopSize or ExtendedDesktopSize must not change framebuffer data (the client may discard
   * its picture on it), and that DesktopSize is sent only for a real change. True when written
   * (or when the client was cut off for not supporting a resize).
   */
  private sendLayout(): boolean {
    const size = this.nextPictureSize();
    const resized = size !== null && (size.width !== this.clientSize.width || size.height !== this.clientSize.height);
    if (!resized && !this.layoutOwed) return false;
    const { width, height } = resized ? size : this.clientSize;
    const rect = this.resizeRect(width, height);
    if (!rect) return true;
    this.layoutOwed = false;
    if (resized) this.image.invalidate();
    this.transport.writeMany(this.updateParts([framebufferUpdateHeader(1), rect]));
    this.updateRequested = false;
    this.requested = null;
    this.emptyAnswerOwed = false;
    this.stats.updatesSent++;
    this.stats.bytesSent += 4 + rect.length;
    return true;
  }

  /**
   * Pseudo-rectangle announcing the framebuffer size, or null after cutting the client off.
   * rfbproto: a client offering both gets only ExtendedDesktopSize.
   */
  private resizeRect(width: number, height: number): Buffer | null {
    let rect: Buffer;
    if (this.encodings.has(Encoding.ExtendedDesktopSize)) rect = extendedDesktopSizeRect(width, height);
    else if (this.encodings.has(Encoding.DesktopSize)) rect = desktopSizeRect(width, height);
    else {
      this.violation(
        new RfbProtocolError(
          'RFB_CANNOT_RESIZE',
          `framebuffer is now ${width}x${height} and the client supports neither DesktopSize nor ExtendedDesktopSize`,
        ),
      );
      return null;
    }
    this.clientSize = { width, height };
    return rect;
  }

  private sendVideo(): void {
    const pointer = this.encodings.has(Encoding.Cursor) ? this.image.cursorRect(this.host.cursor()) : null;
    const parts = this.h264Frames.takeUpdate(pointer);
    this.transport.writeMany(this.updateParts(parts));
    this.updateRequested = false;
    this.emptyAnswerOwed = false;
    this.stats.updatesSent++;
    this.stats.bytesSent += parts.reduce((n, b) => n + b.length, 0);
  }

  private sendImage(): void {
    const fb = this.host.framebuffer();
    if (!fb) return;
    const parts: Buffer[] = [];
    let rects = 0;
    const region = union(
      this.updateRequested ? this.requested : null,
      this.continuous ?? this.requested ?? FULL_REGION,
    );
    const cursor = this.encodings.has(Encoding.Cursor) ? this.host.cursor() : null;
    const update = this.image.build(fb, region, cursor);
    if (update) {
      parts.push(...update.parts);
      rects += update.rects;
    }
    // Nothing changed: the request stays pending until something does, unless it asked for an
    // area outside the framebuffer, which an empty update answers.
    if (rects === 0 && !this.emptyAnswerOwed) return;
    this.emptyAnswerOwed = false;
    // vncsnapshot 1.2a (RFB 3.3) offers LastRect but reads its rectangle as an empty one and then
    // waits for 65534 more: only viewers of 3.7 and later get it.
    const lastRectUsed = rects > 0 && this.encodings.has(Encoding.LastRect) && this.minorVersion >= 7;
    if (lastRectUsed) parts.push(lastRect());
    parts.unshift(framebufferUpdateHeader(lastRectUsed ? 0xffff : rects));
    this.transport.writeMany(this.updateParts(parts));
    this.updateRequested = false;
    this.requested = null;
    this.stats.updatesSent++;
    this.stats.rectsSent += rects;
    this.stats.bytesSent += parts.reduce((n, b) => n + b.length, 0);
  }

  private violation(error: RfbProtocolError): void {
    if (this.phase === 'closed') return;
    this.parser.phase = 'closed';
    this.transport.close();
    this.finish(error.message, error);
  }

  private finish(reason: string, violation: RfbProtocolError | null): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.backlog.close();
    this.h264Frames.close();
    this.host.clientClosed(this, reason, violation);
  }
}
