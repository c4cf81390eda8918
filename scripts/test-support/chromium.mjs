// How the repository's browser tests and scripts start Debian's Chromium through playwright-core
// (never `playwright install`). The flags are the ones that work on the CI machines, which have
// no GPU, no privileges for Chromium's sandbox and no network: one list, so a flag that a
// Chromium update needs added or dropped changes every caller at once.

/** Debian's Chromium, or CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Options for playwright's `chromium.launchPersistentContext(profileDir, options)`; `extra` is merged in. */
export function chromiumLaunchOptions(extra = {}) {
  return { executablePath: CHROMIUM_PATH, headless: true, args: [...FLAGS], ...extra };
}
