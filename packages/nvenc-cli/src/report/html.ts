/**
 * `--report out.html`: one self-contained page (no network): the summary tables, a latency
 * histogram and per-frame time series drawn by Chart.js, whose UMD bundle is inlined.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { histogram } from '../stats.js';
import type { BenchReport } from './model.js';
import { renderText } from './text.js';

const requireHere = createRequire(import.meta.url);

/** The Chart.js UMD bundle's source (defines the global `Chart`). */
export function chartJsSource(): string {
  // chart.js's "exports" hides package.json and the UMD files; its main entry lives beside them in dist/.
  const distDir = dirname(requireHere.resolve('chart.js'));
  for (const name of ['chart.umd.min.js', 'chart.umd.js']) {
    try {
      return readFileSync(join(distDir, name), 'utf8');
    } catch {
      // try the next name (the file was renamed between 4.4 and 4.5)
    }
  }
  throw new Error(`no Chart.js UMD bundle in ${distDir}`);
}

/** Text that is safe inside a <script> element (no "</script" or "<!--" sequences). */
export function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The page up to and including its `<h1>`: one look for every report the CLI writes. */
export function pageHead(title: string, maxWidthPx: number, extraCss = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: ${maxWidthPx}px; color: #1d232a; padding: 0 16px; }
  h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
  pre { background: #f4f6f8; padding: 12px; overflow-x: auto; font: 12px/1.35 ui-monospace, monospace; }
  .chart { position: relative; height: 320px; }
${extraCss}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
`;
}

export function renderHtml(report: BenchReport): string {
  const latencies = report.perFrame.latencyUs.filter((v) => Number.isFinite(v));
  const h = histogram(latencies, 40);
  const chartData = {
    histogram: {
      labels: h.counts.map((_, i) => `${fmt(h.edges[i]!)}–${fmt(h.edges[i + 1]!)}`),
      counts: h.counts,
    },
    series: {
      frame: report.perFrame.latencyUs.map((_, i) => i),
      latencyUs: report.perFrame.latencyUs,
      callUs: report.perFrame.callUs,
      bytes: report.perFrame.bytes,
    },
  };
  const title = `nvenc-bench ${report.settings.codec} ${report.settings.width}x${report.settings.height} — ${report.results.fps.toFixed(1)} fps`;
  return `${pageHead(title, 1100, '  .device { font-weight: 600; }\n')}<p class="device">${escapeHtml(report.device.line)}</p>
<h2>Summary</h2>
<pre>${escapeHtml(renderText(report))}</pre>
<h2>Latency histogram (submit → packet, µs)</h2>
<div class="chart"><canvas id="latency-histogram" aria-label="latency histogram"></canvas></div>
<h2>Per-frame time series</h2>
<div class="chart"><canvas id="frame-series" aria-label="per-frame latency and call time"></canvas></div>
<h2>Bytes per frame</h2>
<div class="chart"><canvas id="frame-bytes" aria-label="bytes per frame"></canvas></div>
<p>Generated ${escapeHtml(report.createdAt)} by nvenc-bench ${escapeHtml(report.version)} on Node ${escapeHtml(report.host.node)}, ${report.host.cpus}× ${escapeHtml(report.host.cpuModel)}.</p>
<script>${scriptSafe(chartJsSource())}</script>
<script id="bench-report" type="application/json">${scriptSafe(JSON.stringify({ report, chartData }))}</script>
<script>
(function () {
  var payload = JSON.parse(document.getElementById('bench-report').textContent);
  var d = payload.chartData;
  window.benchReport = payload.report;
  var common = { animation: false, responsive: true, maintainAspectRatio: false };
  window.benchCharts = [
    new Chart(document.getElementById('latency-histogram'), {
      type: 'bar',
      data: { labels: d.histogram.labels, datasets: [{ label: 'frames', data: d.histogram.counts, backgroundColor: '#3b7dd8' }] },
      options: Object.assign({}, common, { scales: { x: { title: { display: true, text: 'latency (µs)' } }, y: { beginAtZero: true, title: { display: true, text: 'frames' } } } })
    }),
    new Chart(document.getElementById('frame-series'), {
      type: 'line',
      data: { labels: d.series.frame, datasets: [
        { label: 'latency (µs)', data: d.series.latencyUs, borderColor: '#d8553b', pointRadius: 0, borderWidth: 1 },
        { label: 'call time (µs)', data: d.series.callUs, borderColor: '#3b7dd8', pointRadius: 0, borderWidth: 1 }
      ] },
      options: Object.assign({}, common, { scales: { x: { title: { display: true, text: 'frame' } }, y: { beginAtZero: true, title: { display: true, text: 'µs' } } } })
    }),
    new Chart(document.getElementById('frame-bytes'), {
      type: 'bar',
      data: { labels: d.series.frame, datasets: [{ label: 'bytes', data: d.series.bytes, backgroundColor: '#4a9d5b' }] },
      options: Object.assign({}, common, { scales: { x: { title: { display: true, text: 'frame' } }, y: { beginAtZero: true } } })
    })
  ];
})();
</script>
</body>
</html>
`;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}
