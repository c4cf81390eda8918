import { RfbProtocolError } from '../errors.js';
import type { EncodedPayload } from '../backend/types.js';
import { ClientStreamParser, type ClientItem, type PixelFormat } from './client-parser.js';
import { Encoding, H264Flags, PROTOCOL_VERSION_3_8, SecurityType } from './constants.js';
import {
  desktopSizeRect,
  extendedDesktopSizeRect,
  framebufferUpdateHeader,
  h264RectHeader,
  securityRefusal,
  securityResult,
  securityTypes,
  serverInit,
  SERVER_PIXEL_FORMAT,
} from './server-messages.js';
import type { RfbTransport } from './transport.js';
import { createChallenge, verifyVncAuthResponse } from './vnc-auth.js';

export type RfbAuth = { type: 'none' } | { type: 'vnc'; password: string };

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
  /** Connections beyond this many are refused (with the RFB reason string) and closed. */
  maxClients: number;
}

export const DEFAULT_LIMITS: RfbLimits = {
  maxQueuedFrames: 8,
  maxQueuedBytes: 8 * 1024 * 1024,
  writeHighWaterMark: 4 * 1024 * 1024,
  stallTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  maxCutTextBytes: 1024 * 1024,
  maxEncodings: 1024,
  maxClients: 64,
};

export interface RfbClientInfo {
  id: number;
  transport: 'tcp' | 'websocket';
  remote: string;
}

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
}

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly auth: RfbAuth;
  readonly desktopName: string;
  readonly limits: RfbLimits;
  framebufferSize(): { width: number; height: number };
  /** The client needs a fresh keyframe (joined, asked for a full update, or fell behind). */
  requestKeyframe(client: RfbClientConnection, reason: string): void;
  clientReady(client: RfbClientConnection, shared: boolean): void;
  clientInput(client: RfbClientConnection, item: ClientItem): void;
  clientClosed(client: RfbClientConnection, reason: string, violation: RfbProtocolError | null): void;
}

type Phase = 'handshake' | 'ready' | 'closed';

/** One client: RFC 6143 handshake, message handling, and its bounded H.264 frame queue. */
export class RfbClientConnection {
  readonly info: RfbClientInfo;
  readonly stats: RfbClientStats = { framesSent: 0, framesDropped: 0, keyframesSent: 0, updatesSent: 0, bytesSent: 0, resyncs: 0 };
  /** RFB minor version in use (3, 7 or 8). */
  minorVersion = 8;
  pixelFormat: PixelFormat = SERVER_PIXEL_FORMAT;
  encodings: ReadonlySet<number> = new Set([Encoding.Raw]);
  private phase: Phase = 'handshake';
  private readonly parser: ClientStreamParser;
  private challenge: Buffer | null = null;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private backedUpSince: number | null = null;
  private updateRequested = false;
  private queue: EncodedPayload[] = [];
  private queuedBytes = 0;
  private awaitingKeyframe = true;
  /** Size the client believes the framebuffer has (ServerInit, then each DesktopSize sent). */
  private clientSize: { width: number; height: number } = { width: 0, height: 0 };
  private lastVideoSize: { width: number; height: number } | null = null;
  private pendingFlags = 0;

  constructor(
    id: number,
    private readonly transport: RfbTransport,
    private readonly host: ConnectionHost,
    /** Set when the server is refusing this client; it is told why after the version exchange. */
    private readonly refusal: string | null = null,
  ) {
    this.info = { id, transport: transport.kind, remote: transport.remote };
    this.parser = new ClientStreamParser({ maxCutTextBytes: host.limits.maxCutTextBytes, maxEncodings: host.limits.maxEncodings });
    transport.onData((chunk) => this.receive(chunk));
    transport.onClose((reason, violation) => this.finish(reason, violation ? new RfbProtocolError('RFB_TRANSPORT', reason) : null));
    this.handshakeTimer = setTimeout(() => {
      this.violation(new RfbProtocolError('RFB_HANDSHAKE_TIMEOUT', `handshake not finished within ${host.limits.handshakeTimeoutMs} ms`));
    }, host.limits.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    transport.write(Buffer.from(PROTOCOL_VERSION_3_8, 'latin1'));
  }

  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  get ready(): boolean {
    return this.phase === 'ready';
  }

  get wantsVideo(): boolean {
    return this.phase === 'ready' && this.encodings.has(Encoding.H264);
  }

  get queuedFrames(): number {
    return this.queue.length;
  }

  /** Cuts the client off (server shutdown or an application decision). */
  close(reason = 'closed by server'): void {
    if (this.phase === 'closed') return;
    this.transport.close();
    this.finish(reason, null);
  }

  private receive(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.parser.push(chunk);
    try {
      for (let item = this.parser.next(); item; item = this.isClosed() ? null : this.parser.next()) {
        this.handle(item);
      }
    } catch (error) {
      if (error instanceof RfbProtocolError) this.violation(error);
      else this.violation(new RfbProtocolError('RFB_BAD_MESSAGE', `internal error handling client data: ${(error as Error).message}`));
    }
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
        this.pixelFormat = item.pixelFormat;
        return;
      case 'set-encodings': {
        const hadVideo = this.wantsVideo;
        this.encodings = new Set(item.encodings);
        if (!hadVideo && this.wantsVideo) this.needKeyframe('client enabled H.264');
        return;
      }
      case 'update-request':
        return this.onUpdateRequest(item.incremental);
      case 'key':
      case 'pointer':
      case 'cut-text':
        this.host.clientInput(this, item);
        return;
    }
  }

  private onVersion(major: number, minor: number): void {
    if (major !== 3 || minor < 3) {
      throw new RfbProtocolError('RFB_BAD_VERSION', `unsupported protocol version ${major}.${minor}`);
    }
    // RFC 6143 §7.1.1: 3.3 and 3.7 are the only other published versions; anything newer speaks 3.8.
    this.minorVersion = minor >= 8 ? 8 : minor === 7 ? 7 : 3;
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
      if (this.minorVersion === 8) this.transport.write(securityResult(false, `security type ${chosen} was not offered`));
      throw new RfbProtocolError('RFB_BAD_SECURITY_TYPE', `client chose security type ${chosen}, offered only ${offered}`);
    }
    this.startSecurity(chosen);
  }

  private startSecurity(type: number): void {
    if (type === SecurityType.None) {
      // 3.8 sends SecurityResult after None; 3.3 and 3.7 do not.
      if (this.minorVersion === 8) this.transport.write(securityResult(true));
      this.parser.phase = 'client-init';
      return;
    }
    this.challenge = createChallenge();
    this.transport.write(this.challenge);
    this.parser.phase = 'vnc-auth-response';
  }

  private onAuthResponse(response: Buffer): void {
    const auth = this.host.auth;
    const ok = auth.type === 'vnc' && this.challenge !== null && verifyVncAuthResponse(auth.password, this.challenge, response);
    this.challenge = null;
    if (!ok) {
      this.transport.write(securityResult(false, this.minorVersion === 8 ? 'authentication failed' : undefined));
      this.parser.phase = 'closed';
      this.transport.end();
      this.finish('authentication failed', new RfbProtocolError('RFB_AUTH_FAILED', 'VNC authentication failed (wrong password)'));
      return;
    }
    this.transport.write(securityResult(true));
    this.parser.phase = 'client-init';
  }

  private onClientInit(shared: boolean): void {
    const size = this.host.framebufferSize();
    this.clientSize = size;
    this.transport.write(serverInit(size.width, size.height, this.host.desktopName));
    this.parser.phase = 'messages';
    this.phase = 'ready';
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.host.clientReady(this, shared);
  }

  private onUpdateRequest(incremental: boolean): void {
    if (!this.encodings.has(Encoding.H264)) {
      throw new RfbProtocolError('RFB_NO_H264', 'client asked for an update without offering the H.264 encoding (50); this server sends only H.264');
    }
    this.updateRequested = true;
    // A non-incremental request asks for the whole picture: only a keyframe gives that (one
    // already waiting at the head of the queue will do).
    if (!incremental && !this.queue[0]?.keyframe) this.needKeyframe('full update requested');
    this.trySend();
  }

  /** Drops what is queued and waits for the next keyframe, which the server is asked for. */
  private needKeyframe(reason: string): void {
    this.stats.framesDropped += this.queue.length;
    this.queue = [];
    this.queuedBytes = 0;
    if (!this.awaitingKeyframe) this.pendingFlags |= H264Flags.ResetContext;
    this.awaitingKeyframe = true;
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

  private trySend(): void {
    if (this.phase !== 'ready' || this.queue.length === 0) return;
    if (this.transport.bufferedBytes > this.host.limits.writeHighWaterMark) {
      this.watchBacklog();
      return;
    }
    this.backedUpSince = null;
    if (!this.updateRequested) return;
    const first = this.queue[0]!;
    const { width, height } = first;
    // Frames of one size share a rectangle: noVNC decodes every access unit in it and shows the last.
    let count = 0;
    while (count < this.queue.length && this.queue[count]!.width === width && this.queue[count]!.height === height) count++;
    const batch = this.queue.splice(0, count);
    this.queuedBytes -= batch.reduce((n, p) => n + p.payload.length, 0);

    const parts: Buffer[] = [];
    let rects = 1;
    if (width !== this.clientSize.width || height !== this.clientSize.height) {
      if (this.encodings.has(Encoding.DesktopSize)) parts.push(desktopSizeRect(width, height));
      else if (this.encodings.has(Encoding.ExtendedDesktopSize)) parts.push(extendedDesktopSizeRect(width, height));
      else {
        this.violation(new RfbProtocolError('RFB_CANNOT_RESIZE', `framebuffer is now ${width}x${height} and the client supports neither DesktopSize nor ExtendedDesktopSize`));
        return;
      }
      rects++;
      this.clientSize = { width, height };
    }
    let flags = this.pendingFlags;
    if (this.lastVideoSize === null) flags |= H264Flags.ResetContext;
    else if (this.lastVideoSize.width !== width || this.lastVideoSize.height !== height) flags |= H264Flags.ResetAllContexts;
    this.pendingFlags = 0;
    this.lastVideoSize = { width, height };

    const length = batch.reduce((n, p) => n + p.payload.length, 0);
    parts.unshift(framebufferUpdateHeader(rects));
    parts.push(h264RectHeader(0, 0, width, height, length, flags));
    for (const p of batch) parts.push(p.payload);
    this.transport.writeMany(parts);

    this.updateRequested = false;
    this.stats.updatesSent++;
    this.stats.framesSent += batch.length;
    this.stats.keyframesSent += batch.filter((p) => p.keyframe).length;
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
    this.handshakeTimer = this.pollTimer = null;
    this.queue = [];
    this.queuedBytes = 0;
    this.host.clientClosed(this, reason, violation);
  }
}
