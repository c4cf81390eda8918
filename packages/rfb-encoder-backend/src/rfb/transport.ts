import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** A byte pipe to one client: plain TCP or WebSocket (binary messages carrying the RFB stream). */
export interface RfbTransport {
  readonly kind: 'tcp' | 'websocket';
  readonly remote: string;
  /** The peer's address without the port (what per-address limits count). */
  readonly address: string;
  /** Bytes accepted by write() but not yet handed to the kernel: the client's backlog. */
  readonly bufferedBytes: number;
  write(data: Buffer): void;
  /** Writes several buffers as one message (WebSocket) / one writev (TCP). */
  writeMany(parts: Buffer[]): void;
  /** Drops the connection now (a client that never reads would stall a graceful close). */
  close(): void;
  /** Closes after what was written has gone out (used after an authentication failure). */
  end(): void;
  onData(listener: (chunk: Buffer) => void): void;
  /** `violation`: the peer broke the transport's own protocol (a bad WebSocket frame, a text message). */
  onClose(listener: (reason: string, violation: boolean) => void): void;
}

export function tcpTransport(socket: Socket): RfbTransport {
  socket.setNoDelay(true);
  let closeListener: ((reason: string, violation: boolean) => void) | null = null;
  let closed = false;
  let lastError = '';
  const fireClose = (reason: string) => {
    if (closed) return;
    closed = true;
    closeListener?.(reason, false);
  };
  socket.on('error', (e) => {
    lastError = e.message;
  });
  socket.on('close', () => fireClose(lastError || 'connection closed'));
  return {
    kind: 'tcp',
    remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
    address: socket.remoteAddress ?? '?',
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
      socket.destroy();
    },
    end() {
      socket.end();
      // Bounded: a peer that never reads cannot keep the socket alive.
      setTimeout(() => socket.destroy(), 2000).unref();
    },
    onData(listener) {
      socket.on('data', listener);
    },
    onClose(listener) {
      closeListener = listener;
    },
  };
}

export function webSocketTransport(ws: WebSocket, remote: string, address: string): RfbTransport {
  let closeListener: ((reason: string, violation: boolean) => void) | null = null;
  let closed = false;
  // ws reports a peer's framing errors (oversized message, bad opcode, unmasked frame) as 'error'.
  let violation = '';
  const fireClose = (reason: string, isViolation: boolean) => {
    if (closed) return;
    closed = true;
    closeListener?.(reason, isViolation);
  };
  ws.on('error', (e) => {
    violation ||= `WebSocket: ${e.message}`;
  });
  ws.on('close', (code) => fireClose(violation || `websocket closed (${code})`, violation !== ''));
  return {
    kind: 'websocket',
    remote,
    address,
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
    end() {
      ws.close(1000);
      setTimeout(() => ws.terminate(), 2000).unref();
    },
    onData(listener) {
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          violation = 'WebSocket: text message (RFB needs binary)';
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
