import { H264EncoderBackend } from '../../src/backend/nvenc-backend.js';
import type { PixelFormat } from '../../src/rfb/client-parser.js';
import { RfbServer, type RfbServerOptions } from '../../src/rfb/server.js';
import { TestPattern } from '../../src/demo/test-pattern.js';
import { fakeEngine } from './fake-engine.js';
import { captureLogger } from './rfb-test-client.js';

/** 16 bpp, 5-6-5, little-endian: the format a low-bandwidth viewer asks for. */
export const RGB565: PixelFormat = {
  bitsPerPixel: 16,
  depth: 16,
  bigEndian: false,
  trueColour: true,
  redMax: 31,
  greenMax: 63,
  blueMax: 31,
  redShift: 11,
  greenShift: 5,
  blueShift: 0,
};

/**
 * An RfbServer on a free TCP port showing the demo's TestPattern, fed at `fps`. Its H.264
 * backend is the fake engine: viewers that do not offer H.264 never touch it.
 */
export async function startSceneServer(
  options: Partial<RfbServerOptions> & { width?: number; height?: number; fps?: number; speed?: number } = {},
) {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const { engine } = fakeEngine();
  const backend = new H264EncoderBackend(engine, { keyframeInterval: 0 });
  const { lines, logger } = captureLogger();
  const server = new RfbServer({ backend, tcpPort: 0, logger, initialSize: { width, height }, ...options });
  const addresses = await server.listen();
  const scene = new TestPattern({ width, height, speed: options.speed ?? 4 });
  let frameIndex = 0;
  const push = () => {
    frameIndex++;
    return server.pushFrame(scene.next(Date.now() * 1000));
  };
  await push();
  const timer = setInterval(() => void push().catch(() => {}), 1000 / (options.fps ?? 15));
  return {
    server,
    scene,
    logLines: lines,
    port: addresses.tcp!.port,
    get frameIndex() {
      return frameIndex;
    },
    async close() {
      clearInterval(timer);
      await server.close();
      await backend.close();
    },
  };
}
