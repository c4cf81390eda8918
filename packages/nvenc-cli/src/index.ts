// Library surface of @nvenc-ts/cli: the pieces nvenc-bench is made of, for scripts that run
// benchmarks programmatically or reuse the statistics and report rendering.
export { main, version, type Io } from './main.js';
export {
  parseCommand,
  parseRunOptions,
  parseSuiteOptions,
  parseSize,
  parseBitrate,
  parseDuration,
  parseDevice,
  defaults,
  helpText,
  UsageError,
  type BenchOptions,
  type SuiteOptions,
  type Codec,
  type Preset,
  type Tuning,
  type InputKind,
  type InputFormat,
  type Mode,
  type RateControl,
  type Engine,
  type DeviceChoice,
} from './options.js';
export { summarize, percentile, percentileSorted, histogram, niceStep, type Summary, type Histogram } from './stats.js';
export { frameLayout, fillFrame, type FrameLayout } from './frames.js';
export { runBenchmark, type RunResult } from './runner.js';
export { openEncoder, type DeviceDescription } from './device.js';
export { buildReport, type BenchReport } from './report/model.js';
export { renderText, renderCsv, renderTable } from './report/text.js';
export { renderHtml } from './report/html.js';
export { runFfmpeg, ffmpegArgs, type FfmpegResult } from './ffmpeg.js';
export { runSuite, renderSuiteText, type SuiteReport } from './suite.js';
