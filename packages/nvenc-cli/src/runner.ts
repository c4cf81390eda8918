/**
 * The measured encode loop. Frames are generated before timing starts; each iteration picks a
 * prepared frame, calls encode()/encodeAsync() and books the packets against the frame that
 * produced them (by `seq`), so latency is "frame submitted → its packet returned" also when the
 * pipeline depth makes encode() return an older frame's packet.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { EventLoopLagMonitor, type LagSummary } from './event-loop-lag.js';
import { frameLayout, makeHostFrames, type FrameLayout } from './frames.js';
import { loadNativeTesting, type Encoder, type LibraryChoice, type Frame, type Packet } from './nvenc-api.js';
import type { BenchOptions } from './options.js';
import { summarize, type Summary } from './stats.js';

export interface FrameSamples {
  /** Submit time of each measured frame, ms since the first measured submit. */
  submitMs: number[];
  /** Submit → its packet returned, µs. */
  latencyUs: number[];
  /** Duration of the encode()/encodeAsync() call that submitted the frame, µs. */
  callUs: number[];
  /** Bytes of the frame's access unit(s). */
  bytes: number[];
  /** JS-side staging copy into a pinned frame (--host-copy staged), µs; empty otherwise. */
  stagingUs: number[];
  /** Native stage times, when the encoder exposes them. */
  uploadUs: number[];
  submitUs: number[];
  waitUs: number[];
  pictureType: string[];
}

export interface StageSummary {
  upload: Summary | undefined;
  submit: Summary | undefined;
  waitForOutput: Summary | undefined;
  /** encode() call time minus the native stages (wrapping, validation, packet objects), µs. */
  jsOverhead: Summary | undefined;
  /** JS staging copy (host-copy staged), µs. */
  staging: Summary | undefined;
  /** Why native stage times are missing, if they are. */
  note: string | undefined;
}

export interface RunResult {
  frames: number;
  wallMs: number;
  fps: number;
  latencyUs: Summary;
  callUs: Summary;
  stages: StageSummary;
  bytes: number;
  bitrateBps: number;
  keyframes: number;
  /** Keyframes among the warm-up frames (not counted in `keyframes`): the stream's first IDR usually. */
  warmupKeyframes: number;
  eventLoopLag: LagSummary;
  samples: FrameSamples;
  /** Encoder construction (session open + initialise), ms. */
  openMs: number;
  /** From before the encoder was constructed until the last packet, ms (comparable with an ffmpeg process). */
  endToEndMs: number;
}

export interface RunHooks {
  /** The encoder's CUDA/NVENC libraries and GPU (needed for --input device). */
  libraries?: LibraryChoice;
  /** Called every few frames with (done, total | undefined for duration runs, elapsed ms). */
  onProgress?: (done: number, total: number | undefined, elapsedMs: number) => void;
}

interface FrameSource {
  next(i: number): { frame: Frame; stagingUs: number };
  dispose(): void;
}

function makeSource(
  encoder: Encoder,
  o: BenchOptions,
  layout: FrameLayout,
  libraries: LibraryChoice | undefined,
): FrameSource {
  const host = makeHostFrames(layout, o.distinctFrames);
  const count = host.length;
  if (o.input === 'host' && o.hostCopy === 'direct') {
    return { next: (i) => ({ frame: host[i % count]!, stagingUs: 0 }), dispose: () => {} };
  }
  if (o.input === 'host') {
    // Staged: the caller's pageable Buffer is copied by JS into a pinned frame, which the encoder
    // then uploads with a pinned (DMA) copy.
    const pinned = encoder.allocateHostFrame();
    return {
      next: (i) => {
        const t0 = performance.now();
        pinned.set(host[i % count]!.subarray(0, Math.min(pinned.length, layout.frameBytes)));
        return { frame: pinned, stagingUs: (performance.now() - t0) * 1000 };
      },
      dispose: () => {},
    };
  }
  if (o.input === 'pinned') {
    const pinned = host.map((h) => {
      const p = encoder.allocateHostFrame();
      p.set(h.subarray(0, Math.min(p.length, h.length)));
      return p;
    });
    return { next: (i) => ({ frame: pinned[i % count]!, stagingUs: 0 }), dispose: () => {} };
  }
  if (!libraries) throw new Error("--input device: the encoder's CUDA library is unknown");
  const { testing, reason } = loadNativeTesting(encoder.info.abi, libraries);
  if (!testing)
    throw new Error(
      `--input device needs CUDA device memory, which the benchmark allocates through the native binding's test helpers: ${reason}`,
    );
  const device = host.map((h) => {
    const { ptr, pitch } = testing.uploadFrame(h, layout.rowBytes, layout.rowsTotal);
    return { devicePtr: ptr, pitch };
  });
  return {
    next: (i) => ({ frame: device[i % count]!, stagingUs: 0 }),
    dispose: () => {
      for (const d of device) {
        try {
          encoder.releaseDeviceFrame?.(d.devicePtr);
        } catch {
          // the encoder may already be closed
        }
        testing.free(d.devicePtr);
      }
    },
  };
}

/**
 * Runs the benchmark on an open encoder. `openStartedAt` (performance.now() before the encoder was
 * constructed) gives the end-to-end time that an ffmpeg process run is compared with.
 */
export async function runBenchmark(
  encoder: Encoder,
  o: BenchOptions,
  openStartedAt: number,
  hooks: RunHooks = {},
): Promise<RunResult> {
  const openMs = performance.now() - openStartedAt;
  const layout = frameLayout(o.format, o.width, o.height);
  const source = makeSource(encoder, o, layout, hooks.libraries);
  const lag = new EventLoopLagMonitor();
  const total = o.durationMs === undefined ? o.frames : undefined;
  const warmup = o.warmup;

  const s: FrameSamples = {
    submitMs: [],
    latencyUs: [],
    callUs: [],
    bytes: [],
    stagingUs: [],
    uploadUs: [],
    submitUs: [],
    waitUs: [],
    pictureType: [],
  };
  // Absolute submit times (performance.now) of every frame, warm-up included, by seq.
  const submittedAt: number[] = [];
  let lastOut = 0;
  let measuredStart = 0;
  let keyframes = 0;
  let warmupKeyframes = 0;
  let packetsWithoutSeq = 0;

  const stream: Buffer[] = [];
  const book = (packets: Packet[], now: number) => {
    for (const p of packets) {
      if (o.output) stream.push(p.data);
      let seq = typeof p.seq === 'number' && p.seq >= 0 ? p.seq : p.frameIndex;
      if (!(seq in submittedAt)) {
        packetsWithoutSeq++;
        seq = p.frameIndex;
      }
      const k = seq - warmup;
      if (k < 0 && p.keyframe) warmupKeyframes++;
      if (k < 0 || submittedAt[seq] === undefined) continue;
      s.latencyUs[k] = (now - submittedAt[seq]!) * 1000;
      s.bytes[k] = (s.bytes[k] ?? 0) + p.data.length;
      s.pictureType[k] = p.pictureType;
      if (p.keyframe) keyframes++;
      lastOut = now;
    }
  };

  const record = (i: number, t0: number, t1: number, packets: Packet[], stagingUs: number): void => {
    const k = i - warmup;
    if (k >= 0) {
      if (k === 0) measuredStart = t0;
      s.submitMs[k] = t0 - measuredStart;
      s.callUs[k] = (t1 - t0) * 1000;
      if (staged) s.stagingUs[k] = stagingUs;
      const st = encoder.lastFrameTimings;
      if (st) {
        s.uploadUs[k] = st.uploadUs;
        s.submitUs[k] = st.submitUs;
        s.waitUs[k] = st.waitUs;
      }
    }
    book(packets, t1);
  };
  const staged = o.input === 'host' && o.hostCopy === 'staged';
  const encodeOptions = (i: number) => ({ seq: i, timestamp: Math.round((i * 90_000) / o.fps) });
  // Sync runs stay free of promises: an await per frame would be the benchmark's cost, not the stack's.
  const runSync = (i: number): void => {
    const { frame, stagingUs } = source.next(i);
    const t0 = performance.now();
    submittedAt[i] = t0;
    const packets = encoder.encode(frame, encodeOptions(i));
    record(i, t0, performance.now(), packets, stagingUs);
  };
  const runAsync = async (i: number): Promise<void> => {
    const { frame, stagingUs } = source.next(i);
    const t0 = performance.now();
    submittedAt[i] = t0;
    const packets = await encoder.encodeAsync(frame, encodeOptions(i));
    record(i, t0, performance.now(), packets, stagingUs);
  };
  const sync = o.mode === 'sync';

  try {
    for (let i = 0; i < warmup; i++) {
      if (sync) runSync(i);
      else await runAsync(i);
    }
    lag.start();
    let i = warmup;
    const started = performance.now();
    let lastProgress = 0;
    for (;;) {
      const elapsed = performance.now() - started;
      if (total !== undefined ? i - warmup >= total : elapsed >= o.durationMs!) break;
      if (sync) runSync(i);
      else await runAsync(i);
      i++;
      if (hooks.onProgress && elapsed - lastProgress >= 100) {
        lastProgress = elapsed;
        hooks.onProgress(i - warmup, total, elapsed);
      }
    }
    const tail = o.mode === 'sync' ? encoder.flush() : await encoder.flushAsync();
    book(tail, performance.now());
    const eventLoopLag = lag.stop();
    if (o.output) writeFileSync(o.output, Buffer.concat(stream));
    hooks.onProgress?.(i - warmup, total, performance.now() - started);

    const frames = i - warmup;
    const wallMs = Math.max(lastOut, performance.now()) - measuredStart;
    // Frames whose packet never came (should not happen) keep NaN latency; summaries skip them.
    const latencies = s.latencyUs.filter((v) => Number.isFinite(v));
    const bytes = s.bytes.reduce((a, b) => a + (b ?? 0), 0);
    const endToEndMs = performance.now() - openStartedAt;
    const haveNative = s.uploadUs.length + s.submitUs.length + s.waitUs.length > 0;
    const jsOverhead = haveNative
      ? s.callUs.map((c, k) => c - (s.uploadUs[k] ?? 0) - (s.submitUs[k] ?? 0) - (s.waitUs[k] ?? 0))
      : [];
    const opt = (a: number[]) => (a.length > 0 ? summarize(a) : undefined);
    if (packetsWithoutSeq > 0 && latencies.length < frames) {
      throw new Error(`packets did not carry the frame's seq (${packetsWithoutSeq}); latency cannot be attributed`);
    }
    return {
      frames,
      wallMs,
      fps: frames / (wallMs / 1000),
      latencyUs: summarize(latencies),
      callUs: summarize(s.callUs),
      stages: {
        upload: opt(s.uploadUs),
        submit: opt(s.submitUs),
        waitForOutput: opt(s.waitUs),
        jsOverhead: opt(jsOverhead),
        staging: opt(s.stagingUs),
        note: haveNative ? undefined : 'the encoder does not expose native per-stage times (lastFrameTimings)',
      },
      bytes,
      bitrateBps: frames > 0 ? (bytes * 8 * o.fps) / frames : 0,
      keyframes,
      warmupKeyframes,
      eventLoopLag,
      samples: s,
      openMs,
      endToEndMs,
    };
  } finally {
    lag.stop();
    source.dispose();
  }
}

export { frameLayout };
