import { H264EncoderBackend } from '../../src/backend/nvenc-backend.js';
import type { RawFrame } from '../../src/backend/types.js';
import type { RfbLimits } from '../../src/rfb/client-limits.js';
import { RfbServer, type RfbServerOptions } from '../../src/rfb/server.js';
import { fakeEngine } from './fake-engine.js';
import { captureLogger } from './rfb-test-client.js';

/** An RfbServer on an ephemeral TCP port, fed by the fake engine. */
export async function startFakeServer(
  options: Partial<RfbServerOptions> & { limits?: Partial<RfbLimits>; payloadBytes?: number } = {},
) {
  const { engine, log } = fakeEngine({ payloadBytes: options.payloadBytes });
  const backend = new H264EncoderBackend(engine, { keyframeInterval: 0 });
  const { lines, logger } = captureLogger();
  const server = new RfbServer({ backend, tcpPort: 0, logger, initialSize: { width: 64, height: 48 }, ...options });
  const addresses = await server.listen();
  let seq = 0;
  const frame = (width = 64, height = 48): RawFrame => ({
    seq: seq++,
    width,
    height,
    timestampUs: seq * 33_333,
    pixelFormat: 'bgra8',
    memory: 'cpu',
    data: new Uint8Array(width * height * 4),
  });
  return {
    server,
    backend,
    engineLog: log,
    logLines: lines,
    port: addresses.tcp?.port ?? -1,
    addresses,
    frame,
    push: (width?: number, height?: number) => server.pushFrame(frame(width, height)),
    async close() {
      await server.close();
      await backend.close();
    },
  };
}
