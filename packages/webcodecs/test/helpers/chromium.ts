/**
 * Headless Debian Chromium driven by playwright-core (never `playwright install`), serving this
 * package's test files from a local HTTP server: WebCodecs needs a secure context, and
 * http://127.0.0.1 is one.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH, chromiumLaunchOptions } from '../../../../scripts/test-support/chromium.mjs';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.html': 'text/html',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

export interface BrowserSession {
  page: Page;
  url: string;
  close(): Promise<void>;
}

/** Serves `root` (read-only) and opens a page on it. */
export async function openBrowser(root: string): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`${CHROMIUM_PATH} not found: apt-get install chromium (scripts/bootstrap.sh installs it)`);
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(root, path === '/' ? 'index.html' : path);
    if (!file.startsWith(root) || !existsSync(file)) {
      if (path === '/' || path === '/index.html') {
        res.setHeader('content-type', 'text/html');
        res.end('<!doctype html><meta charset="utf-8"><title>webcodecs test</title><body></body>');
        return;
      }
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const userDataDir = mkdtempSync(join(tmpdir(), 'webcodecs-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, chromiumLaunchOptions());
  } catch (err) {
    server.close();
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const url = `http://127.0.0.1:${port}/`;
  await page.goto(url);
  return {
    page,
    url,
    async close() {
      await context.close();
      server.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
