/** Every error this package throws carries a stable `code`. */
export type RfbBackendErrorCode =
  | 'INVALID_FRAME'
  | 'UNSUPPORTED_FRAME'
  | 'BACKEND_CLOSED'
  | 'NO_BACKEND_AVAILABLE'
  | 'ENCODER_FAILED'
  | 'INVALID_OPTION'
  | 'SERVER_CLOSED'
  | 'NOVNC_NOT_FOUND';

/** Base class of this package's errors; `code` says which failure it is. */
export class RfbBackendError extends Error {
  readonly code: RfbBackendErrorCode | RfbProtocolErrorCode;
  constructor(code: RfbBackendErrorCode | RfbProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RfbBackendError';
    this.code = code;
  }
}

/** The frame is malformed: wrong data length, zero size, odd size where the format needs even. */
export class InvalidFrameError extends RfbBackendError {
  constructor(message: string) {
    super('INVALID_FRAME', message);
    this.name = 'InvalidFrameError';
  }
}

/** The frame is well formed but this backend cannot take it (e.g. rgb24 in CUDA memory). */
export class UnsupportedFrameError extends RfbBackendError {
  constructor(message: string) {
    super('UNSUPPORTED_FRAME', message);
    this.name = 'UnsupportedFrameError';
  }
}

/** The encoder backend was used after `close()`. */
export class BackendClosedError extends RfbBackendError {
  constructor() {
    super('BACKEND_CLOSED', 'the encoder backend is closed');
    this.name = 'BackendClosedError';
  }
}

/** The registry found no backend that can run; `attempts` says what each candidate answered. */
export class NoBackendAvailableError extends RfbBackendError {
  readonly attempts: readonly { name: string; reason: string }[];
  constructor(attempts: readonly { name: string; reason: string }[]) {
    super(
      'NO_BACKEND_AVAILABLE',
      'no encoder backend can run here:\n' + attempts.map((a) => `  - ${a.name}: ${a.reason}`).join('\n'),
    );
    this.name = 'NoBackendAvailableError';
    this.attempts = attempts;
  }
}

/** The underlying video encoder failed; `cause` is the encoder's own error (an NvencError for NVENC). */
export class EncoderFailedError extends RfbBackendError {
  constructor(message: string, cause: unknown) {
    super('ENCODER_FAILED', message, { cause });
    this.name = 'EncoderFailedError';
  }
}

/** An option has a value the server or backend cannot use. */
export class InvalidOptionError extends RfbBackendError {
  constructor(message: string) {
    super('INVALID_OPTION', message);
    this.name = 'InvalidOptionError';
  }
}

/** The RFB server was used after `close()`. */
export class ServerClosedError extends RfbBackendError {
  constructor() {
    super('SERVER_CLOSED', 'the RFB server is closed');
    this.name = 'ServerClosedError';
  }
}

/** Why a client connection was cut off. */
export type RfbProtocolErrorCode =
  | 'RFB_BAD_VERSION'
  | 'RFB_BAD_SECURITY_TYPE'
  | 'RFB_AUTH_FAILED'
  | 'RFB_BAD_MESSAGE'
  | 'RFB_UNKNOWN_MESSAGE'
  | 'RFB_MESSAGE_TOO_LARGE'
  | 'RFB_HANDSHAKE_TIMEOUT'
  | 'RFB_CLIENT_NOT_READING'
  | 'RFB_NO_H264'
  | 'RFB_CANNOT_RESIZE'
  | 'RFB_TRANSPORT';

/** A client broke RFC 6143 (or a limit of this server); the connection is closed with a log line. */
export class RfbProtocolError extends RfbBackendError {
  override readonly code: RfbProtocolErrorCode;
  constructor(code: RfbProtocolErrorCode, message: string) {
    super(code, message);
    this.name = 'RfbProtocolError';
    this.code = code;
  }
}
