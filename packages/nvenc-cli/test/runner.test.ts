// The measuring loop against a scripted encoder (no driver): latency is booked to the frame that
// produced each packet, also when the pipeline depth returns older frames' packets.
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { Encoder, Frame, Packet } from '../src/nvenc-api.js';
import { defaults, type BenchOptions } from '../src/options.js';
import { runBenchmark } from '../src/runner.js';

/** Returns frame k's packet from call k + depth; each packet is 100 + seq bytes. */
function scriptedEncoder(depth: number): Encoder & { calls: number } {
  const pending: Packet[] = [];
  const packetFor = (seq: number): Packet => ({
    data: Buffer.alloc(100 + seq),
    keyframe: seq === 0,
    pictureType: seq === 0 ? 'idr' : 'p',
    seq,
    timestamp: seq,
    frameIndex: seq,
    slices: 1,
  });
  const enc = {
    calls: 0,
    info: {
      abi: '12.1',
      device: 'scripted',
      software: true,
      width: 64,
      height: 64,
      codec: 'h264' as const,
      inputFormat: 'bgra' as const,
    },
    encode(_frame: Frame, o?: { seq?: number }) {
      enc.calls++;
      pending.push(packetFor(o!.seq!));
      return pending.length > depth ? [pending.shift()!] : [];
    },
    async encodeAsync(frame: Frame, o?: { seq?: number }) {
      await new Promise((r) => setImmediate(r));
      return enc.encode(frame, o);
    },
    flush: () => pending.splice(0),
    flushAsync: async () => pending.splice(0),
    allocateHostFrame: () => Buffer.alloc(64 * 64 * 4),
    close() {},
  };
  return enc;
}

const small: BenchOptions = { ...defaults, width: 64, height: 64, frames: 20, warmup: 3, distinctFrames: 2 };

describe('runBenchmark', () => {
  it('books every measured frame once at depth 0 (sync)', async () => {
    const enc = scriptedEncoder(0);
    const r = await runBenchmark(enc, small, performance.now());
    expect(enc.calls).toBe(23);
    expect(r.frames).toBe(20);
    expect(r.latencyUs.count).toBe(20);
    // Frames 3..22 (after warm-up) carry 103..122 bytes.
    expect(r.bytes).toBe(Array.from({ length: 20 }, (_, k) => 103 + k).reduce((a, b) => a + b));
    expect(r.samples.callUs).toHaveLength(20);
  });

  it('attributes packets by seq at depth 2, including the ones flush() returns (async)', async () => {
    const enc = scriptedEncoder(2);
    const r = await runBenchmark(enc, { ...small, mode: 'async', depth: 2 }, performance.now());
    expect(r.latencyUs.count).toBe(20);
    expect(r.samples.bytes.every((b, k) => b === 103 + k)).toBe(true);
    // A frame's latency spans at least the calls until its packet came out.
    expect(r.latencyUs.p50).toBeGreaterThan(r.callUs.p50);
  });

  it('runs for a duration instead of a frame count', async () => {
    const r = await runBenchmark(scriptedEncoder(0), { ...small, mode: 'async', durationMs: 150 }, performance.now());
    expect(r.frames).toBeGreaterThan(5);
    expect(r.wallMs).toBeGreaterThanOrEqual(140);
    expect(r.eventLoopLag.samples).toBeGreaterThan(0);
  });

  it('stages JS copies of pageable Buffers into a pinned frame with --host-copy staged', async () => {
    const r = await runBenchmark(
      scriptedEncoder(0),
      { ...small, input: 'host', hostCopy: 'staged' },
      performance.now(),
    );
    expect(r.stages.staging?.count).toBe(20);
    expect(r.stages.note).toMatch(/native per-stage times/);
  });
});
