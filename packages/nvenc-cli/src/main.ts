/** nvenc-bench's entry logic, separate from the bin file so it can be called with any argv and streams. */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DeviceUnavailableError, openEncoder } from './device.js';
import { runFfmpeg } from './ffmpeg.js';
import { loadNvenc } from './nvenc-api.js';
import {
  helpText,
  parseCommand,
  UsageError,
  type BenchOptions,
  type OutputTarget,
  type SuiteOptions,
} from './options.js';
import { ProgressBar } from './progress.js';
import { renderHtml } from './report/html.js';
import { buildReport, reportJson, type BenchReport } from './report/model.js';
import { renderCsv, renderText } from './report/text.js';
import { runBenchmark } from './runner.js';
import { renderSuiteText, runSuite, runSuiteChild } from './suite.js';
import { runOverheadChild } from './overhead.js';
import { runSessionsChild } from './sessions.js';
import { renderSuiteHtml } from './report/suite-html.js';

declare const __NVENC_BENCH_VERSION__: string | undefined;
export const version = typeof __NVENC_BENCH_VERSION__ === 'string' ? __NVENC_BENCH_VERSION__ : '0.0.0-dev';

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

const defaultIo: Io = { stdout: process.stdout, stderr: process.stderr };

/** Exit codes: 0 ok, 1 the benchmark failed, 2 wrong options. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  // Hidden: one suite measurement in a fresh process (see suite.ts).
  if (argv[0] === '_suite-child') return runSuiteChild(argv[1] ?? '{}');
  if (argv[0] === '_overhead-child') return runOverheadChild(argv[1] ?? '{}');
  if (argv[0] === '_sessions-child') return runSessionsChild(argv[1] ?? '{}');
  let command;
  try {
    command = parseCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`nvenc-bench: ${err.message} (see nvenc-bench --help)\n`);
      return 2;
    }
    throw err;
  }
  switch (command.command) {
    case 'help':
      io.stdout.write(`${helpText}\n`);
      return 0;
    case 'version':
      io.stdout.write(`${version}\n`);
      return 0;
    case 'suite':
      return suite(command.options, io);
    case 'run':
      return run(command.options, io);
  }
}

function write(target: OutputTarget, text: string, io: Io): void {
  if (target.to === 'stdout') io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  else writeFileSync(target.path, text);
}

function failure(err: unknown, io: Io): number {
  const e = err as Error & { code?: string };
  const code = e.code ? ` [${e.code}]` : '';
  io.stderr.write(`nvenc-bench: ${(e.message ?? String(err)).split('\n')[0]}${code}\n`);
  return 1;
}

async function run(o: BenchOptions, io: Io): Promise<number> {
  // The table goes to stdout; with --json/--csv on stdout, human lines go to stderr so stdout stays parseable.
  const machineStdout = o.json?.to === 'stdout' || o.csv?.to === 'stdout';
  const say = (line: string) => (machineStdout ? io.stderr : io.stdout).write(`${line}\n`);

  let nvenc;
  try {
    nvenc = await loadNvenc();
  } catch (err) {
    return failure(err, io);
  }
  const openStartedAt = performance.now();
  let opened;
  try {
    opened = openEncoder(nvenc, o);
  } catch (err) {
    if (err instanceof DeviceUnavailableError) {
      io.stderr.write(`nvenc-bench: ${err.message}\n`);
      return 1;
    }
    return failure(err, io);
  }
  const { encoder, device } = opened;
  say(device.line);
  if (o.verbose && device.fallbackReason) say(`  why: ${device.fallbackReason}`);

  const bar = ProgressBar.for(o.progress, io.stderr);
  let result;
  try {
    result = await runBenchmark(encoder, o, openStartedAt, {
      libraries: { cudaLibrary: device.cudaLibrary, nvencLibrary: device.nvencLibrary, gpu: device.gpu },
      onProgress: (done, total, elapsed) => bar.update(done, total, elapsed, o.durationMs),
    });
  } catch (err) {
    bar.done();
    return failure(err, io);
  } finally {
    bar.done();
    encoder.close();
  }

  const ffmpeg = o.compare === 'ffmpeg' ? await runFfmpeg(o, device, result.frames + o.warmup) : undefined;
  const host = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
  };
  const report: BenchReport = buildReport(version, o, device, result, host, ffmpeg);

  if (o.json) write(o.json, reportJson(report), io);
  if (o.csv) write(o.csv, renderCsv([report]), io);
  if (o.report) {
    try {
      writeFileSync(o.report, renderHtml(report));
    } catch (err) {
      return failure(err, io);
    }
  }
  if (!machineStdout) {
    // The device line was already printed first; the table repeats it only in files.
    io.stdout.write(`${renderText(report).split('\n').slice(1).join('\n')}\n`);
    if (o.report) io.stdout.write(`report: ${o.report}\n`);
  }
  if (ffmpeg && !ffmpeg.ok) io.stderr.write(`nvenc-bench: --compare ffmpeg failed: ${ffmpeg.error}\n`);
  return ffmpeg && !ffmpeg.ok ? 1 : 0;
}

async function suite(o: SuiteOptions, io: Io): Promise<number> {
  const machineStdout = o.json?.to === 'stdout';
  const log = (line: string) => io.stderr.write(`${line}\n`);
  let report;
  try {
    report = await runSuite(o, log);
  } catch (err) {
    return failure(err, io);
  }
  if (o.json) write(o.json, reportJson(report), io);
  if (o.report) writeFileSync(o.report, renderSuiteHtml(report));
  if (!machineStdout) io.stdout.write(`${renderSuiteText(report)}\n`);
  return 0;
}
