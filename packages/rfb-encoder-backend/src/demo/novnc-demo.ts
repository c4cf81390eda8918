import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import type { EncoderBackend } from '../backend/types.js';
import { RfbBackendError } from '../errors.js';
import type { RfbLogger } from '../rfb/logger.js';
import { RfbServer } from '../rfb/server.js';
import type { RfbLimits } from '../rfb/client-connection.js';

export interface NoVncDemoOptions {
  backend: EncoderBackend;
  /** Default 127.0.0.1. */
  host?: string;
  /** HTTP port serving the page, noVNC and the WebSocket (`/websockify`). Default 6080; 0 = any free port. */
  httpPort?: number;
  /** Also listen for plain VNC viewers on this TCP port. */
  tcpPort?: number;
  /** VNC password (the page passes it to noVNC). Default: none. */
  password?: string;
  initialSize?: { width: number; height: number };
  logger?: RfbLogger | 'silent';
  limits?: Partial<RfbLimits>;
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
    throw new RfbBackendError('NOVNC_NOT_FOUND', `the demo needs @novnc/novnc 1.7.0: pnpm add @novnc/novnc@1.7.0 (${(error as Error).message})`);
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

function pageHtml(options: { password?: string; logLevel: string }): string {
  const credentials = options.password === undefined ? '' : `credentials: { password: ${JSON.stringify(options.password)} },`;
  return `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>nvenc-ts RFB demo</title>
<style>
  body { margin: 0; background: #111; color: #ccc; font: 14px system-ui, sans-serif; }
  #status { padding: 6px 10px; }
  #screen { display: inline-block; }
</style>
</head>
<body>
<div id="status">connecting…</div>
<div id="screen"></div>
<script type="module">
import RFB from './novnc/core/rfb.js';
import * as Log from './novnc/core/util/logging.js';
Log.initLogging(${JSON.stringify(options.logLevel)});
const status = document.getElementById('status');
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/websockify';
const rfb = new RFB(document.getElementById('screen'), url, { shared: true, ${credentials} });
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
  const html = pageHtml({ ...(options.password !== undefined ? { password: options.password } : {}), logLevel: options.noVncLogLevel ?? 'warn' });
  const http = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    if (path === '/' || path === '/index.html') {
      response.writeHead(200, { 'content-type': CONTENT_TYPES['.html']!, 'cache-control': 'no-store' });
      response.end(html);
      return;
    }
    if (path.startsWith('/novnc/')) {
      const relative = normalize(path.slice('/novnc/'.length));
      const file = join(novnc, relative);
      const inside = (relative.startsWith('core' + sep) || relative.startsWith('vendor' + sep)) && file.startsWith(novnc + sep);
      const stat = inside ? statSync(file, { throwIfNoEntry: false }) : undefined;
      if (stat?.isFile()) {
        const ext = file.slice(file.lastIndexOf('.'));
        response.writeHead(200, { 'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream', 'content-length': stat.size });
        createReadStream(file).pipe(response);
        return;
      }
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort ?? 6080, host, () => resolve());
  });
  const server = new RfbServer({
    backend: options.backend,
    host,
    httpServer: http,
    webSocketPath: '/websockify',
    ...(options.tcpPort !== undefined ? { tcpPort: options.tcpPort } : {}),
    ...(options.password !== undefined ? { auth: { type: 'vnc' as const, password: options.password } } : {}),
    ...(options.initialSize ? { initialSize: options.initialSize } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    desktopName: 'nvenc-ts demo',
  });
  const addresses = await server.listen();
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
