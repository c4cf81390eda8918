import { RfbProtocolError } from '../errors.js';
import type { ClientItem, ClientStreamParser } from './client-parser.js';
import { SecurityType } from './constants.js';
import type { ConnectionHost } from './connection-host.js';
import { securityRefusal, securityResult, securityTypes, serverInit } from './server-messages.js';
import type { RfbTransport } from './transport.js';
import { createChallenge, verifyVncAuthResponse } from './vnc-auth.js';

/** What the handshake tells its connection. */
export interface HandshakeEvents {
  /** Security passed (or none was needed). */
  authenticated(): void;
  /** VNC Authentication failed; `ended` follows. */
  authFailed(): void;
  /** ClientInit arrived (RFC 6143 §7.3.1): null to go on, or why the client is not admitted. */
  clientInit(shared: boolean): string | null;
  /** The handshake closed the connection: what the client is owed was written and the socket ended. */
  ended(reason: string, violation: RfbProtocolError | null): void;
  /** ServerInit was written: the client now believes the framebuffer is `size`. */
  ready(size: { width: number; height: number }): void;
}

/** The handshake items of the client stream (the rest are messages of a ready connection). */
export type HandshakeItem = Extract<
  ClientItem,
  { type: 'version' | 'security-choice' | 'auth-response' | 'client-init' }
>;

/**
 * RFC 6143 §7.1–7.3 from the server's side: ProtocolVersion, Security (None or VNC
 * Authentication, in the 3.3, 3.7 and 3.8 forms), ClientInit → ServerInit. It moves the parser
 * from phase to phase; the connection acts on its events.
 */
export class RfbHandshake {
  /** RFB minor version in use (3, 7 or 8). */
  minorVersion = 8;
  /** Passed security (or none was needed). */
  authenticated = false;
  /** ClientInit's shared-flag (RFC 6143 §7.3.1). */
  shared = true;
  private challenge: Buffer | null = null;

  constructor(
    private readonly transport: RfbTransport,
    private readonly parser: ClientStreamParser,
    private readonly host: Pick<ConnectionHost, 'auth' | 'desktopName' | 'pixelFormat' | 'framebufferSize'>,
    /** Set when the server is refusing this client; it is told why after the version exchange. */
    private readonly refusal: string | null,
    private readonly events: HandshakeEvents,
  ) {}

  handle(item: HandshakeItem): void {
    switch (item.type) {
      case 'version':
        return this.onVersion(item.major, item.minor);
      case 'security-choice':
        return this.onSecurityChoice(item.securityType);
      case 'auth-response':
        return this.onAuthResponse(item.response);
      case 'client-init':
        return this.onClientInit(item.shared);
    }
  }

  /** Writes what the client is owed (if anything), then ends the connection. */
  private end(reason: string, violation: RfbProtocolError | null, owed?: Buffer): void {
    if (owed) this.transport.write(owed);
    this.parser.phase = 'closed';
    this.transport.end();
    this.events.ended(reason, violation);
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
      const owed = Buffer.concat([Buffer.alloc(3), securityRefusal(reason)]);
      this.end(reason, new RfbProtocolError('RFB_BAD_VERSION', reason), owed);
      return;
    }
    if (this.refusal !== null) {
      // RFC 6143 §7.1.2: zero security types (3.3: type 0), then the reason string.
      const reason = securityRefusal(this.refusal);
      this.end(
        `refused: ${this.refusal}`,
        null,
        this.minorVersion === 3 ? Buffer.concat([Buffer.alloc(3), reason]) : reason,
      );
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
      this.passed();
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
      this.events.authFailed();
      this.end(
        'authentication failed',
        new RfbProtocolError('RFB_AUTH_FAILED', 'VNC authentication failed (wrong password)'),
        securityResult(false, this.minorVersion === 8 ? 'authentication failed' : undefined),
      );
      return;
    }
    this.transport.write(securityResult(true));
    this.passed();
  }

  private passed(): void {
    this.parser.phase = 'client-init';
    this.authenticated = true;
    this.events.authenticated();
  }

  private onClientInit(shared: boolean): void {
    this.shared = shared;
    const refused = this.events.clientInit(shared);
    if (refused !== null) {
      // RFC 6143 has no message for this after security: the connection is closed, with a log line.
      this.end(refused, null);
      return;
    }
    const size = this.host.framebufferSize();
    this.transport.write(serverInit(size.width, size.height, this.host.desktopName, this.host.pixelFormat));
    this.parser.phase = 'messages';
    this.events.ready(size);
  }
}
