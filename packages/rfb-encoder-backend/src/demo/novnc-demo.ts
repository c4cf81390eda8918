import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import type { EncoderBackend } from '../backend/types.js';
import { RfbBackendError } from '../errors.js';
import type { RfbLogger } from '../rfb/logger.js';
import { RfbServer } from '../rfb/server.js';
import type { RfbLimits } from '../rfb/client-limits.js';

export interface NoVncDemoOptions {
  backend: EncoderBackend;
  /** Default 127.0.0.1. */
  host?: string;
  /** HTTP port serving the page, noVNC and the WebSocket (`/websockify`). Default 6080; 0 = any free port. */
  httpPort?: number;
  /** Also listen for plain VNC viewers on this TCP port. */
  tcpPort?: number;
  /** VNC password; the page asks the user for it (noVNC's credentialsrequired), it is never written into the page. Default: none. */
  password?: string;
  /** Web origins allowed to open the WebSocket besides the page itself (see RfbServerOptions.allowedOrigins). */
  allowedOrigins?: readonly string[] | '*';
  /** Needed to serve a non-loopback host without a password (see RfbServerOptions.allowUnauthenticatedRemote). */
  allowUnauthenticatedRemote?: boolean;
  initialSize?: { width: number; height: number };
  logger?: RfbLogger | 'silent';
  limits?: Partial<RfbLimits>;
  /**
   * Print every key event and clipboard text clients send (to stdout). Default false: keystrokes
   * are passwords and private text, so logging them is something to ask for.
   */
  logInput?: boolean;
  /** noVNC log level in the page (`error`, `warn`, `info`, `debug`). Default `warn`. */
  noVncLogLevel?: 'error' | 'warn' | 'info' | 'debug';
}

export interface NoVncDemo {
  /** Page to open in a browser. */
  url: string;
  server: RfbServer;
  http: Server;
  tcpPort?: number;
  close(): Promise<void>;
}

/** Where the `@novnc/novnc` package lies (its `core/` holds the ES modules the page imports). */
export function findNoVnc(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@novnc/novnc'); // .../core/rfb.js
    return dirname(dirname(entry));
  } catch (error) {
    throw new RfbBackendError(
      'NOVNC_NOT_FOUND',
      `the demo needs @novnc/novnc 1.7.0: pnpm add @novnc/novnc@1.7.0 (${(error as Error).message})`,
    );
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

function pageHtml(options: { logLevel: string }): string {
  return `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>nvenc-ts RFB demo</title>
<style>
  body { margin: 0; background: #111; color: #ccc; font: 14px system-ui, sans-serif; }
  #status { padding: 6px 10px; }
  #screen { display: inline-block; }
  #login { padding: 6px 10px; }
</style>
</head>
<body>
<div id="status">connecting…</div>
<form id="login" hidden><label>VNC password <input id="password" type="password" autocomplete="current-password"></label> <button type="submit">Log in</button></form>
<div id="screen"></div>
<script type="module">
import RFB from './novnc/core/rfb.js';
import * as Log from './novnc/core/util/logging.js';
Log.initLogging(${JSON.stringify(options.logLevel)});
const status = document.getElementById('status');
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/websockify';
const rfb = new RFB(document.getElementById('screen'), url, { shared: true });
rfb.scaleViewport = false;
rfb.resizeSession = false;
window.demo = { rfb, connected: false, disconnected: false, reason: '' };
rfb.addEventListener('connect', () => { window.demo.connected = true; status.textContent = 'connected to ' + url; });
rfb.addEventListener('disconnect', (e) => {
  window.demo.disconnected = true;
  window.demo.reason = e.detail.clean ? 'clean' : 'error';
  status.textContent = 'disconnected (' + window.demo.reason + ')';
});
rfb.addEventListener('securityfailure', (e) => { status.textContent = 'security failure: ' + e.detail.reason; });
// The password is asked for here, never served in the page.
const login = document.getElementById('login');
const password = document.getElementById('password');
rfb.addEventListener('credentialsrequired', () => { login.hidden = false; password.focus(); status.textContent = 'password required'; });
login.addEventListener('submit', (e) => {
  e.preventDefault();
  login.hidden = true;
  rfb.sendCredentials({ password: password.value });
  password.value = '';
});
</script>
</body>
</html>
`;
}

/**
 * One HTTP port serving a noVNC page, noVNC's modules and the RFB WebSocket: open the URL and the
 * backend's stream plays. The page must be loaded from http://127.0.0.1 or localhost (or https):
 * WebCodecs, which noVNC's H.264 decoder uses, exists only in secure contexts.
 */
export async function startNoVncDemo(options: NoVncDemoOptions): Promise<NoVncDemo> {
  const novnc = findNoVnc();
  const host = options.host ?? '127.0.0.1';
  const html = pageHtml({ logLevel: options.noVncLogLevel ?? 'warn' });
  const http = createServer((request, response) => {
    try {
      serve(novnc, html, request.url ?? '/', response);
    } catch (error) {
      // Never let one request take the process down.
      if (!response.headersSent) plain(response, 500, 'internal error\n');
      else response.destroy(error as Error);
    }
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort ?? 6080, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (e) => console.error(`rfb demo HTTP server: ${e.message}`));
  http.on('clientError', (_e, socket) => socket.destroy());
  const server = new RfbServer({
    backend: options.backend,
    host,
    httpServer: http,
    webSocketPath: '/websockify',
    ...(options.tcpPort !== undefined ? { tcpPort: options.tcpPort } : {}),
    ...(options.password !== undefined ? { auth: { type: 'vnc' as const, password: options.password } } : {}),
    ...(options.allowedOrigins !== undefined ? { allowedOrigins: options.allowedOrigins } : {}),
    ...(options.allowUnauthenticatedRemote !== undefined
      ? { allowUnauthenticatedRemote: options.allowUnauthenticatedRemote }
      : {}),
    ...(options.initialSize ? { initialSize: options.initialSize } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    desktopName: 'nvenc-ts demo',
  });
  let addresses;
  try {
    addresses = await server.listen();
  } catch (error) {
    await new Promise<void>((r) => http.close(() => r()));
    throw error;
  }
  if (options.logInput === true) {
    server.on('key', (e) =>
      console.log(`key ${e.down ? 'down' : 'up'} keysym 0x${e.keysym.toString(16)} from client #${e.client.id}`),
    );
    server.on('clipboard', (e) =>
      console.log(`clipboard from client #${e.client.id}: ${JSON.stringify(e.text.slice(0, 80))}`),
    );
  }
  const port = (http.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    server,
    http,
    ...(addresses.tcp ? { tcpPort: addresses.tcp.port } : {}),
    async close() {
      await server.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  response.end(text);
}

/** The page, or one of noVNC's files under core/ or vendor/; anything else (or malformed) is 400/404. */
function serve(novnc: string, html: string, url: string, response: ServerResponse): void {
  let path: string;
  try {
    // '//' or a bare '%' are not valid URLs/escapes: a client error, not ours.
    path = decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    plain(response, 400, 'bad request\n');
    return;
  }
  if (path.includes('\0')) {
    plain(response, 400, 'bad request\n');
    return;
  }
  if (path === '/' || path === '/index.html') {
    response.writeHead(200, {
      'content-type': CONTENT_TYPES['.html']!,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    response.end(html);
    return;
  }
  if (path.startsWith('/novnc/')) {
    const relative = normalize(path.slice('/novnc/'.length));
    const file = join(novnc, relative);
    const inside =
      (relative.startsWith('core' + sep) || relative.startsWith('vendor' + sep)) && file.startsWith(novnc + sep);
    const stat = inside ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (stat?.isFile()) {
      const ext = file.slice(file.lastIndexOf('.'));
      response.writeHead(200, {
        'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
        'content-length': stat.size,
        'x-content-type-options': 'nosniff',
      });
      createReadStream(file)
        .on('error', () => response.destroy())
        .pipe(response);
      return;
    }
  }
  plain(response, 404, 'not found\n');
}
