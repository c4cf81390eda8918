// What an RfbClientConnection and its server say to each other: the server side (ConnectionHost)
// and the client's identity, counters and mode as events and the API report them.
import type { RfbProtocolError } from '../errors.js';
import type { RfbClientConnection } from './client-connection.js';
import type { ClientItem, PixelFormat } from './client-parser.js';
import type { RfbLimits } from './client-limits.js';
import type { CursorShape } from './encodings/cursor.js';
import type { Framebuffer } from './framebuffer.js';

/** How clients authenticate: none, or VNC Authentication with a password. */
export type RfbAuth = { type: 'none' } | { type: 'vnc'; password: string };

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
