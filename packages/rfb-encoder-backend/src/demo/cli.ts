#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { H264EncoderBackend } from '../backend/nvenc-backend.js';
import { createNvencEngine } from '../backend/nvenc-engine.js';
import { createEncoderBackend, type BackendSelection } from '../backend/registry.js';
import { startNoVncDemo } from './novnc-demo.js';
import { TestPattern } from './test-pattern.js';

const usage = `rfb-demo: an RFB server streaming a moving test scene (H.264 to noVNC; Tight, ZRLE or Raw
          to viewers without H.264), with a noVNC page

  --host <addr>        interface to bind (default 127.0.0.1)
  --port <n>           HTTP port for the page and the WebSocket (default 6080)
  --tcp-port <n>       also accept plain VNC viewers on this TCP port
  --size <WxH>         frame size (default 1280x720)
  --fps <n>            frame rate (default 30)
  --password <pw>      require VNC authentication (the page asks for it; it is never served)
  --allow-unauthenticated-remote
                       serve a non-loopback --host without --password (anyone who can reach
                       it can watch and type)
  --log-input          print key events and clipboard text clients send (off by default)
  --backend <name>     auto | nvenc | nvenc-software (default auto)
  --library-dir <dir>  encode with the libcuda.so.1 + libnvidia-encode.so.1 in <dir> instead
                       (another build of the software device, or a driver outside the loader path)
  --help`;

async function libraryDirBackend(dir: string, fps: number): Promise<BackendSelection> {
  const engine = await createNvencEngine({
    device: {
      cudaLibrary: join(resolve(dir), 'libcuda.so.1'),
      nvencLibrary: join(resolve(dir), 'libnvidia-encode.so.1'),
    },
    name: 'nvenc-libraries',
  });
  return {
    backend: new H264EncoderBackend(engine, { fps }),
    name: engine.name,
    reason: `libraries in ${dir}`,
    attempts: [],
  };
}

async function main(): Promise<void> {
  // `npm run demo -- --flag` passes the separator along: drop it.
  const args = process.argv.slice(2);
  if (args[0] === '--') args.shift();
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '6080' },
      'tcp-port': { type: 'string' },
      size: { type: 'string', default: '1280x720' },
      fps: { type: 'string', default: '30' },
      password: { type: 'string' },
      'allow-unauthenticated-remote': { type: 'boolean', default: false },
      'log-input': { type: 'boolean', default: false },
      backend: { type: 'string', default: 'auto' },
      'library-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const size = /^(\d+)x(\d+)$/.exec(values.size);
  if (!size) throw new Error(`--size must look like 1280x720 (got ${values.size})`);
  const width = Number(size[1]);
  const height = Number(size[2]);
  const fps = Number(values.fps);

  const libraryDir = values['library-dir'];
  const selection = libraryDir
    ? await libraryDirBackend(libraryDir, fps)
    : await createEncoderBackend({ prefer: values.backend, fps, log: (line) => console.log(line) });
  const demo = await startNoVncDemo({
    backend: selection.backend,
    host: values.host,
    httpPort: Number(values.port),
    ...(values['tcp-port'] !== undefined ? { tcpPort: Number(values['tcp-port']) } : {}),
    ...(values.password !== undefined ? { password: values.password } : {}),
    initialSize: { width, height },
    allowUnauthenticatedRemote: values['allow-unauthenticated-remote'],
    logInput: values['log-input'],
  });

  const scene = new TestPattern({ width, height });
  const started = process.hrtime.bigint();
  const timer = setInterval(() => {
    const us = Number((process.hrtime.bigint() - started) / 1000n);
    demo.server.pushFrame(scene.next(us)).catch((e: Error) => console.error(e.message));
  }, 1000 / fps);

  console.log(`open ${demo.url} in a browser (${width}x${height} at ${fps} fps, encoder ${selection.name})`);
  // Without -Shared TigerVNC asks for exclusive access, which disconnects every other viewer.
  if (demo.tcpPort !== undefined) console.log(`VNC viewers: vncviewer -Shared ${values.host}::${demo.tcpPort}`);

  const stop = async () => {
    clearInterval(timer);
    await demo.close();
    await selection.backend.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
