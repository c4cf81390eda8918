// What hardwareAcceleration does on this machine: for each preference, isConfigSupported() and a
// configure() + 10 frames + flush(), with encoderDevice, the errors the callback got, the chunk
// types and the longest event-loop gap while configure ran. Prints one JSON object.
// Usage: node scripts/hardware-acceleration.mjs [order...] where order is a list of preferences
// (default: prefer-hardware no-preference prefer-software); the order matters within a process,
// because whichever library pair loads first holds the libcuda.so.1 soname.
import { NvencEncoder } from '@nvenc-ts/nvenc';
import { VideoEncoder, VideoFrame } from '@nvenc-ts/webcodecs';

const order = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['prefer-hardware', 'no-preference', 'prefer-software'];
const codecs = ['avc1.640028', 'hvc1.1.6.L120.B0', 'av01.0.08M.08'];
const W = 1280;
const H = 720;

async function longestGap(work) {
  let max = 0;
  let last = performance.now();
  let running = true;
  const ping = () => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
    if (running) setImmediate(ping);
  };
  setImmediate(ping);
  const value = await work();
  await new Promise((r) => setImmediate(() => setImmediate(r)));
  running = false;
  return { value, gapMs: Math.round(max * 10) / 10 };
}

async function run(preference, codec) {
  const config = { codec, width: W, height: H, bitrate: 2_000_000, framerate: 30, hardwareAcceleration: preference };
  const t0 = performance.now();
  const support = await longestGap(() => VideoEncoder.isConfigSupported(config));
  const supportMs = Math.round(performance.now() - t0);
  const errors = [];
  const chunks = [];
  let decoderCodec = null;
  const encoder = new VideoEncoder({
    output: (chunk, metadata) => {
      chunks.push(chunk.type[0]);
      if (metadata?.decoderConfig) decoderCodec = metadata.decoderConfig.codec;
    },
    error: (e) => errors.push(`${e.name}: ${e.message}`),
  });
  const t1 = performance.now();
  const configured = await longestGap(async () => {
    encoder.configure(config);
    try {
      await encoder.flush();
    } catch {
      // the error callback has it
    }
  });
  const configureMs = Math.round(performance.now() - t1);
  if (encoder.state === 'configured') {
    for (let i = 0; i < 10; i++) {
      const frame = new VideoFrame(new Uint8Array(W * H * 1.5).fill(16 + i * 8), {
        format: 'NV12',
        codedWidth: W,
        codedHeight: H,
        timestamp: i * 33_333,
      });
      encoder.encode(frame, { keyFrame: i === 0 });
      frame.close();
    }
    await encoder.flush().catch(() => {});
  }
  const device = encoder.encoderDevice;
  if (encoder.state !== 'closed') encoder.close();
  return {
    preference,
    codec,
    isConfigSupported: support.value.supported,
    isConfigSupportedMs: supportMs,
    isConfigSupportedLongestGapMs: support.gapMs,
    configureMs,
    configureLongestGapMs: configured.gapMs,
    errors,
    chunks: chunks.join(''),
    decoderCodec,
    encoderDevice: device,
  };
}

const result = { node: process.version, order, runs: [] };
// NvencEncoder.open on NVIDIA's driver directly: the typed error the layers above turn into their answers.
if (order[0] !== 'prefer-software') {
  try {
    const enc = await NvencEncoder.open({ width: W, height: H, codec: 'h264', inputFormat: 'nv12' });
    result.nvidiaOpen = { ok: true, device: enc.info.device };
    enc.close();
  } catch (e) {
    result.nvidiaOpen = { ok: false, name: e.name, code: e.code, phase: e.phase, status: e.status, message: e.message };
  }
}
for (const preference of order) for (const codec of codecs) result.runs.push(await run(preference, codec));
console.log(JSON.stringify(result, null, 2));
