import { describe, expect, it } from 'vitest';
import { renderSuiteHtml } from '../src/report/suite-html.js';
import { renderSuiteText, type SuiteReport } from '../src/suite.js';

const side = (p50: number) => ({ p50Us: p50, perRoundP50Us: [p50 - 1, p50, p50 + 1] });
const report: SuiteReport = {
  tool: 'nvenc-bench suite',
  createdAt: '2026-11-30T00:00:00.000Z',
  host: { node: 'v20.20.2', cpus: 16, cpuModel: 'test cpu' },
  device: { line: 'device: test', kind: 'hybrid', name: 'GPU', abi: '12.1' },
  note: 'software engine',
  overhead: {
    ok: true,
    width: 1920,
    height: 1080,
    engine: 'null (NVENC_SOFT_NULL_READ=skip)',
    goalSyncUs: 5,
    goalAsyncUs: 10,
    inputs: [
      {
        input: 'device',
        ok: true,
        rounds: 3,
        framesPerRound: 100,
        cppLoop: side(5),
        syncEncode: side(6),
        syncEncodeWithMeta: side(6.5),
        asyncRoundTrip: side(21),
        asyncJsThreadUs: side(7),
        floorWorkUs: 5,
        asyncFloor: side(13),
        asyncFloorJsThreadUs: side(3),
        overhead: {
          sync: { p50Us: 1, minUs: 0.5, maxUs: 1.5 },
          syncWithMeta: { p50Us: 1.5, minUs: 1, maxUs: 2 },
          asyncRoundTrip: { p50Us: 16, minUs: 15, maxUs: 17 },
          hops: { p50Us: 8, minUs: 7.5, maxUs: 9 },
          asyncOverFloor: { p50Us: 8, minUs: 6, maxUs: 10 },
        },
      },
      { input: 'pinned', ok: false, error: 'no pinned memory' },
    ],
  },
  upload: {
    ok: false,
    rows: [
      {
        label: 'pageable auto (default)',
        chose: 'staged',
        perFrameUs: 900,
        uploadUs: 480,
        efficiencyVsRawPinned: 0.33,
        efficiencyVsRawPageable: 2.5,
      },
    ],
    goal: 0.9,
  },
  sessions: {
    seconds: 1,
    width: 1920,
    height: 1080,
    cpus: 16,
    goalScalingAt8: 6,
    rows: [
      {
        engine: 'libav',
        sessions: 1,
        ok: true,
        aggregateFps: 100,
        perSessionFps: [100],
        scaling: 1,
        lagP99Ms: 0.5,
        lagMaxMs: 1,
        coresBusy: 1,
        jsThreadBusy: 0.02,
      },
      {
        engine: 'libav',
        sessions: 8,
        ok: true,
        aggregateFps: 750,
        perSessionFps: [90, 95],
        scaling: 7.5,
        lagP99Ms: 0.9,
        lagMaxMs: 1.2,
        coresBusy: 8,
        jsThreadBusy: 0.03,
      },
      { engine: 'null', sessions: 8, ok: false, error: 'session limit' },
    ],
  },
  lag: { rows: [], goalMs: 1 },
  depth: { rows: [] },
};

describe('suite report', () => {
  it('prints the overhead with its range, a failed input, the chosen upload path and the session scaling', () => {
    const text = renderSuiteText(report);
    expect(text).toContain('1.00 µs  [0.50 … 1.50]');
    // encodeAsync against its floor: the hops alone and what the stack adds beyond them.
    expect(text).toMatch(
      /device\s+21\.0 µs\s+\(\+16\.0 µs\)\s+13\.0 µs\s+\(busy-wait 5\.0 µs\)\s+8\.00 µs\s+\[7\.50 … 9\.00\]\s+8\.00 µs\s+\[6\.00 … 10\.00\]\s+7\.0 µs \/ 3\.0 µs/,
    );
    expect(text).toContain('failed: no pinned memory');
    expect(text).toContain('pageable auto (default) → staged');
    expect(text).toMatch(/libav\s+8\s+750\.0\s+7\.50×/);
    expect(text).toContain('failed: session limit');
  });

  it('renders one self-contained HTML page with the three charts and the report as JSON', () => {
    const html = renderSuiteHtml(report);
    for (const id of ['overhead-rounds', 'upload', 'sessions']) expect(html).toContain(`id="${id}"`);
    const json = html.match(/<script id="suite-report" type="application\/json">([\s\S]*?)<\/script>/)?.[1];
    const payload = JSON.parse(json!) as {
      chartData: { overhead: { sync: number[]; overFloor: number[] }[]; sessions: { counts: number[] } };
    };
    expect(payload.chartData.overhead[0]!.sync).toEqual([1, 1, 1]);
    expect(payload.chartData.overhead[0]!.overFloor).toEqual([8, 8, 8]);
    expect(payload.chartData.sessions.counts).toEqual([1, 8]);
    expect(html).not.toMatch(/<script src=/);
  });
});
