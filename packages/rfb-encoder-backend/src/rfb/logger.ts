/** Where the server's log lines go. `console` by default; `'silent'` drops them. */
export interface RfbLogger {
  debug?(line: string): void;
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export const consoleLogger: RfbLogger = {
  info: (line) => console.log(`[rfb] ${line}`),
  warn: (line) => console.warn(`[rfb] ${line}`),
  error: (line) => console.error(`[rfb] ${line}`),
};

export const silentLogger: RfbLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
