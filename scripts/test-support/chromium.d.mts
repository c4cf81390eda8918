/** Debian's Chromium, or CHROMIUM_PATH. */
export const CHROMIUM_PATH: string;
/** Options for playwright's `chromium.launchPersistentContext(profileDir, options)`; `extra` is merged in. */
export function chromiumLaunchOptions<T extends object>(
  extra?: T,
): { executablePath: string; headless: true; args: string[] } & T;
