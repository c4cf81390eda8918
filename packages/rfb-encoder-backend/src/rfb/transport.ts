import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** A byte pipe to one client: plain TCP or WebSocket (binary messages carrying the RFB stream). */
export interface RfbTransport {
  readonly kind: 'tcp' | 'websocket';
  readonly remote: string;
  /** Bytes accepted by write() but not yet handed to the kernel: the client's backlog. */
  readonly bufferedBytes: number;
  write(data: Buffer): void;
  /** Writes several buffers as one message (WebSocket) / one writev (TCP). */
  writeMany(parts: Buffer[]): void;
  close(): void;
  onData(listener: (chunk: Buffer) => void): void;
  onClose(listener: (reason: string) => void): void;
}

export function tcpTransport(socket: Socket): RfbTransport {
  socket.setNoDelay(true);
  let closeListener: ((reason: string) => void) | null = null;
  let closed = false;
  let lastError = '';
  const fireClose = (reason: string) => {
    if (closed) return;
    closed = true;
    closeListener?.(reason);
  };
  socket.on('error', (e) => {
    lastError = e.message;
  });
  socket.on('close', () => fireClose(lastError || 'connection closed'));
  return {
    kind: 'tcp',
    remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
    get bufferedBytes() {
      return socket.writableLength;
    },
    write(data) {
      if (!socket.destroyed) socket.write(data);
    },
    writeMany(parts) {
      if (socket.destroyed) return;
      socket.cork();
      for (const p of parts) socket.write(p);
      socket.uncork();
    },
    close() {
      // A client that never reads would keep end() waiting forever: destroy.
      socket.destroy();
    },
    onData(listener) {
      socket.on('data', listener);
    },
    onClose(listener) {
      closeListener = listener;
    },
  };
}

export function webSocketTransport(ws: WebSocket, remote: string): RfbTransport {
  let closeListener: ((reason: string) => void) | null = null;
  let closed = false;
  let lastError = '';
  const fireClose = (reason: string) => {
    if (closed) return;
    closed = true;
    closeListener?.(reason);
  };
  ws.on('error', (e) => {
    lastError = e.message;
  });
  ws.on('close', (code) => fireClose(lastError || `websocket closed (${code})`));
  return {
    kind: 'websocket',
    remote,
    get bufferedBytes() {
      return ws.bufferedAmount;
    },
    write(data) {
      if (ws.readyState === ws.OPEN) ws.send(data, { binary: true });
    },
    writeMany(parts) {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat(parts), { binary: true });
    },
    close() {
      ws.terminate();
    },
    onData(listener) {
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          lastError = 'text WebSocket message (RFB needs binary)';
          ws.terminate();
          return;
        }
        if (Buffer.isBuffer(data)) listener(data);
        else if (Array.isArray(data)) listener(Buffer.concat(data));
        else listener(Buffer.from(data));
      });
    },
    onClose(listener) {
      closeListener = listener;
    },
  };
}
