import { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { InvalidOptionError, RfbProtocolError, ServerClosedError } from '../errors.js';
import type { EncodedPayload, EncoderBackend, RawFrame } from '../backend/types.js';
import { pixelFormatProblem, type ClientItem, type PixelFormat } from './client-parser.js';
import { defaultCursor, type CursorShape } from './encodings/cursor.js';
import { framebufferFromFrame, type Framebuffer } from './framebuffer.js';
import { RfbClientConnection } from './client-connection.js';
import { DEFAULT_LIMITS, receiveBufferFor, type RfbLimits } from './client-limits.js';
import type { ConnectionHost, RfbAuth, RfbClientInfo, RfbClientMode, RfbClientStats } from './connection-host.js';
import { consoleLogger, silentLogger, type RfbLogger } from './logger.js';
import { bell, SERVER_PIXEL_FORMAT, serverCutText } from './server-messages.js';
import { tcpTransport, webSocketTransport, type RfbTransport } from './transport.js';

/** Options of `new RfbServer()`; one of tcpPort, webSocketPort or httpServer is required. */
export interface RfbServerOptions {
  /** Encodes the frames given to pushFrame(). The server does not close it. */
  backend: EncoderBackend;
  /** Interface to listen on. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Plain TCP listener (VNC viewers). Omit for none; 0 = any free port. */
  tcpPort?: number;
  /** WebSocket listener (noVNC). Omit for none; 0 = any free port. */
  webSocketPort?: number;
  /** Serve WebSocket upgrades on an existing HTTP server instead of webSocketPort. */
  httpServer?: HttpServer;
  /** Accept WebSocket upgrades only on this path (default: any path). */
  webSocketPath?: string;
  /**
   * Default `{ type: 'none' }`. `{ type: 'vnc', password }`: VNC Authentication (only the first 8
   * characters count; characters above U+00FF are refused, as the DES key holds bytes).
   */
  auth?: RfbAuth;
  /**
   * Listening on anything but loopback without a password is refused unless this is `true`:
   * anyone who can reach the port could watch the screen and type.
   */
  allowUnauthenticatedRemote?: boolean;
  /**
   * Web pages (Origin header values, e.g. `https://app.example`) whose scripts may open the
   * WebSocket; `'*'` for any. Default: only a page from the same host and port as the WebSocket
   * itself (the Host header), plus clients that send no Origin (not browsers). Without this, any
   * site the user visits could connect to a loopback server, watch and type.
   */
  allowedOrigins?: readonly string[] | '*';
  /** Pixel format announced in ServerInit, used for clients that never send SetPixelFormat. Default 32 bpp B,G,R,X. */
  pixelFormat?: PixelFormat;
  /** Pointer shape sent to clients that offer the Cursor pseudo-encoding (-239). Default: an arrow; null for none. */
  cursor?: CursorShape | null;
  desktopName?: string;
  /** Framebuffer size announced before the first frame is pushed. Default 640x480. */
  initialSize?: { width: number; height: number };
  limits?: Partial<RfbLimits>;
  logger?: RfbLogger | 'silent';
  /**
   * A client asking for exclusive access (ClientInit shared-flag 0). RFC 6143 §7.3.1: the server
   * gives it exclusive access by disconnecting all other clients — `'disconnect-others'`
   * (default, as TigerVNC does). `'refuse'`: it is closed instead while another client is
   * connected. `'ignore'`: treated as shared (every client always shares the desktop).
   * Without authentication any peer that can connect can use the default to disconnect everyone
   * else: a server that many people watch wants `'refuse'` or `'ignore'`.
   */
  exclusiveClients?: 'disconnect-others' | 'refuse' | 'ignore';
}

/** A KeyEvent from a viewer. */
export interface RfbKeyEvent {
  client: RfbClientInfo;
  down: boolean;
  /** X11 keysym. */
  keysym: number;
}

/**
 * A PointerEvent from a viewer, in framebuffer coordinates: always inside the framebuffer (a
 * position a client sends beyond it, which RFC 6143 gives no meaning, is clamped to the edge).
 */
export interface RfbPointerEvent {
  client: RfbClientInfo;
  /** Bit n = button n+1 pressed (1 left, 2 middle, 4 right, 8/16 wheel up/down). */
  buttonMask: number;
  x: number;
  y: number;
}

/** ClientCutText from a viewer (Latin-1 text). */
export interface RfbClipboardEvent {
  client: RfbClientInfo;
  text: string;
}

/** Events of `RfbServer` and their arguments. */
export interface RfbServerEvents {
  connect: [client: RfbClientInfo];
  disconnect: [client: RfbClientInfo, reason: string];
  key: [event: RfbKeyEvent];
  pointer: [event: RfbPointerEvent];
  clipboard: [event: RfbClipboardEvent];
  /** Each batch of payloads the backend produced (after the clients were offered them). */
  encoded: [payloads: EncodedPayload[]];
  /** The backend failed on a frame; the server keeps running. */
  error: [error: Error];
}

/** The addresses `listen()` bound. */
export interface RfbListenAddresses {
  tcp?: AddressInfo;
  webSocket?: AddressInfo;
}

/** A connected client's state as `clients()` reports it. */
export interface RfbClientSnapshot extends RfbClientInfo {
  /** Handshake done. */
  ready: boolean;
  /** Ready and has asked for H.264: it is sent video. */
  watching: boolean;
  /** `h264` (shared stream) or the image encoding its rectangles use. */
  mode: RfbClientMode;
  continuousUpdates: boolean;
  queuedFrames: number;
  stats: RfbClientStats;
}

/**
 * RFB 3.8 server (RFC 6143) that streams the backend's H.264 (encoding 50) to every client over
 * TCP and/or WebSocket. The application pushes frames and listens for input events.
 */
export class RfbServer extends EventEmitter<RfbServerEvents> {
  private readonly backend: EncoderBackend;
  private readonly options: RfbServerOptions;
  private readonly logger: RfbLogger;
  private readonly limits: RfbLimits;
  private readonly auth: RfbAuth;
  private readonly connections = new Set<RfbClientConnection>();
  private nextClientId = 1;
  private tcpServer: TcpServer | null = null;
  private wsServer: WebSocketServer | null = null;
  private closed = false;
  private size: { width: number; height: number };
  private lastFrame: RawFrame | null = null;
  private pendingFrame: RawFrame | null = null;
  private pendingResolvers: (() => void)[] = [];
  private encoding = false;
  private keyframeWanted = false;
  private keyframeTimer: NodeJS.Timeout | null = null;
  /** The last pushed frame as image-path clients read it (null: not readable, e.g. CUDA). */
  private picture: Framebuffer | null = null;
  private pictureSource: RawFrame | null = null;
  private warnedUnreadable = false;
  private cursorShape: CursorShape | null;
  /** Failed authentications per address, and until when it is refused. */
  private readonly authFailures = new Map<string, { count: number; blockedUntil: number }>();

  constructor(options: RfbServerOptions) {
    super();
    this.options = options;
    this.backend = options.backend;
    this.logger = options.logger === 'silent' ? silentLogger : (options.logger ?? consoleLogger);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    if (options.limits?.maxReceiveBufferBytes === undefined)
      this.limits.maxReceiveBufferBytes = receiveBufferFor(this.limits.maxCutTextBytes);
    this.auth = options.auth ?? { type: 'none' };
    if (options.pixelFormat) {
      const problem = pixelFormatProblem(options.pixelFormat);
      if (problem) throw new InvalidOptionError(`pixelFormat: ${problem}`);
    }
    if (this.auth.type === 'vnc') checkPassword(this.auth.password);
    this.cursorShape = options.cursor === undefined ? defaultCursor() : options.cursor;
    this.size = options.initialSize ?? { width: 640, height: 480 };
    if (options.tcpPort === undefined && options.webSocketPort === undefined && !options.httpServer) {
      throw new InvalidOptionError('give tcpPort, webSocketPort or httpServer: the server needs somewhere to listen');
    }
    this.checkExposure(options.host ?? '127.0.0.1');
  }

  /** Refuses a non-loopback listener without authentication unless the caller opted in. */
  private checkExposure(host: string): void {
    if (this.auth.type !== 'none' || this.options.allowUnauthenticatedRemote === true || isLoopback(host)) return;
    throw new InvalidOptionError(
      `refusing to listen on ${host} without a password: anyone who can reach it could watch the screen and send keys. ` +
        `Set auth: { type: 'vnc', password } (and put TLS in front), bind 127.0.0.1, or pass allowUnauthenticatedRemote: true if that is really meant`,
    );
  }

  /** Starts the listeners; resolves with the bound addresses (useful with port 0). */
  async listen(): Promise<RfbListenAddresses> {
    if (this.closed) throw new ServerClosedError();
    const host = this.options.host ?? '127.0.0.1';
    const out: RfbListenAddresses = {};
    if (this.options.tcpPort !== undefined) {
      const server = createTcpServer((socket) => this.accept(tcpTransport(socket)));
      this.tcpServer = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.tcpPort, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      // After start-up too (EMFILE on accept, …): an 'error' without a listener would kill the process.
      server.on('error', (e) => this.logger.error(`TCP listener: ${e.message}`));
      out.tcp = server.address() as AddressInfo;
    }
    if (this.options.webSocketPort !== undefined || this.options.httpServer) {
      const wss = new WebSocketServer({
        ...(this.options.httpServer ? { server: this.options.httpServer } : { port: this.options.webSocketPort, host }),
        ...(this.options.webSocketPath ? { path: this.options.webSocketPath } : {}),
        // One WebSocket message never needs to exceed the largest client message.
        maxPayload: this.limits.maxCutTextBytes + 64 * 1024,
        perMessageDeflate: false,
        // noVNC asks for the 'binary' subprotocol; answer it when offered.
        handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
        verifyClient: (
          info: { origin: string; req: IncomingMessage },
          done: (ok: boolean, code?: number, message?: string) => void,
        ) => {
          if (originAllowed(info.origin, info.req.headers.host, this.options.allowedOrigins)) return done(true);
          this.logger.warn(
            `refused a WebSocket from origin ${JSON.stringify(info.origin)} (${info.req.socket.remoteAddress ?? '?'}): not in allowedOrigins`,
          );
          done(false, 403, 'origin not allowed');
        },
      });
      this.wsServer = wss;
      wss.on('error', (e) => this.logger.error(`WebSocket listener: ${e.message}`));
      wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
        const remote = `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
        this.accept(webSocketTransport(ws, remote, request.socket.remoteAddress ?? '?'));
      });
      if (!this.options.httpServer) {
        await new Promise<void>((resolve, reject) => {
          wss.once('error', reject);
          wss.once('listening', () => {
            wss.off('error', reject);
            resolve();
          });
        });
        out.webSocket = wss.address() as AddressInfo;
      } else {
        const address = this.options.httpServer.address();
        if (address && typeof address === 'object') {
          out.webSocket = address;
          this.checkExposure(address.address);
        }
      }
    }
    return out;
  }

  /** The framebuffer size clients are told (the last encoded frame's). */
  get framebufferSize(): { width: number; height: number } {
    return { ...this.size };
  }

  /** The connected clients and their counters. */
  clients(): RfbClientSnapshot[] {
    return [...this.connections].map((c) => ({
      ...c.info,
      ready: c.ready,
      watching: c.wantsVideo,
      mode: c.mode,
      continuousUpdates: c.continuousUpdates,
      queuedFrames: c.queuedFrames,
      stats: { ...c.stats },
    }));
  }

  /** Changes the pointer shape clients with the Cursor pseudo-encoding draw (null: none). */
  setCursor(shape: CursorShape | null): void {
    this.cursorShape = shape;
    for (const c of this.connections) c.cursorChanged();
  }

  /**
   * Offers a frame to the clients. Frames pushed while the backend is busy are coalesced to the
   * newest (real-time: a late frame is worth nothing). With no client watching nothing is encoded.
   * The server keeps the last frame to answer keyframe requests while the picture is still, so do
   * not modify a frame's data after pushing it.
   */
  pushFrame(frame: RawFrame): Promise<void> {
    if (this.closed) return Promise.reject(new ServerClosedError());
    this.lastFrame = frame;
    this.picture = null;
    this.pictureSource = frame;
    const imageClients = [...this.connections].filter((c) => c.wantsImage);
    if (imageClients.length > 0) {
      if (frame.width !== this.size.width || frame.height !== this.size.height)
        this.size = { width: frame.width, height: frame.height };
      for (const c of imageClients) c.offerPicture();
    }
    if (![...this.connections].some((c) => c.wantsVideo)) {
      if (frame.width !== this.size.width || frame.height !== this.size.height)
        this.size = { width: frame.width, height: frame.height };
      return Promise.resolve();
    }
    this.pendingFrame = frame;
    const done = new Promise<void>((resolve) => this.pendingResolvers.push(resolve));
    this.pump();
    return done;
  }

  /**
   * ServerCutText to every ready client. RFC 6143 §7.6.4: the text is Latin-1 with bare LF line
   * ends: CR LF and lone CR become LF; a character above U+00FF is an `InvalidOptionError`
   * (nothing is sent), not silently mangled.
   */
  sendClipboard(text: string): void {
    const bad = [...text].find((ch) => ch.codePointAt(0)! > 0xff);
    if (bad !== undefined)
      throw new InvalidOptionError(
        `clipboard text must be Latin-1 (RFC 6143 §7.6.4); ${JSON.stringify(bad)} is ${codePoint(bad)}`,
      );
    const message = serverCutText(text.replace(/\r\n?/g, '\n'));
    for (const c of this.connections) if (c.ready) c.send(message);
  }

  /** Rings the bell on every ready client. */
  bell(): void {
    for (const c of this.connections) if (c.ready) c.send(bell());
  }

  /** Closes the connection of one client. */
  disconnect(clientId: number, reason = 'disconnected by the application'): void {
    for (const c of this.connections) if (c.info.id === clientId) c.close(reason);
  }

  /** Stops listening and disconnects every client. The backend stays open (it is the caller's). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.keyframeTimer) clearTimeout(this.keyframeTimer);
    for (const c of [...this.connections]) c.close('server closing');
    const resolvers = this.pendingResolvers;
    this.pendingResolvers = [];
    for (const r of resolvers) r();
    await Promise.all([
      this.tcpServer ? new Promise<void>((r) => this.tcpServer!.close(() => r())) : undefined,
      this.wsServer ? new Promise<void>((r) => this.wsServer!.close(() => r())) : undefined,
    ]);
  }

  /** The last pushed frame for the image path, converted once, on first use. */
  private framebuffer(): Framebuffer | null {
    if (!this.picture && this.pictureSource) {
      this.picture = framebufferFromFrame(this.pictureSource);
      if (!this.picture && !this.warnedUnreadable) {
        this.warnedUnreadable = true;
        this.logger.warn(
          'frames in CUDA memory cannot be sent to clients without H.264 (Raw/ZRLE/Tight need the pixels on the CPU)',
        );
      }
      if (this.picture) this.pictureSource = null;
    }
    return this.picture;
  }

  private accept(transport: RfbTransport): void {
    if (this.closed) {
      transport.close();
      return;
    }
    const host: ConnectionHost = {
      auth: this.auth,
      desktopName: this.options.desktopName ?? 'nvenc-ts',
      limits: this.limits,
      pixelFormat: this.options.pixelFormat ?? SERVER_PIXEL_FORMAT,
      framebufferSize: () => this.framebufferSize,
      framebuffer: () => this.framebuffer(),
      cursor: () => this.cursorShape,
      requestKeyframe: () => this.requestKeyframe(),
      clientAuthenticated: () => {},
      clientAuthFailed: (client) => this.authFailed(client.address),
      clientInit: (client, shared) => this.clientInit(client, shared),
      clientReady: (client) => this.clientReady(client),
      clientEncodings: (client, list) =>
        this.logger.debug?.(
          `client #${client.info.id} encodings [${list.join(', ')}]: served ${client.mode}${client.continuousUpdates ? ', continuous' : ''}`,
        ),
      clientPixelFormat: (client, f) =>
        this.logger.debug?.(
          `client #${client.info.id} pixel format ${f.bitsPerPixel} bpp depth ${f.depth} ${f.bigEndian ? 'big' : 'little'}-endian ` +
            (f.trueColour
              ? `true colour max ${f.redMax},${f.greenMax},${f.blueMax} shift ${f.redShift},${f.greenShift},${f.blueShift}`
              : 'colour map'),
        ),
      clientInput: (client, item) => this.clientInput(client, item),
      clientClosed: (client, reason, violation) => this.clientClosed(client, reason, violation),
    };
    const refusal = this.refusalFor(transport.address);
    if (!refusal) this.makeRoomForPending(transport.address);
    const client = new RfbClientConnection(this.nextClientId++, transport, host, refusal);
    if (refusal)
      this.logger.warn(`refusing client #${client.info.id} (${transport.kind} ${transport.remote}): ${refusal}`);
    this.connections.add(client);
    this.logger.debug?.(`client #${client.info.id} connected (${transport.kind} ${transport.remote})`);
  }

  private refusalFor(address: string): string | null {
    const failures = this.authFailures.get(address);
    const now = Date.now();
    if (failures && failures.blockedUntil > now) {
      return `too many authentication failures from ${address}; try again in ${Math.ceil((failures.blockedUntil - now) / 1000)} s`;
    }
    const authenticated = [...this.connections].filter((c) => c.authenticated).length;
    if (authenticated >= this.limits.maxClients) return `too many clients (limit ${this.limits.maxClients})`;
    return null;
  }

  /**
   * Pre-authentication connections are capped in total and per address; a new one pushes out
   * the oldest (of its own address first), so idle or slow-loris sockets cannot keep a real
   * client from logging in (it is always the newest).
   */
  private makeRoomForPending(address: string): void {
    const pending = [...this.connections].filter((c) => !c.authenticated).sort((a, b) => a.openedAt - b.openedAt);
    const sameAddress = pending.filter((c) => c.address === address);
    if (sameAddress.length >= this.limits.maxPendingPerAddress) {
      sameAddress[0]!.close(
        `more than ${this.limits.maxPendingPerAddress} unauthenticated connections from ${address}`,
      );
      return;
    }
    if (pending.length >= this.limits.maxPendingClients)
      pending[0]!.close(`more than ${this.limits.maxPendingClients} unauthenticated connections`);
  }

  /** TigerVNC-style blacklist: after N failures an address is refused for a period that doubles. */
  private authFailed(address: string): void {
    const entry = this.authFailures.get(address) ?? { count: 0, blockedUntil: 0 };
    entry.count++;
    if (entry.count >= this.limits.authFailuresBeforeBlock) {
      const period = Math.min(
        this.limits.authBlockMaxMs,
        this.limits.authBlockMs * 2 ** (entry.count - this.limits.authFailuresBeforeBlock),
      );
      entry.blockedUntil = Date.now() + period;
      this.logger.warn(
        `${entry.count} failed authentications from ${address}: refusing it for ${Math.round(period / 1000)} s`,
      );
    }
    this.authFailures.set(address, entry);
    // Bounded: forget the oldest addresses past a few thousand.
    if (this.authFailures.size > 4096) this.authFailures.delete(this.authFailures.keys().next().value!);
  }

  /** RFC 6143 §7.3.1 shared-flag: see `RfbServerOptions.exclusiveClients`. */
  private clientInit(client: RfbClientConnection, shared: boolean): string | null {
    if (shared) return null;
    const policy = this.options.exclusiveClients ?? 'disconnect-others';
    const others = [...this.connections].filter((c) => c !== client && c.ready);
    if (policy === 'refuse' && others.length > 0)
      return `asked for exclusive access while ${others.length} other client(s) are connected (exclusiveClients: 'refuse')`;
    if (policy === 'disconnect-others') {
      for (const other of [...this.connections])
        if (other !== client) other.close(`client #${client.info.id} asked for exclusive access (shared-flag 0)`);
    }
    return null;
  }

  private clientReady(client: RfbClientConnection): void {
    this.authFailures.delete(client.address);
    this.logger.info(
      `client #${client.info.id} (${client.info.transport} ${client.info.remote}) ready, RFB 3.${client.minorVersion}, ${client.shared ? 'shared' : 'exclusive'}`,
    );
    this.emit('connect', client.info);
  }

  private clientInput(client: RfbClientConnection, item: ClientItem): void {
    if (item.type === 'key') this.emit('key', { client: client.info, down: item.down, keysym: item.keysym });
    else if (item.type === 'pointer')
      this.emit('pointer', {
        client: client.info,
        buttonMask: item.buttonMask,
        x: Math.min(item.x, Math.max(0, this.size.width - 1)),
        y: Math.min(item.y, Math.max(0, this.size.height - 1)),
      });
    else if (item.type === 'cut-text') this.emit('clipboard', { client: client.info, text: item.text });
  }

  private clientClosed(client: RfbClientConnection, reason: string, violation: RfbProtocolError | null): void {
    this.connections.delete(client);
    const who = `client #${client.info.id} (${client.info.transport} ${client.info.remote})`;
    if (violation) this.logger.warn(`cut off ${who}: ${violation.code}: ${violation.message}`);
    else this.logger.info(`${who} disconnected: ${reason}`);
    this.emit('disconnect', client.info, violation ? `${violation.code}: ${violation.message}` : reason);
  }

  /**
   * Next encode is an IDR. When no new frame is coming (still picture), the last frame is encoded
   * again; requests from several clients in the same moment share one keyframe.
   */
  private requestKeyframe(): void {
    this.keyframeWanted = true;
    if (this.keyframeTimer || this.closed) return;
    this.keyframeTimer = setTimeout(() => {
      this.keyframeTimer = null;
      if (this.keyframeWanted && !this.encoding && !this.pendingFrame && this.lastFrame) {
        this.pendingFrame = this.lastFrame;
        this.pump();
      }
    }, 5);
    this.keyframeTimer.unref();
  }

  private pump(): void {
    if (this.encoding || !this.pendingFrame || this.closed) return;
    const frame = this.pendingFrame;
    const resolvers = this.pendingResolvers;
    this.pendingFrame = null;
    this.pendingResolvers = [];
    const forceKeyframe = this.keyframeWanted;
    this.keyframeWanted = false;
    this.encoding = true;
    let failed = false;
    this.backend
      .encode(frame, { forceKeyframe })
      .then(
        (payloads) => this.distribute(payloads),
        (error: unknown) => {
          const e = error instanceof Error ? error : new Error(String(error));
          this.logger.error(`encoding frame seq ${frame.seq} failed: ${e.message}`);
          failed = true;
          if (forceKeyframe) this.keyframeWanted = true;
          if (this.listenerCount('error') > 0) this.emit('error', e);
        },
      )
      .finally(() => {
        this.encoding = false;
        for (const r of resolvers) r();
        // A keyframe asked for during this encode still has to come, even if no new frame does
        // (not after a failure: re-encoding the same frame would fail again).
        if (!failed && !this.pendingFrame && this.keyframeWanted && this.lastFrame && !this.closed)
          this.requestKeyframe();
        this.pump();
      });
  }

  private distribute(payloads: EncodedPayload[]): void {
    for (const payload of payloads) {
      this.size = { width: payload.width, height: payload.height };
      for (const c of [...this.connections]) c.offerVideo(payload);
    }
    if (payloads.length) this.emit('encoded', payloads);
  }
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h.startsWith('::ffff:127.');
}

/** `U+XXXX` of a character, for error messages. */
function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Characters the DES key can hold: Latin-1, one byte each; and at least one. */
function checkPassword(password: string): void {
  if (password.length === 0) throw new InvalidOptionError('VNC authentication needs a non-empty password');
  for (const ch of password) {
    if (ch.codePointAt(0)! > 0xff) {
      throw new InvalidOptionError(
        `VNC passwords are Latin-1 (the DES key holds one byte per character); ${JSON.stringify(ch)} is ${codePoint(ch)}`,
      );
    }
  }
}

/** Origin policy of the WebSocket listener (see `allowedOrigins`). */
export function originAllowed(
  origin: string | undefined,
  hostHeader: string | undefined,
  allowed: readonly string[] | '*' | undefined,
): boolean {
  if (!origin) return true; // not a browser: browsers always send Origin on WebSocket requests
  if (allowed === '*') return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (allowed) return allowed.some((a) => a === origin || a === parsed.origin);
  return hostHeader !== undefined && parsed.host === hostHeader.toLowerCase();
}
