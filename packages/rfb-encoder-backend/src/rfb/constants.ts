/** RFC 6143 numbers, plus the H.264 encoding (50) as noVNC implements it. */

export const ClientMessage = {
  SetPixelFormat: 0,
  SetEncodings: 2,
  FramebufferUpdateRequest: 3,
  KeyEvent: 4,
  PointerEvent: 5,
  ClientCutText: 6,
} as const;

export const ServerMessage = {
  FramebufferUpdate: 0,
  SetColourMapEntries: 1,
  Bell: 2,
  ServerCutText: 3,
} as const;

export const SecurityType = {
  Invalid: 0,
  None: 1,
  VncAuthentication: 2,
} as const;

export const Encoding = {
  Raw: 0,
  H264: 50,
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

export const PROTOCOL_VERSION_3_8 = 'RFB 003.008\n';
