/**
 * `nvenc-bench suite --report out.html`: the suite's text tables plus three charts on one
 * self-contained page (Chart.js inlined): the JS-side overhead per round (TS − C++ for each
 * input), host-frame upload per strategy against the raw copies, and aggregate fps per number
 * of concurrent sessions.
 */
import type { SuiteReport } from '../suite.js';
import { renderSuiteText } from '../suite.js';
import { chartJsSource, escapeHtml, pageHead, scriptSafe } from './html.js';

export function renderSuiteHtml(report: SuiteReport): string {
  const overhead = (report.overhead?.inputs ?? [])
    .filter((x) => x.ok)
    .map((x) => ({
      input: x.input,
      sync: x.syncEncode!.perRoundP50Us.map((v, k) => v - x.cppLoop!.perRoundP50Us[k]!),
      async: x.asyncRoundTrip!.perRoundP50Us.map((v, k) => v - x.cppLoop!.perRoundP50Us[k]!),
      overFloor: x.asyncFloor ? x.asyncRoundTrip!.perRoundP50Us.map((v, k) => v - x.asyncFloor!.perRoundP50Us[k]!) : [],
    }));
  const upload = {
    labels: [
      ...report.upload.rows.filter((r) => r.uploadUs !== null && r.label !== 'device').map((r) => r.label),
      ...(report.upload.rawCopy ? ['raw cuMemcpyHtoD pinned', 'raw cuMemcpyHtoD pageable'] : []),
    ],
    us: [
      ...report.upload.rows.filter((r) => r.uploadUs !== null && r.label !== 'device').map((r) => r.uploadUs!),
      ...(report.upload.rawCopy ? [report.upload.rawCopy.pinnedUs.p50, report.upload.rawCopy.pageableUs.p50] : []),
    ],
  };
  const engines = [...new Set((report.sessions?.rows ?? []).map((r) => r.engine))];
  const counts = [...new Set((report.sessions?.rows ?? []).map((r) => r.sessions))];
  const sessions = {
    counts,
    datasets: engines.map((engine) => ({
      engine,
      fps: counts.map(
        (n) => report.sessions!.rows.find((r) => r.engine === engine && r.sessions === n)?.aggregateFps ?? null,
      ),
    })),
  };
  const chartData = { overhead, upload, sessions };
  const title = 'nvenc-bench suite';
  return `${pageHead(title, 1200)}<pre>${escapeHtml(renderSuiteText(report))}</pre>
<h2>JS-side overhead per round (TS call − C++ loop on the same session; dashed: encodeAsync − its floor, µs)</h2>
<div class="chart"><canvas id="overhead-rounds" aria-label="overhead per round"></canvas></div>
<h2>Host-frame upload, p50 µs (lower is faster)</h2>
<div class="chart"><canvas id="upload" aria-label="upload per strategy"></canvas></div>
<h2>Aggregate frames per second by concurrent sessions</h2>
<div class="chart"><canvas id="sessions" aria-label="aggregate fps by sessions"></canvas></div>
<p>Generated ${escapeHtml(report.createdAt)} on Node ${escapeHtml(report.host.node)}, ${report.host.cpus}× ${escapeHtml(report.host.cpuModel)}.</p>
<script>${scriptSafe(chartJsSource())}</script>
<script id="suite-report" type="application/json">${scriptSafe(JSON.stringify({ report, chartData }))}</script>
<script>
(function () {
  var payload = JSON.parse(document.getElementById('suite-report').textContent);
  var d = payload.chartData;
  window.suiteReport = payload.report;
  var colours = ['#3b7dd8', '#d8553b', '#4a9d5b', '#9a5bd8'];
  var common = { animation: false, responsive: true, maintainAspectRatio: false };
  var rounds = d.overhead.length ? d.overhead[0].sync.map(function (_, i) { return i + 1; }) : [];
  var overheadSets = [];
  d.overhead.forEach(function (o, i) {
    overheadSets.push({ label: o.input + ' encode()', data: o.sync, borderColor: colours[(2 * i) % 4], pointRadius: 2, borderWidth: 1 });
    overheadSets.push({ label: o.input + ' encodeAsync() round trip', data: o.async, borderColor: colours[(2 * i + 1) % 4], pointRadius: 2, borderWidth: 1 });
    if (o.overFloor.length) overheadSets.push({ label: o.input + ' encodeAsync() − floor (beyond the two thread hops)', data: o.overFloor, borderColor: colours[(2 * i + 1) % 4], borderDash: [4, 3], pointRadius: 2, borderWidth: 1 });
  });
  window.suiteCharts = [
    new Chart(document.getElementById('overhead-rounds'), {
      type: 'line',
      data: { labels: rounds, datasets: overheadSets },
      options: Object.assign({}, common, { scales: { x: { title: { display: true, text: 'round' } }, y: { title: { display: true, text: 'µs' } } } })
    }),
    new Chart(document.getElementById('upload'), {
      type: 'bar',
      data: { labels: d.upload.labels, datasets: [{ label: 'upload p50 (µs)', data: d.upload.us, backgroundColor: '#3b7dd8' }] },
      options: Object.assign({}, common, { indexAxis: 'y', scales: { x: { beginAtZero: true, title: { display: true, text: 'µs' } } } })
    }),
    new Chart(document.getElementById('sessions'), {
      type: 'bar',
      data: { labels: d.sessions.counts, datasets: d.sessions.datasets.map(function (s, i) {
        return { label: s.engine + ' engine', data: s.fps, backgroundColor: colours[i % 4] };
      }) },
      options: Object.assign({}, common, { scales: { x: { title: { display: true, text: 'concurrent sessions' } }, y: { beginAtZero: true, title: { display: true, text: 'aggregate fps' } } } })
    })
  ];
})();
</script>
</body>
</html>
`;
}
