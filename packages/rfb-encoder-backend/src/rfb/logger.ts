/** Where the server's log lines go. `console` by default; `'silent'` drops them. */
export interface RfbLogger {
  /** Verbose detail; optional. */
  debug?(line: string): void;
  /** Normal events (connections, backend choice). */
  info(line: string): void;
  /** Something a client or the app did wrong. */
  warn(line: string): void;
  /** Failures of the server or the encoder. */
  error(line: string): void;
}

/** Logs to the console with an `[rfb]` prefix (the default). */
export const consoleLogger: RfbLogger = {
  info: (line) => console.log(`[rfb] ${line}`),
  warn: (line) => console.warn(`[rfb] ${line}`),
  error: (line) => console.error(`[rfb] ${line}`),
};

/** Drops every line (`logger: 'silent'`). */
export const silentLogger: RfbLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
