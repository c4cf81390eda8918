import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, softwareDeviceUnavailable, softwareRun } from './helpers.js';

const unavailable = softwareDeviceUnavailable();
const scratch = mkdtempSync(join(tmpdir(), 'nvenc-bench-run-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// A short run: 320x240, 24 measured frames after 4 warm-up frames.
const shortRun = [...softwareRun(24, 4), '--no-progress'];

describe.skipIf(unavailable !== null)(
  `a short run on the software device${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it('prints the device on the first line, saying it is not NVIDIA hardware, then a table', () => {
      const r = runCli(shortRun);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toMatch(/^device: software NVENC device .* not NVIDIA hardware/);
      expect(r.stdout).toMatch(/fps\s+\d+\.\d/);
      expect(r.stdout).toMatch(/latency \(submit → packet\)/);
      expect(r.stdout).toMatch(/event-loop lag p50 \/ p99 \/ max/);
    });

    it('the device line is one short sentence; the full reason only with --verbose', () => {
      // device auto on a machine without NVIDIA's driver (CI): the software device, and why, briefly.
      const auto = ['--size', '320x240', '--frames', '4', '--warmup', '1', '--no-progress'];
      const r = runCli(auto);
      expect(r.code, r.stderr).toBe(0);
      const line = r.stdout.split('\n')[0]!;
      expect(line).toMatch(/^device: /);
      expect(line.length).toBeLessThanOrEqual(140);
      expect(line).not.toMatch(/for tests|\.;|use device: 'software'/);
      expect(r.stdout).not.toMatch(/^ {2}why: /m);
      const verbose = runCli([...auto, '--verbose']);
      expect(verbose.code, verbose.stderr).toBe(0);
      if (/not NVIDIA hardware:|engine speed not measured:/.test(line)) {
        // It fell back: --verbose adds the full reason on the next line.
        expect(verbose.stdout.split('\n')[1]).toMatch(/^ {2}why: \S/);
      }
    });

    it('keyframes: an IDR that fell in the warm-up is labelled, not shown as a bare 0', () => {
      const r = runCli(shortRun);
      expect(r.code, r.stderr).toBe(0);
      // gop infinite: the only IDR is the first frame, a warm-up frame.
      expect(r.stdout).toMatch(/keyframes\s+0 \(\+1 in the warm-up, not counted\)/);
      const json = JSON.parse(runCli([...shortRun, '--json']).stdout);
      expect(json.results).toMatchObject({ keyframes: 0, warmupKeyframes: 1 });
    });

    it('--json numbers are rounded (0.1 µs for times), not 17-digit floats', () => {
      const r = runCli([...shortRun, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const decimals = (v: number): number => (String(v).split('.')[1] ?? '').length;
      const { latencyUs, callUs } = JSON.parse(r.stdout).results;
      for (const sum of [latencyUs, callUs]) {
        for (const key of ['mean', 'min', 'p50', 'p90', 'p99', 'max', 'stddev'])
          expect(decimals(sum[key]), key).toBeLessThanOrEqual(1);
      }
      expect(r.stdout).not.toMatch(/\d\.\d{6,}/);
    });

    it('--json gives a parseable report with sane fields', () => {
      const r = runCli([...shortRun, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(r.stderr.split('\n')[0]).toMatch(/^device: software NVENC device/);
      expect(report.device).toMatchObject({ kind: 'software', engine: 'libav' });
      expect(report.settings).toMatchObject({
        codec: 'h264',
        width: 320,
        height: 240,
        input: 'host',
        mode: 'sync',
        depth: 0,
      });
      const res = report.results;
      expect(res.frames).toBe(24);
      expect(res.fps).toBeGreaterThan(0);
      expect(res.latencyUs.count).toBe(24);
      expect(res.latencyUs.p50).toBeGreaterThan(0);
      expect(res.latencyUs.p50).toBeLessThanOrEqual(res.latencyUs.p90);
      expect(res.latencyUs.p90).toBeLessThanOrEqual(res.latencyUs.p99);
      expect(res.latencyUs.p99).toBeLessThanOrEqual(res.latencyUs.max);
      expect(res.bytes).toBeGreaterThan(0);
      expect(res.bitrateBps).toBeGreaterThan(0);
      expect(res.keyframes).toBeGreaterThanOrEqual(0);
      // A sync run never yields to the event loop, so no lag sample exists (the table says so).
      expect(res.eventLoopLagMs).toMatchObject({ samples: 0, p99: null });
      expect(report.perFrame.latencyUs).toHaveLength(24);
      expect(report.perFrame.bytes.every((b: number) => b > 0)).toBe(true);
    });

    it('--csv gives a header and one row whose columns line up', () => {
      const r = runCli([...shortRun, '--csv', '--async', '--depth', '1']);
      expect(r.code, r.stderr).toBe(0);
      const [header, row, ...rest] = r.stdout.trim().split('\n');
      expect(rest).toEqual([]);
      const cols = header!.split(',');
      const cells = row!.split(',');
      expect(cells).toHaveLength(cols.length);
      const get = (name: string) => cells[cols.indexOf(name)];
      expect(get('device_kind')).toBe('software');
      expect(get('mode')).toBe('async');
      expect(get('depth')).toBe('1');
      expect(Number(get('frames'))).toBe(24);
      expect(Number(get('fps'))).toBeGreaterThan(0);
      expect(Number(get('latency_p99_us'))).toBeGreaterThan(0);
      // encodeAsync yields to the event loop, so lag is measured.
      expect(get('event_loop_lag_p99_ms')).toMatch(/^\d+(\.\d+)?$/);
    });

    it('--json=file and --csv=file write files and keep the table on stdout', () => {
      const json = join(scratch, 'out.json');
      const csv = join(scratch, 'out.csv');
      const r = runCli([...shortRun, `--json=${json}`, `--csv=${csv}`, '--input', 'pinned']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')[0]).toMatch(/^device: /);
      expect(JSON.parse(readFileSync(json, 'utf8')).settings.input).toBe('pinned');
      expect(readFileSync(csv, 'utf8').split('\n')[0]).toMatch(/^device_kind,/);
    });

    it('--engine null encodes nothing but still returns a packet per frame', () => {
      const r = runCli([...shortRun, '--engine', 'null', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.device.engine).toBe('null');
      expect(report.results.latencyUs.count).toBe(24);
    });
  },
);
