/**
 * The performance report's HTML: the data as JSON in a `<script type="application/json">` element and
 * the shared drawing code, so the file opens from disk with no server and no network.
 */
import { jsonForScript, type ReportData } from '../report-data.js';
import { DRAW_SCRIPT } from './draw-script.js';
import { FLAME_SCRIPT } from './flame-script.js';
import { STYLES } from './styles.js';

/** Browser code of the report. No backticks or dollar-braces (it lives in a template literal). */
const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = FlotillaDraw;
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var byId = function (id) { return document.getElementById(id); };
  var t0 = data.start, t1 = Math.max(data.stop, data.start + 1);
  var transferFlag = data.runs.transfer || [];
  var all = data.runs.key.map(function (key, i) {
    var moved = transferFlag[i] === 1;
    return {
      key: key, group: moved ? 'transfer' : data.groups[data.runs.group[i]], worker: data.workers[data.runs.worker[i]].id,
      thread: data.runs.thread[i], start: t0 + data.runs.start[i], stop: t0 + data.runs.stop[i],
      status: data.runs.erred[i] ? 'erred' : 'memory', nbytes: data.runs.nbytes[i], groupIndex: data.runs.group[i],
      kind: moved ? 'transfer' : undefined, source: moved ? data.runs.source[i] : undefined, destination: moved ? data.runs.destination[i] : undefined,
    };
  });
  // Task runs for the summaries; transfers are drawn in the task stream only.
  var runs = all.filter(function (r) { return r.kind !== 'transfer'; });
  var moves = all.length - runs.length;
  document.body.dataset.transfers = String(moves);
  data.groups.forEach(function (g) { D.colour(g); });

  // Summary.
  var erred = runs.filter(function (r) { return r.status === 'erred'; }).length;
  var threads = data.workers.reduce(function (s, w) { return s + w.nthreads; }, 0);
  var busy = runs.reduce(function (s, r) { return s + (Math.min(r.stop, t1) - Math.max(r.start, t0)); }, 0);
  var summary = [
    ['started', new Date(data.start).toISOString()],
    ['duration', D.fmtDuration(data.stop - data.start)],
    ['tasks run', runs.length + (erred ? ' (' + erred + ' erred)' : '')],
    ['transfers', String(moves)],
    ['workers / threads', data.workers.length + ' / ' + threads],
    ['thread occupancy', threads > 0 ? (busy / ((t1 - t0) * threads) * 100).toFixed(1) + ' %' : '\u2013'],
    ['compute time', D.fmtDuration(busy)],
  ];
  var dl = byId('summary');
  summary.forEach(function (pair) { dl.appendChild(D.el('dt', '', pair[0])); dl.appendChild(D.el('dd', '', pair[1])); });
  data.notes.forEach(function (note) { byId('notes').appendChild(D.el('p', 'note', note)); });
  document.body.dataset.runs = String(runs.length);

  // Per group: counts and durations, and a finished/erred bar.
  var stats = data.groups.map(function (g) { return { group: g, count: 0, erred: 0, total: 0, max: 0 }; });
  runs.forEach(function (r) {
    var s = stats[r.groupIndex], d = r.stop - r.start;
    s.count++; if (r.status === 'erred') s.erred++; s.total += d; if (d > s.max) s.max = d;
  });
  D.renderProgress(byId('progress'), stats.map(function (s) {
    return { group: s.group, waiting: 0, queued: 0, processing: 0, finished: s.count - s.erred, erred: s.erred, total: s.count };
  }));
  var tbody = byId('groups-body');
  stats.forEach(function (s) {
    var tr = D.el('tr');
    tr.dataset.group = s.group;
    [D.groupLabel(s.group), s.count, s.erred, D.fmtDuration(s.total), D.fmtDuration(s.count ? s.total / s.count : 0), D.fmtDuration(s.max)]
      .forEach(function (v, i) { tr.appendChild(D.el('td', i ? 'num' : '', v)); });
    tbody.appendChild(tr);
  });

  var times = data.samples.time.map(function (t) { return t0 + t; });
  function draw() {
    var drawn = D.drawTaskStream(byId('task-stream'), all, D.streamRows(data.workers, all), t0, t1, { fromStart: true });
    D.legend(byId('stream-legend'), drawn.groups, drawn.erred > 0, drawn.transfers > 0);

    // Completions per group over time (cumulative).
    var perGroup = data.groups.map(function (g) { return { label: g, colour: D.colour(g), points: [[t0, 0]] }; });
    var sortedIdx = runs.map(function (_, i) { return i; }).sort(function (a, b) { return runs[a].stop - runs[b].stop; });
    var counts = data.groups.map(function () { return 0; });
    sortedIdx.forEach(function (i) { var g = runs[i].groupIndex; counts[g]++; perGroup[g].points.push([runs[i].stop, counts[g]]); });
    perGroup.forEach(function (s, g) { s.points.push([t1, counts[g]]); });
    D.drawLines(byId('progress-chart'), perGroup, t0, t1, { height: 160, fromStart: true });
    D.legend(byId('progress-legend'), data.groups, false);

    // Worker memory.
    var limits = data.workers.map(function (w) { return w.memoryLimit; }).filter(function (x) { return x > 0; });
    var sameLimit = limits.length > 0 && limits.every(function (x) { return x === limits[0]; });
    var memory = data.workers.map(function (w, wi) {
      var points = [];
      data.samples.memory.forEach(function (row, si) { if (row[wi] !== null && row[wi] !== undefined) points.push([times[si], row[wi]]); });
      return { label: w.id, colour: D.colour('\u0000worker ' + w.id), points: points };
    });
    // The limit line only where it does not flatten the curves (a 12 GiB limit over 80 MiB of use).
    var peak = 0;
    memory.forEach(function (s) { s.points.forEach(function (p) { if (p[1] > peak) peak = p[1]; }); });
    var showLimit = sameLimit && limits[0] <= 3 * peak;
    D.drawLines(byId('memory-chart'), memory, t0, t1, { height: 160, format: D.fmtBytes, dashed: showLimit ? ['limit', limits[0], '#d62728'] : null, fromStart: true });
    var memLegend = byId('memory-legend');
    D.seriesLegend(memLegend, memory);
    if (sameLimit) memLegend.appendChild(D.el('span', '', (showLimit ? '- - ' : '') + 'limit ' + D.fmtBytes(limits[0]) + ' per worker'));

    // Tasks by state.
    var stateSeries = [['processing', '#2f6fb0'], ['queued', '#9aa5b1'], ['waiting', '#e0a030'], ['memory', '#2ca02c']].map(function (p) {
      return { label: p[0], colour: p[1], points: data.samples.tasks.map(function (c, si) { return [times[si], c[p[0]] || 0]; }) };
    });
    D.drawLines(byId('states-chart'), stateSeries, t0, t1, { height: 160, fromStart: true });
    D.seriesLegend(byId('states-legend'), stateSeries);
  }
  // Where the task threads spent their time during the body.
  var flameFocus = 0;
  function drawFlame() { if (data.profile) FlotillaFlame.render(byId('flame-graph'), data.profile, { focus: flameFocus }); }
  byId('profile-note').textContent = data.profile ? FlotillaFlame.describe(data.profile, D.fmtDuration) :
    'No profile: the client gave none (see the notes above).';

  D.attachTaskTooltip(byId('task-stream'), byId('tooltip'));
  draw();
  drawFlame();
  window.addEventListener('resize', function () { draw(); drawFlame(); });
})();
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The complete HTML document of a performance report. */
export function reportPageHtml(data: ReportData): string {
  const title = escapeHtml(data.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${title}</title>
<style>${STYLES}</style>
</head>
<body data-runs="0">
<header><h1>${title}</h1><span class="sub">${escapeHtml(new Date(data.start).toISOString())} &middot; flotilla</span></header>
<main>
<section id="summary-panel"><h2>Summary</h2><dl class="summary" id="summary"></dl><div id="notes"></div></section>
<section id="groups-panel"><h2>Task groups</h2>
<div id="progress"></div>
<table><thead><tr><th>group</th><th class="num">tasks</th><th class="num">erred</th><th class="num">compute</th><th class="num">mean</th><th class="num">max</th></tr></thead><tbody id="groups-body"></tbody></table>
</section>
<section class="wide" id="stream-panel"><h2>Task stream</h2>
<canvas id="task-stream" data-bars="0"></canvas>
<div class="legend" id="stream-legend"></div>
</section>
<section class="wide" id="profile-panel"><h2>Where the task threads spent their time (sampled)</h2>
<div class="flame-box" id="flame-graph" data-boxes="0"></div>
<div class="note" id="profile-note"></div>
</section>
<section id="progress-over-time"><h2>Tasks finished over time, per group</h2><canvas id="progress-chart"></canvas><div class="legend" id="progress-legend"></div></section>
<section id="memory-panel"><h2>Worker memory (resident)</h2><canvas id="memory-chart"></canvas><div class="legend" id="memory-legend"></div></section>
<section class="wide" id="states-panel"><h2>Tasks by state (scheduler)</h2><canvas id="states-chart"></canvas><div class="legend" id="states-legend"></div></section>
</main>
<div class="tooltip" id="tooltip"></div>
<script id="report-data" type="application/json">${jsonForScript(data)}</script>
<script>${DRAW_SCRIPT}</script>
<script>${FLAME_SCRIPT}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
