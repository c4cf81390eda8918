// Serve your own application's picture to VNC viewers as H.264 (RFB encoding 50): the app draws
// into a BGRA framebuffer, the server encodes only while someone watches, and viewers' pointer
// and key events come back as events. Here the app is a sketch pad: drag with the left button to
// draw, press `c` to clear.
//
//   node examples/rfb-server.mjs [--tcp-port 5900] [--ws-port 5901] [--backend auto|nvenc|nvenc-software]
//
// Then point a viewer at it, e.g. noVNC (ws://127.0.0.1:5901) or any RFB 3.8 client with H.264.
// Port 0 picks a free port; the bound addresses are printed.
import { parseArgs } from 'node:util';
import { RfbServer, createEncoderBackend } from '@nvenc-ts/rfb-encoder-backend';

const { values } = parseArgs({
  options: {
    'tcp-port': { type: 'string', default: '5900' },
    'ws-port': { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    fps: { type: 'string', default: '30' },
  },
});
const width = 640;
const height = 360;
const fps = Number(values.fps);

// The application's own framebuffer (B, G, R, A bytes), drawn on by viewers' pointers.
const canvas = Buffer.alloc(width * height * 4);
const clear = () => {
  for (let o = 0; o < canvas.length; o += 4) canvas.set([40, 30, 20, 255], o);
};
clear();

const { backend, name } = await createEncoderBackend({ prefer: values.backend, fps, log: (line) => console.log(line) });
const server = new RfbServer({
  backend,
  tcpPort: Number(values['tcp-port']),
  ...(values['ws-port'] !== undefined ? { webSocketPort: Number(values['ws-port']) } : {}),
  initialSize: { width, height },
  desktopName: 'sketch pad',
  logger: 'silent',
});
server.on('pointer', ({ x, y, buttonMask }) => {
  if (!(buttonMask & 1)) return;
  for (let dy = -3; dy <= 3; dy++) {
    for (let dx = -3; dx <= 3; dx++) {
      const px = x + dx;
      const py = y + dy;
      if (px >= 0 && px < width && py >= 0 && py < height) canvas.set([255, 255, 255, 255], (py * width + px) * 4);
    }
  }
});
server.on('key', ({ down, keysym }) => {
  if (down && keysym === 0x63) clear(); // 'c'
});

const addresses = await server.listen();
if (addresses.tcp) console.log(`listening: rfb tcp ${addresses.tcp.address}:${addresses.tcp.port}`);
if (addresses.webSocket)
  console.log(`listening: rfb websocket ${addresses.webSocket.address}:${addresses.webSocket.port}`);
console.log(`encoder: ${name}`);

let seq = 0;
const started = performance.now();
const timer = setInterval(() => {
  // A copy per frame: the server keeps the last frame to answer keyframe requests.
  const frame = {
    seq: seq++,
    width,
    height,
    timestampUs: Math.round((performance.now() - started) * 1000),
    pixelFormat: 'bgra8',
    memory: 'cpu',
    data: Buffer.from(canvas),
  };
  server.pushFrame(frame).catch((err) => console.error(err.message));
}, 1000 / fps);

const stop = async () => {
  clearInterval(timer);
  await server.close();
  await backend.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
