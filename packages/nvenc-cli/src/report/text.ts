/** Human-readable table and CSV renderings of a BenchReport. */
import type { Summary } from '../stats.js';
import type { BenchReport } from './model.js';

export function formatUs(us: number): string {
  if (!Number.isFinite(us)) return 'n/a';
  if (us >= 1_000_000) return `${(us / 1_000_000).toFixed(2)} s`;
  if (us >= 10_000) return `${(us / 1000).toFixed(1)} ms`;
  if (us >= 1000) return `${(us / 1000).toFixed(2)} ms`;
  if (us >= 100) return `${us.toFixed(0)} µs`;
  return `${us.toFixed(1)} µs`;
}

export function formatBitrate(bps: number): string {
  if (!Number.isFinite(bps)) return 'n/a';
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)} Mbit/s`;
  return `${(bps / 1e3).toFixed(1)} kbit/s`;
}

/** Left-aligned first column, right-aligned others; a rule under the header. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function summaryRow(name: string, s: Summary | null): string[] {
  if (!s) return [name, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a'];
  return [name, formatUs(s.mean), formatUs(s.p50), formatUs(s.p90), formatUs(s.p99), formatUs(s.max)];
}

export function renderText(r: BenchReport): string {
  const s = r.settings;
  const res = r.results;
  const out: string[] = [];
  out.push(r.device.line);
  const rc = s.rateControl === 'cqp' ? `cqp qp ${s.qp}` : `${s.rateControl} ${formatBitrate(s.bitrate ?? NaN)}`;
  out.push(
    `settings: ${s.codec} ${s.preset}/${s.tuning} ${s.width}x${s.height} ${s.format}, input ${s.input}${s.hostCopy ? ` (${s.hostCopy})` : ''}, ` +
      `${s.mode}, depth ${s.depth}, ${rc}, ${s.fps} fps nominal, gop ${s.gop}, bframes ${s.bFrames}, ${res.frames} frames (+${s.warmup} warm-up)`,
  );
  out.push('');
  out.push(
    renderTable(
      ['throughput', 'value'],
      [
        ['fps', res.fps.toFixed(1)],
        ['wall time', formatUs(res.wallMs * 1000)],
        ['bitrate (at nominal fps)', formatBitrate(res.bitrateBps)],
        ['bytes', String(res.bytes)],
        [
          'keyframes',
          res.warmupKeyframes > 0
            ? `${res.keyframes} (+${res.warmupKeyframes} in the warm-up, not counted)`
            : String(res.keyframes),
        ],
        ['session open', formatUs(res.openMs * 1000)],
        [
          'event-loop lag p50 / p99 / max',
          res.eventLoopLagMs.samples === 0 && s.mode === 'sync'
            ? 'n/a (sync: loop blocked)'
            : `${fmtMs(res.eventLoopLagMs.p50)} / ${fmtMs(res.eventLoopLagMs.p99)} / ${fmtMs(res.eventLoopLagMs.max)}`,
        ],
      ],
    ),
  );
  out.push('');
  const st = res.stagesUs;
  const stageRows = [
    summaryRow('latency (submit → packet)', res.latencyUs),
    summaryRow(s.mode === 'sync' ? 'encode() call' : 'encodeAsync() until resolved', res.callUs),
    summaryRow('  upload', st.upload),
    summaryRow('  submit', st.submit),
    summaryRow('  wait for output', st.waitForOutput),
    summaryRow('  JS-side overhead', st.jsOverhead),
  ];
  if (st.staging) stageRows.push(summaryRow('JS staging copy to pinned', st.staging));
  out.push(renderTable(['per frame', 'mean', 'p50', 'p90', 'p99', 'max'], stageRows));
  if (st.note) out.push(`(stages: ${st.note})`);
  if (r.compare) {
    const f = r.compare.ffmpeg;
    out.push('');
    if (!f.ok) {
      out.push(`compare ffmpeg (${f.encoder}): failed — ${f.error}`);
    } else {
      out.push(
        renderTable(
          ['compare (end to end, incl. session open)', 'nvenc-bench', `ffmpeg ${f.encoder}`],
          [
            ['frames', String(res.frames + s.warmup), String(f.frames)],
            ['time', formatUs(res.endToEndMs * 1000), formatUs(f.endToEndMs * 1000)],
            ['fps', r.compare.nvencBenchEndToEndFps.toFixed(1), f.endToEndFps.toFixed(1)],
            ['bitrate', formatBitrate(res.bitrateBps), formatBitrate(f.bitrateBps)],
          ],
        ),
      );
      out.push(`ratio nvenc-bench / ffmpeg (fps): ${r.compare.endToEndRatio?.toFixed(3) ?? 'n/a'}`);
      out.push(`ffmpeg: ${f.command}`);
    }
  }
  return out.join('\n');
}

function fmtMs(ms: number | null): string {
  return ms !== null && Number.isFinite(ms) ? `${ms.toFixed(3)} ms` : 'n/a';
}

const csvColumns: [string, (r: BenchReport) => unknown][] = [
  ['device_kind', (r) => r.device.kind],
  ['engine', (r) => r.device.engine],
  ['device', (r) => r.device.name],
  ['abi', (r) => r.device.abi],
  ['codec', (r) => r.settings.codec],
  ['preset', (r) => r.settings.preset],
  ['tuning', (r) => r.settings.tuning],
  ['width', (r) => r.settings.width],
  ['height', (r) => r.settings.height],
  ['format', (r) => r.settings.format],
  ['input', (r) => r.settings.input],
  ['host_copy', (r) => r.settings.hostCopy ?? ''],
  ['mode', (r) => r.settings.mode],
  ['depth', (r) => r.settings.depth],
  ['rate_control', (r) => r.settings.rateControl],
  ['bitrate_target', (r) => r.settings.bitrate ?? ''],
  ['frames', (r) => r.results.frames],
  ['fps', (r) => r.results.fps],
  ['latency_p50_us', (r) => r.results.latencyUs.p50],
  ['latency_p90_us', (r) => r.results.latencyUs.p90],
  ['latency_p99_us', (r) => r.results.latencyUs.p99],
  ['latency_max_us', (r) => r.results.latencyUs.max],
  ['call_mean_us', (r) => r.results.callUs.mean],
  ['upload_mean_us', (r) => r.results.stagesUs.upload?.mean ?? ''],
  ['submit_mean_us', (r) => r.results.stagesUs.submit?.mean ?? ''],
  ['wait_mean_us', (r) => r.results.stagesUs.waitForOutput?.mean ?? ''],
  ['js_overhead_mean_us', (r) => r.results.stagesUs.jsOverhead?.mean ?? ''],
  ['staging_mean_us', (r) => r.results.stagesUs.staging?.mean ?? ''],
  ['bitrate_bps', (r) => r.results.bitrateBps],
  ['event_loop_lag_p99_ms', (r) => r.results.eventLoopLagMs.p99 ?? ''],
  ['ffmpeg_fps', (r) => (r.compare?.ffmpeg.ok ? r.compare.ffmpeg.endToEndFps : '')],
  ['ffmpeg_ratio', (r) => r.compare?.endToEndRatio ?? ''],
];

function csvCell(v: unknown): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(Number(v.toFixed(3))) : '') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header line and one row per report (several runs can be concatenated by dropping the header). */
export function renderCsv(reports: BenchReport[]): string {
  const lines = [csvColumns.map(([name]) => name).join(',')];
  for (const r of reports) lines.push(csvColumns.map(([, get]) => csvCell(get(r))).join(','));
  return `${lines.join('\n')}\n`;
}
