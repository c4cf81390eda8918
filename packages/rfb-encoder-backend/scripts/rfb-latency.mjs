#!/usr/bin/env node
// RFB end-to-end latency: pushFrame() → the changed pixel on noVNC's canvas in headless Chromium.
//
//   node scripts/rfb-latency.mjs [--fps 60] [--seconds 10] [--size 1280x720] [--bitrate 8000000]
//                                [--json out.json] [--library-dir DIR]
//
// Every frame carries its number as 16 colour blocks (black = 0, white = 1) between two marker
// blocks in its top row, over the moving test scene. In the page, a wrapper around the canvas
// context's drawImage reads those blocks every time noVNC draws onto its visible canvas (the
// moment the pixels change), and a wrapper around WebSocket notes when each message arrived.
// Both sides stamp times as performance.timeOrigin + performance.now() (epoch milliseconds, one
// clock on one machine). Per frame this gives:
//   encode       pushFrame → the server's 'encoded' event (includes waiting for a busy encoder)
//   queue+send   'encoded' → the WebSocket message carrying it arrived in the page
//   decode+draw  arrival → the frame's number appeared on the visible canvas
// and counts what happened to every pushed frame: shown, coalesced at the server (a newer frame
// replaced it while the encoder was busy), or sent but never drawn (noVNC decoded it in the same
// update as a newer one). Bytes per second per client come from the server's client stats.
// It uses the software NVENC device (or the libraries in --library-dir): never NVENC hardware.
/* global window, CanvasRenderingContext2D -- pageProbe and the page.evaluate callbacks run in Chromium */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { createEncoderBackend, createNvencEngine, H264EncoderBackend } from '../dist/index.js';
import { startNoVncDemo, TestPattern } from '../dist/demo/index.js';
import { CHROMIUM_PATH, chromiumLaunchOptions } from '../../../scripts/test-support/chromium.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.findIndex((a) => a === name || a.startsWith(name + '='));
  if (i < 0) return fallback;
  return args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1];
};
const fps = Number(flag('--fps', '60'));
const seconds = Number(flag('--seconds', '10'));
const [width, height] = flag('--size', '1280x720').split('x').map(Number);
const bitrate = Number(flag('--bitrate', '8000000'));
const jsonOut = flag('--json', undefined);
const libraryDir = flag('--library-dir', undefined);

const BLOCK = 32;
const BITS = 16;
const now = () => performance.timeOrigin + performance.now();

/** Writes frame number `n` into the top row of a BGRA frame: marker white, marker black, 16 bits. */
function stampCounter(data, stride, n) {
  const blocks = [1, 0];
  for (let b = BITS - 1; b >= 0; b--) blocks.push((n >> b) & 1);
  blocks.forEach((bit, i) => {
    const v = bit ? 255 : 0;
    for (let y = 0; y < BLOCK; y++) data.fill(v, y * stride + i * BLOCK * 4, y * stride + (i + 1) * BLOCK * 4);
  });
}

// Runs in the page before noVNC: notes WebSocket arrivals and reads the counter after each draw
// onto a canvas that is in the document (noVNC's visible canvas; its back buffer is detached).
function pageProbe({ block, bits }) {
  const probe = { shown: [], messages: [] };
  window.__latency = probe;
  const NativeWebSocket = window.WebSocket;
  // A plain function returning the native socket: noVNC checks the socket's own prototype.
  const Wrapped = function (...a) {
    const ws = new NativeWebSocket(...a);
    ws.addEventListener('message', (e) =>
      probe.messages.push([performance.timeOrigin + performance.now(), e.data.byteLength ?? e.data.length ?? 0]),
    );
    return ws;
  };
  Wrapped.prototype = NativeWebSocket.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Wrapped[k] = NativeWebSocket[k];
  window.WebSocket = Wrapped;
  const drawImage = CanvasRenderingContext2D.prototype.drawImage;
  let last = -1;
  CanvasRenderingContext2D.prototype.drawImage = function (...a) {
    const r = drawImage.apply(this, a);
    if (this.canvas.isConnected && this.canvas.width >= (bits + 2) * block) {
      const t = performance.timeOrigin + performance.now();
      const row = this.getImageData(0, block >> 1, (bits + 2) * block, 1).data;
      const bit = (i) =>
        row[(i * block + (block >> 1)) * 4] +
          row[(i * block + (block >> 1)) * 4 + 1] +
          row[(i * block + (block >> 1)) * 4 + 2] >
        384
          ? 1
          : 0;
      if (bit(0) === 1 && bit(1) === 0) {
        let n = 0;
        for (let i = 0; i < bits; i++) n = (n << 1) | bit(2 + i);
        if (n !== last) {
          last = n;
          probe.shown.push([n, t]);
        }
      }
    }
    return r;
  };
}

function percentile(values, p) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const rank = (p / 100) * (v.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - lo);
}

async function backendFor() {
  const options = { fps, bitrate };
  if (!libraryDir) return createEncoderBackend({ prefer: 'nvenc-software', ...options });
  const engine = await createNvencEngine({
    device: { cudaLibrary: join(libraryDir, 'libcuda.so.1'), nvencLibrary: join(libraryDir, 'libnvidia-encode.so.1') },
    name: 'nvenc-software',
  });
  return { backend: new H264EncoderBackend(engine, options), name: engine.name };
}

async function main() {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`${CHROMIUM_PATH} not found (apt-get install chromium, or set CHROMIUM_PATH)`);
  const selection = await backendFor();
  const demo = await startNoVncDemo({
    backend: selection.backend,
    httpPort: 0,
    logger: 'silent',
    initialSize: { width, height },
  });
  const pushedAt = new Map();
  const encodedAt = new Map();
  demo.server.on('encoded', (payloads) => {
    const t = now();
    for (const p of payloads) encodedAt.set(p.seq, t);
  });
  const userDataDir = mkdtempSync(join(tmpdir(), 'rfb-latency-'));
  const context = await chromium.launchPersistentContext(
    userDataDir,
    chromiumLaunchOptions({ viewport: { width: width + 40, height: height + 80 } }),
  );
  const scene = new TestPattern({ width, height, speed: 6 });
  let seq = 0;
  let timer = null;
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.error('page error:', e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('404')) console.error('page console:', m.text());
    });
    await page.addInitScript(pageProbe, { block: BLOCK, bits: BITS });
    await page.goto(demo.url);
    await page.waitForFunction(() => window.demo?.connected === true, null, { timeout: 20_000 });

    // Frames at a steady rate (drift-corrected); the first second is warm-up, not counted.
    const interval = 1000 / fps;
    const total = Math.round((seconds + 1) * fps);
    const warmup = fps;
    const start = now();
    let statsAtStart = null;
    let measureStart = 0;
    await new Promise((resolve) => {
      const tick = () => {
        const frame = scene.next(Math.round((seq * 1e6) / fps));
        frame.seq = seq;
        stampCounter(frame.data, width * 4, seq & 0xffff);
        if (seq === warmup) {
          measureStart = now();
          statsAtStart = demo.server.clients().find((c) => c.watching)?.stats ?? null;
          statsAtStart = statsAtStart ? { ...statsAtStart } : null;
        }
        pushedAt.set(seq, now());
        demo.server.pushFrame(frame).catch(() => {});
        seq++;
        if (seq >= total) return resolve();
        timer = setTimeout(tick, Math.max(0, start + seq * interval - now()));
      };
      tick();
    });
    await new Promise((r) => setTimeout(r, 500));
    const measureEnd = now();
    const client = demo.server.clients().find((c) => c.watching);
    const probe = await page.evaluate(() => ({
      ...window.__latency,
      continuousUpdates: Boolean(window.demo?.rfb?._enabledContinuousUpdates),
      fence: Boolean(window.demo?.rfb?._supportsFence),
    }));

    // Per measured frame.
    const shownAt = new Map();
    for (const [n, t] of probe.shown) if (!shownAt.has(n)) shownAt.set(n, t);
    const messages = probe.messages.map(([t]) => t).sort((a, b) => a - b);
    const arrivalAfter = (t) => {
      let lo = 0,
        hi = messages.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (messages[mid] < t) lo = mid + 1;
        else hi = mid;
      }
      return messages[lo];
    };
    const rows = [];
    for (let k = warmup; k < seq; k++) {
      const push = pushedAt.get(k);
      const enc = encodedAt.get(k);
      const shown = shownAt.get(k & 0xffff);
      const recv = enc !== undefined ? arrivalAfter(enc - 0.5) : undefined;
      rows.push({ seq: k, push, enc, recv, shown });
    }
    const measured = rows.length;
    const encoded = rows.filter((r) => r.enc !== undefined);
    const shown = rows.filter((r) => r.shown !== undefined);
    const lat = shown.map((r) => r.shown - r.push);
    const encodeMs = encoded.map((r) => r.enc - r.push);
    const queueMs = shown
      .filter((r) => r.enc !== undefined && r.recv !== undefined && r.recv <= r.shown)
      .map((r) => r.recv - r.enc);
    const drawMs = shown.filter((r) => r.recv !== undefined && r.recv <= r.shown).map((r) => r.shown - r.recv);
    const spanS = (measureEnd - measureStart) / 1000;
    const bytes = client && statsAtStart ? client.stats.bytesSent - statsAtStart.bytesSent : NaN;
    const summary = (v) => ({
      p50: percentile(v, 50),
      p90: percentile(v, 90),
      p99: percentile(v, 99),
      max: Math.max(...v),
    });
    const result = {
      tool: 'rfb-latency',
      createdAt: new Date().toISOString(),
      backend: selection.name,
      note: 'software NVENC device (libavcodec engine): not an NVENC hardware measurement',
      size: `${width}x${height}`,
      fps,
      seconds,
      bitrate,
      continuousUpdates: probe.continuousUpdates,
      fence: probe.fence,
      frames: {
        pushed: measured,
        encoded: encoded.length,
        coalescedAtServer: measured - encoded.length,
        shown: shown.length,
        sentNotDrawn: encoded.length - shown.length,
        shownFraction: shown.length / measured,
      },
      latencyMs: summary(lat),
      encodeMs: summary(encodeMs),
      queueSendMs: summary(queueMs),
      decodeDrawMs: summary(drawMs),
      frameIntervalMs: 1000 / fps,
      goalP50Ms: percentile(encodeMs, 50) + 1000 / fps + 5,
      bytesPerSecondPerClient: bytes / spanS,
      clientStats: client?.stats ?? null,
    };
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2));
    const f = (v) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
    const line = (name, s) =>
      `  ${name.padEnd(13)} p50 ${f(s.p50).padStart(6)} ms   p90 ${f(s.p90).padStart(6)} ms   p99 ${f(s.p99).padStart(6)} ms   max ${f(s.max).padStart(6)} ms`;
    console.log(
      `rfb-latency: ${result.backend} (${result.note}), ${result.size} at ${fps} fps, ${seconds} s, noVNC in headless Chromium`,
    );
    console.log(`  ContinuousUpdates ${result.continuousUpdates ? 'on' : 'off'}, Fence ${result.fence ? 'on' : 'off'}`);
    console.log(line('end to end', result.latencyMs));
    console.log(line('encode', result.encodeMs));
    console.log(line('queue+send', result.queueSendMs));
    console.log(line('decode+draw', result.decodeDrawMs));
    const fr = result.frames;
    console.log(
      `  frames: ${fr.pushed} pushed, ${fr.shown} shown (${(fr.shownFraction * 100).toFixed(1)} %), ${fr.coalescedAtServer} coalesced at the server, ` +
        `${fr.sentNotDrawn} sent but not drawn`,
    );
    console.log(
      `  goal p50 ≤ encode p50 + one frame interval + 5 ms = ${f(result.goalP50Ms)} ms; bytes/s per client ${f(result.bytesPerSecondPerClient / 1e3)} kB/s`,
    );
  } finally {
    if (timer) clearTimeout(timer);
    await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
    await demo.close();
    await selection.backend.close?.();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`rfb-latency: ${err.stack ?? err}`);
    process.exit(1);
  },
);
