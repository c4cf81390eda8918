import { RfbProtocolError } from '../errors.js';
import type { EncodedPayload } from '../backend/types.js';
import { ClientStreamParser, type ClientItem, type PixelFormat } from './client-parser.js';
import { Encoding, FenceFlags, H264Flags, PROTOCOL_VERSION_3_8, SecurityType } from './constants.js';
import { intersect, union, type Rect } from './damage.js';
import type { CursorShape } from './encodings/cursor.js';
import type { Framebuffer } from './framebuffer.js';
import { ImageClientState, type ImageEncoding } from './image-updates.js';
import {
  desktopSizeRect,
  endOfContinuousUpdates,
  extendedDesktopSizeRect,
  fence,
  framebufferUpdateHeader,
  h264RectHeader,
  lastRect,
  securityRefusal,
  securityResult,
  securityTypes,
  serverInit,
  setColourMapEntries,
} from './server-messages.js';
import { colourMapPalette } from './pixel-format.js';
import type { RfbTransport } from './transport.js';
import { createChallenge, verifyVncAuthResponse } from './vnc-auth.js';

/** How clients authenticate: none, or VNC Authentication with a password. */
export type RfbAuth = { type: 'none' } | { type: 'vnc'; password: string };

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

/** Identifies a client in events: its id, transport and remote address. */
export interface RfbClientInfo {
  id: number;
  transport: 'tcp' | 'websocket';
  remote: string;
}

/** Per-client counters. */
export interface RfbClientStats {
  /** Encoded frames written to the client. */
  framesSent: number;
  /** Encoded frames skipped for this client (backlog or waiting for a keyframe). */
  framesDropped: number;
  keyframesSent: number;
  updatesSent: number;
  bytesSent: number;
  /** Times its queue overflowed and it was resynchronised with a keyframe. */
  resyncs: number;
  /** Keyframes this client forced on the shared encoder (joins, full requests, resyncs). */
  keyframesForced: number;
  /** Image-path rectangles written (Raw, CopyRect, ZRLE, Tight). */
  rectsSent: number;
}

/** How a client is served: the shared H.264 stream, or its own rectangles. */
export type RfbClientMode = 'h264' | 'raw' | 'zrle' | 'tight';

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly auth: RfbAuth;
  readonly desktopName: string;
  readonly limits: RfbLimits;
  /** Pixel format announced in ServerInit (what a client gets until it sends SetPixelFormat). */
  readonly pixelFormat: PixelFormat;
  framebufferSize(): { width: number; height: number };
  /** The latest picture for image-path clients; null when none can be read (CUDA frames). */
  framebuffer(): Framebuffer | null;
  /** Pointer shape for clients that offer the Cursor pseudo-encoding. */
  cursor(): CursorShape | null;
  /** The client needs a fresh keyframe (joined, asked for a full update, or fell behind). */
  requestKeyframe(client: RfbClientConnection, reason: string): void;
  /** Security passed: the connection no longer counts as pending. */
  clientAuthenticated(client: RfbClientConnection): void;
  clientAuthFailed(client: RfbClientConnection): void;
  /**
   * ClientInit arrived (RFC 6143 §7.3.1): the server applies the shared flag and answers null to
   * go on, or why this client cannot be admitted (it is then closed before ServerInit).
   */
  clientInit(client: RfbClientConnection, shared: boolean): string | null;
  clientReady(client: RfbClientConnection): void;
  /** The client's SetPixelFormat took effect (for the log). */
  clientPixelFormat(client: RfbClientConnection, format: PixelFormat): void;
  /** The client's SetEncodings took effect (for the log). */
  clientEncodings(client: RfbClientConnection, list: readonly number[]): void;
  clientInput(client: RfbClientConnection, item: ClientItem): void;
  clientClosed(client: RfbClientConnection, reason: string, violation: RfbProtocolError | null): void;
}

type Phase = 'handshake' | 'ready' | 'closed';

const FULL_REGION: Rect = { x: 0, y: 0, width: 0xffff, height: 0xffff };

/** Client messages that neither write to the client nor change an update's content. */
const ANSWER_LATER: ReadonlySet<ClientItem['type']> = new Set(['update-request', 'key', 'pointer', 'cut-text']);

/**
 * One client: RFC 6143 handshake and messages; for H.264 clients a bounded queue of the shared
 * stream's frames, for everyone else its own rectangles built from the latest picture.
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
  /** RFB minor version in use (3, 7 or 8). */
  minorVersion = 8;
  pixelFormat: PixelFormat;
  encodings: ReadonlySet<number> = new Set([Encoding.Raw]);
  /** ClientInit's shared-flag (RFC 6143 §7.3.1). */
  shared = true;
  /** Passed security (or none was needed). */
  authenticated = false;
  /** Since when the connection exists (the oldest pending one is dropped first). */
  readonly openedAt = Date.now();
  private phase: Phase = 'handshake';
  private readonly parser: ClientStreamParser;
  private challenge: Buffer | null = null;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private backedUpSince: number | null = null;
  /** Update requests arrived in the current read and are answered at its end (`answerRequests`). */
  private requestsWaiting = false;
  /** Bytes of replies written while the socket was already past the high-water mark. */
  private repliesOverMark = 0;
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
  private queue: EncodedPayload[] = [];
  private queuedBytes = 0;
  private awaitingKeyframe = true;
  private lastForcedKeyframe = Number.NEGATIVE_INFINITY;
  private deferredKeyframe: NodeJS.Timeout | null = null;
  /** Size the client believes the framebuffer has (ServerInit, then each DesktopSize sent). */
  private clientSize: { width: number; height: number } = { width: 0, height: 0 };
  private lastVideoSize: { width: number; height: number } | null = null;
  private pendingFlags = 0;
  private readonly image: ImageClientState;

  constructor(
    id: number,
    private readonly transport: RfbTransport,
    private readonly host: ConnectionHost,
    /** Set when the server is refusing this client; it is told why after the version exchange. */
    private readonly refusal: string | null = null,
  ) {
    this.info = { id, transport: transport.kind, remote: transport.remote };
    this.pixelFormat = host.pixelFormat;
    this.image = new ImageClientState(host.pixelFormat);
    this.parser = new ClientStreamParser({
      maxCutTextBytes: host.limits.maxCutTextBytes,
      maxEncodings: host.limits.maxEncodings,
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
    return this.queue.length;
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
   * Bell / ServerCutText. These cannot wait like updates do, so a client that keeps asking for
   * them without reading would grow the server's memory without end: once replies written past
   * `writeHighWaterMark` add up to another `writeHighWaterMark`, it is cut off.
   */
  send(...parts: Buffer[]): void {
    if (this.phase === 'closed') return;
    const limit = this.host.limits.writeHighWaterMark;
    if (this.transport.bufferedBytes > limit) {
      this.repliesOverMark += parts.reduce((n, p) => n + p.length, 0);
      if (this.repliesOverMark > limit) {
        this.violation(
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
        return this.onVersion(item.major, item.minor);
      case 'security-choice':
        return this.onSecurityChoice(item.securityType);
      case 'auth-response':
        return this.onAuthResponse(item.response);
      case 'client-init':
        return this.onClientInit(item.shared);
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
        this.send(framebufferUpdateHeader(1), extendedDesktopSizeRect(width, height, 1, 1));
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
    this.image.setPixelFormat(format);
    this.host.clientPixelFormat(this, format);
    if (!format.trueColour) this.send(setColourMapEntries(0, colourMapPalette(format.depth)));
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
    if (!wasVideo && this.wantsVideo) this.needKeyframe('client enabled H.264');
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

  private onVersion(major: number, minor: number): void {
    // RFC 6143 §7.1.1: 3.3, 3.7 and 3.8 are the published versions; any other number "should be
    // interpreted as 3.3" (3.5 from old clients, 3.889 from Apple's Screen Sharing, 3.4/3.6 …):
    // those clients do not implement the 3.7/3.8 handshake.
    this.minorVersion = major === 3 && (minor === 8 || minor === 7) ? minor : 3;
    if (major !== 3) {
      // Not RFB 3.x at all: the 3.3 failure (security type 0 + reason) is the one form every
      // client reads.
      const reason = `unsupported protocol version ${major}.${minor}: this server speaks RFB 3.3, 3.7 and 3.8`;
      this.transport.write(Buffer.concat([Buffer.alloc(3), securityRefusal(reason)]));
      this.parser.phase = 'closed';
      this.transport.end();
      this.finish(reason, new RfbProtocolError('RFB_BAD_VERSION', reason));
      return;
    }
    if (this.refusal !== null) {
      // RFC 6143 §7.1.2: zero security types (3.3: type 0), then the reason string.
      const reason = securityRefusal(this.refusal);
      this.transport.write(this.minorVersion === 3 ? Buffer.concat([Buffer.alloc(3), reason]) : reason);
      this.parser.phase = 'closed';
      this.transport.end();
      this.finish(`refused: ${this.refusal}`, null);
      return;
    }
    const type = this.host.auth.type === 'vnc' ? SecurityType.VncAuthentication : SecurityType.None;
    if (this.minorVersion === 3) {
      // 3.3: the server decides and sends the type as a U32.
      const word = Buffer.alloc(4);
      word.writeUInt32BE(type, 0);
      this.transport.write(word);
      this.startSecurity(type);
    } else {
      this.transport.write(securityTypes([type]));
      this.parser.phase = 'security-choice';
    }
  }

  private onSecurityChoice(chosen: number): void {
    const offered = this.host.auth.type === 'vnc' ? SecurityType.VncAuthentication : SecurityType.None;
    if (chosen !== offered) {
      if (this.minorVersion === 8)
        this.transport.write(securityResult(false, `security type ${chosen} was not offered`));
      throw new RfbProtocolError(
        'RFB_BAD_SECURITY_TYPE',
        `client chose security type ${chosen}, offered only ${offered}`,
      );
    }
    this.startSecurity(chosen);
  }

  private startSecurity(type: number): void {
    if (type === SecurityType.None) {
      // 3.8 sends SecurityResult after None; 3.3 and 3.7 do not.
      if (this.minorVersion === 8) this.transport.write(securityResult(true));
      this.parser.phase = 'client-init';
      this.authenticated = true;
      this.host.clientAuthenticated(this);
      return;
    }
    this.challenge = createChallenge();
    this.transport.write(this.challenge);
    this.parser.phase = 'vnc-auth-response';
  }

  private onAuthResponse(response: Buffer): void {
    const auth = this.host.auth;
    const ok =
      auth.type === 'vnc' && this.challenge !== null && verifyVncAuthResponse(auth.password, this.challenge, response);
    this.challenge = null;
    if (!ok) {
      this.host.clientAuthFailed(this);
      this.transport.write(securityResult(false, this.minorVersion === 8 ? 'authentication failed' : undefined));
      this.parser.phase = 'closed';
      this.transport.end();
      this.finish(
        'authentication failed',
        new RfbProtocolError('RFB_AUTH_FAILED', 'VNC authentication failed (wrong password)'),
      );
      return;
    }
    this.transport.write(securityResult(true));
    this.parser.phase = 'client-init';
    this.authenticated = true;
    this.host.clientAuthenticated(this);
  }

  private onClientInit(shared: boolean): void {
    this.shared = shared;
    const refused = this.host.clientInit(this, shared);
    if (refused !== null) {
      // RFC 6143 has no message for this after security: the connection is closed, with a log line.
      this.parser.phase = 'closed';
      this.transport.end();
      this.finish(refused, null);
      return;
    }
    const size = this.host.framebufferSize();
    this.clientSize = size;
    this.transport.write(serverInit(size.width, size.height, this.host.desktopName, this.host.pixelFormat));
    // A colour-map natural format: the client's map is empty until the server fills it.
    if (!this.host.pixelFormat.trueColour)
      this.transport.write(setColourMapEntries(0, colourMapPalette(this.host.pixelFormat.depth)));
    this.parser.phase = 'messages';
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
      if (!incremental && !this.queue[0]?.keyframe) this.needKeyframe('full update requested');
    } else if (!incremental) this.image.forceRegion(region);
    this.requestsWaiting = true;
  }

  /**
   * Drops what is queued and waits for the next keyframe, which the server is asked for. At
   * most one per `forcedKeyframeIntervalMs` per client: a client flooding full-update requests
   * cannot make the shared encoder emit keyframes for everyone (a join is never delayed: its
   * first keyframe finds the window open).
   */
  private needKeyframe(reason: string): void {
    this.stats.framesDropped += this.queue.length;
    this.queue = [];
    this.queuedBytes = 0;
    if (!this.awaitingKeyframe) this.pendingFlags |= H264Flags.ResetContext;
    this.awaitingKeyframe = true;
    this.askForKeyframe(reason);
  }

  private askForKeyframe(reason: string): void {
    const wait = this.lastForcedKeyframe + this.host.limits.forcedKeyframeIntervalMs - Date.now();
    if (wait > 0) {
      this.deferredKeyframe ??= setTimeout(() => {
        this.deferredKeyframe = null;
        // A keyframe that came meanwhile (periodic, or another client's) already did the job.
        if (this.wantsVideo && this.awaitingKeyframe) this.askForKeyframe(`${reason} (deferred)`);
      }, wait);
      this.deferredKeyframe.unref();
      return;
    }
    this.lastForcedKeyframe = Date.now();
    this.stats.keyframesForced++;
    this.host.requestKeyframe(this, reason);
  }

  /** The server offers each encoded frame to every client; the client queues, coalesces or drops it. */
  offerVideo(payload: EncodedPayload): void {
    if (!this.wantsVideo) return;
    if (this.awaitingKeyframe && !payload.keyframe) {
      this.stats.framesDropped++;
      return;
    }
    if (payload.keyframe) {
      // Nothing before a keyframe is needed to decode what follows: coalesce to it.
      this.stats.framesDropped += this.queue.length;
      this.queue = [];
      this.queuedBytes = 0;
      this.awaitingKeyframe = false;
    }
    this.queue.push(payload);
    this.queuedBytes += payload.payload.length;
    const limits = this.host.limits;
    if (this.queue.length > limits.maxQueuedFrames || this.queuedBytes > limits.maxQueuedBytes) {
      this.stats.resyncs++;
      this.needKeyframe(`backlog of ${this.queue.length} frames / ${this.queuedBytes} bytes`);
      return;
    }
    this.trySend();
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
    if (this.wantsVideo && this.queue.length === 0) return;
    if (this.transport.bufferedBytes > this.host.limits.writeHighWaterMark) {
      this.watchBacklog();
      return;
    }
    this.backedUpSince = null;
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
      const first = this.queue[0];
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
    this.transport.writeMany([framebufferUpdateHeader(1), rect]);
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
    const first = this.queue[0]!;
    const { width, height } = first;
    // Frames of one size share a rectangle: noVNC decodes every access unit in it and shows the last.
    let count = 0;
    while (count < this.queue.length && this.queue[count]!.width === width && this.queue[count]!.height === height)
      count++;
    const batch = this.queue.splice(0, count);
    this.queuedBytes -= batch.reduce((n, p) => n + p.payload.length, 0);

    const parts: Buffer[] = [];
    let rects = 1;
    const pointer = this.encodings.has(Encoding.Cursor) ? this.image.cursorRect(this.host.cursor()) : null;
    if (pointer) {
      parts.push(...pointer);
      rects++;
    }
    let flags = this.pendingFlags;
    if (this.lastVideoSize === null) flags |= H264Flags.ResetContext;
    else if (this.lastVideoSize.width !== width || this.lastVideoSize.height !== height)
      flags |= H264Flags.ResetAllContexts;
    this.pendingFlags = 0;
    this.lastVideoSize = { width, height };

    const length = batch.reduce((n, p) => n + p.payload.length, 0);
    parts.unshift(framebufferUpdateHeader(rects));
    parts.push(h264RectHeader(0, 0, width, height, length, flags));
    for (const p of batch) parts.push(p.payload);
    this.transport.writeMany(parts);

    this.updateRequested = false;
    this.emptyAnswerOwed = false;
    this.stats.updatesSent++;
    this.stats.framesSent += batch.length;
    this.stats.keyframesSent += batch.filter((p) => p.keyframe).length;
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
    this.transport.writeMany(parts);
    this.updateRequested = false;
    this.requested = null;
    this.stats.updatesSent++;
    this.stats.rectsSent += rects;
    this.stats.bytesSent += parts.reduce((n, b) => n + b.length, 0);
  }

  /** Polls while the socket is backed up; a client that stays backed up is not reading. */
  private watchBacklog(): void {
    const now = Date.now();
    this.backedUpSince ??= now;
    if (now - this.backedUpSince > this.host.limits.stallTimeoutMs) {
      this.violation(
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
      this.trySend();
    }, 25);
    this.pollTimer.unref();
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
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.deferredKeyframe) clearTimeout(this.deferredKeyframe);
    this.handshakeTimer = this.pollTimer = this.deferredKeyframe = null;
    this.queue = [];
    this.queuedBytes = 0;
    this.host.clientClosed(this, reason, violation);
  }
}
