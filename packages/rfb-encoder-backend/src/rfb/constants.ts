/** RFC 6143 numbers, plus the H.264 encoding (50) as noVNC implements it. */

export const ClientMessage = {
  SetPixelFormat: 0,
  SetEncodings: 2,
  FramebufferUpdateRequest: 3,
  KeyEvent: 4,
  PointerEvent: 5,
  ClientCutText: 6,
  /** rfbproto ContinuousUpdates extension. */
  EnableContinuousUpdates: 150,
  /** rfbproto ExtendedDesktopSize: the client asks for a new size (refused here: the application owns the size). */
  SetDesktopSize: 251,
  /** rfbproto Fence extension. */
  ClientFence: 248,
} as const;

export const ServerMessage = {
  FramebufferUpdate: 0,
  SetColourMapEntries: 1,
  Bell: 2,
  ServerCutText: 3,
  EndOfContinuousUpdates: 150,
  ServerFence: 248,
} as const;

/** RFB security type numbers (RFC 6143 §7.2). */
export const SecurityType = {
  Invalid: 0,
  None: 1,
  VncAuthentication: 2,
} as const;

/** RFB encoding and pseudo-encoding numbers. */
export const Encoding = {
  Raw: 0,
  CopyRect: 1,
  Tight: 7,
  ZRLE: 16,
  H264: 50,
  /** Pseudo-encodings -32..-23: Tight JPEG quality 0-9. */
  QualityLevel0: -32,
  /** Pseudo-encodings -256..-247: zlib compression level 0-9. */
  CompressLevel0: -256,
  /** Pseudo-encoding: the client draws the pointer from a shape the server sends (rfbproto). */
  Cursor: -239,
  /** Pseudo-encoding: an update may end early with a LastRect rectangle (rfbproto). */
  LastRect: -224,
  /** Pseudo-encoding: the client speaks Fence (rfbproto). */
  Fence: -312,
  /** Pseudo-encoding: the client speaks ContinuousUpdates (rfbproto). */
  ContinuousUpdates: -313,
  /** Pseudo-encoding: the framebuffer changed size (RFC 6143 §7.8.2). */
  DesktopSize: -223,
  /** Pseudo-encoding: ExtendedDesktopSize (rfbproto extension). */
  ExtendedDesktopSize: -308,
} as const;

/** Flags word of an H.264 rectangle (after its 4-byte length). */
export const H264Flags = {
  ResetContext: 1,
  ResetAllContexts: 2,
} as const;

/** Flags of a Fence message (rfbproto). */
export const FenceFlags = {
  /** Everything sent before the fence is processed before it is answered. */
  BlockBefore: 1,
  /** Nothing sent after the fence is processed before it is answered. */
  BlockAfter: 2,
  /** The message after the fence is handled in step with the answer. */
  SyncNext: 4,
  /** This fence asks for an answer (clear in the answer). */
  Request: 0x80000000,
} as const;

export const PROTOCOL_VERSION_3_8 = 'RFB 003.008\n';
