// The HTML report must draw its charts offline: open it in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core; never `playwright install`) and check that the
// Chart.js instances exist and their canvases are not blank.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { CHROMIUM_PATH, chromiumLaunchOptions } from '../../../scripts/test-support/chromium.mjs';
import { renderHtml } from '../src/report/html.js';
import type { BenchReport } from '../src/report/model.js';
import { summarize } from '../src/stats.js';
import { runCli, softwareDeviceUnavailable, softwareRun } from './helpers.js';

const noChromium = existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} is not installed (apt-get install chromium)`;
const scratch = mkdtempSync(join(tmpdir(), 'nvenc-bench-report-'));
let browser: BrowserContext | undefined;

beforeAll(async () => {
  if (noChromium) return;
  const { chromium: pw } = await import('playwright-core');
  // A fresh profile directory (Chromium's --user-data-dir, which playwright passes for a persistent context).
  browser = await pw.launchPersistentContext(mkdtempSync(join(scratch, 'profile-')), chromiumLaunchOptions());
});

afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface ChartCheck {
  charts: number;
  chartJsInstances: number;
  nonBlank: boolean[];
  requests: string[];
}

async function openReport(file: string): Promise<ChartCheck> {
  const page = await browser!.newPage();
  const requests: string[] = [];
  page.on('request', (req) => {
    if (!req.url().startsWith('file:')) requests.push(req.url());
  });
  await page.goto(pathToFileURL(file).href);
  // Page-side code as strings: this package is type-checked without the DOM library.
  await page.waitForFunction('Array.isArray(window.benchCharts)');
  const result = (await page.evaluate(`(() => {
    const nonBlank = Array.from(document.querySelectorAll('canvas')).map((canvas) => {
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0 || canvas.height === 0) return false;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
      return false;
    });
    return { charts: window.benchCharts.length, chartJsInstances: Object.keys(window.Chart.instances).length, nonBlank };
  })()`)) as Omit<ChartCheck, 'requests'>;
  await page.close();
  return { ...result, requests };
}

function syntheticReport(): BenchReport {
  const latency = Array.from({ length: 200 }, (_, i) => 800 + ((i * 37) % 113) * 4 + (i % 50 === 0 ? 2500 : 0));
  const call = latency.map((v) => v * 0.9);
  const s = summarize(latency);
  return {
    tool: 'nvenc-bench',
    version: 'test',
    createdAt: '2026-11-25T00:00:00.000Z',
    host: { node: process.version, platform: 'linux-x64', cpus: 2, cpuModel: 'test cpu' },
    device: {
      line: 'device: software NVENC device (test fixture) — not NVIDIA hardware',
      kind: 'software',
      engine: 'libav',
      name: 'fixture',
      abi: '12.1',
      fallbackReason: null,
    },
    settings: {
      codec: 'h264',
      preset: 'p1',
      tuning: 'ull',
      width: 1280,
      height: 720,
      format: 'bgra',
      input: 'host',
      hostCopy: 'direct',
      mode: 'sync',
      depth: 0,
      rateControl: 'cbr',
      bitrate: 8e6,
      qp: null,
      fps: 60,
      gop: 'infinite',
      bFrames: 0,
      warmup: 10,
    },
    results: {
      frames: 200,
      wallMs: 4000,
      fps: 50,
      latencyUs: s,
      callUs: summarize(call),
      stagesUs: { upload: null, submit: null, waitForOutput: null, jsOverhead: null, staging: null, note: 'fixture' },
      bytes: 200 * 16000,
      bitrateBps: 7.68e6,
      keyframes: 1,
      warmupKeyframes: 0,
      eventLoopLagMs: { p50: 0.1, p90: 0.2, p99: 0.4, max: 1.2, samples: 100 },
      openMs: 20,
      endToEndMs: 4100,
    },
    perFrame: {
      submitMs: latency.map((_, i) => i * 20),
      latencyUs: latency,
      callUs: call,
      bytes: latency.map((_, i) => (i === 0 ? 60000 : 15000 + (i % 7) * 300)),
    },
    compare: null,
  };
}

describe.skipIf(noChromium !== null)(
  `the HTML report in headless Chromium${noChromium ? ` (skipped: ${noChromium})` : ''}`,
  () => {
    it('renders the latency histogram and the per-frame charts offline (fixture report)', async () => {
      const file = join(scratch, 'fixture.html');
      writeFileSync(file, renderHtml(syntheticReport()));
      const check = await openReport(file);
      expect(check.charts).toBe(3);
      expect(check.chartJsInstances).toBe(3);
      expect(check.nonBlank).toEqual([true, true, true]);
      expect(check.requests).toEqual([]);
    });

    const unavailable = softwareDeviceUnavailable();
    it.skipIf(unavailable !== null)(
      `renders the report of a real run on the software device${unavailable ? ` (skipped: ${unavailable})` : ''}`,
      async () => {
        const file = join(scratch, 'run.html');
        const r = runCli([...softwareRun(30, 2), '--report', file, '--no-progress']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain(`report: ${file}`);
        const check = await openReport(file);
        expect(check.chartJsInstances).toBe(3);
        expect(check.nonBlank).toEqual([true, true, true]);
        expect(check.requests).toEqual([]);
      },
    );
  },
);

describe('JSON reports', () => {
  it('round fractional numbers (suite and run reports alike), keeping integers and small values readable', async () => {
    const { reportJson } = await import('../src/report/model.js');
    const parsed = JSON.parse(
      reportJson({ a: 7017.898199999967, b: 0.000123456, c: 42, d: [1.23456789, -2.5], e: null, f: 'x' }),
    );
    expect(parsed).toEqual({ a: 7017.898, b: 0.0001235, c: 42, d: [1.235, -2.5], e: null, f: 'x' });
  });
});
