/**
 * The live status page (`/status`): one self-contained HTML document. Its script opens an EventSource
 * on `events` (carrying the page's own `?token=`), keeps the task runs of the last minutes, and redraws
 * at most once per animation frame when an update arrives.
 */
import { DRAW_SCRIPT } from './draw-script.js';
import { FLAME_SCRIPT } from './flame-script.js';
import { STYLES } from './styles.js';

/** Browser code of the live page; `__HISTORY_MS__` is replaced by the server. No backticks or dollar-braces. */
const LIVE_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = FlotillaDraw;
  var HISTORY_MS = __HISTORY_MS__;
  var MAX_RUNS = 60000;
  var token = new URLSearchParams(location.search).get('token');
  var query = token ? '?token=' + encodeURIComponent(token) : '';
  var byId = function (id) { return document.getElementById(id); };
  var runs = [], figures = [], latest = null, updates = 0, dropped = 0, drawing = false;
  D.attachTaskTooltip(byId('task-stream'), byId('tooltip'));

  function receive(update, fresh) {
    if (fresh) { runs = []; figures = []; }
    for (var i = 0; i < update.runs.length; i++) runs.push(update.runs[i]);
    var cutoff = update.time - HISTORY_MS;
    if (runs.length > 0 && runs[0].stop < cutoff) runs = runs.filter(function (r) { return r.stop >= cutoff; });
    if (runs.length > MAX_RUNS) { dropped += runs.length - MAX_RUNS; runs = runs.slice(runs.length - MAX_RUNS); }
    dropped += update.runsDropped || 0;
    var delay = update.figures.eventLoopDelayMs;
    figures.push({ t: update.time, tasks: update.figures.tasksPerSecond, messages: update.figures.messagesPerSecond, delay: delay ? delay.max : null });
    while (figures.length > 0 && figures[0].t < update.time - Math.min(HISTORY_MS, 180000)) figures.shift();
    latest = update;
    updates++;
    document.body.dataset.updates = String(updates);
    if (!drawing) { drawing = true; requestAnimationFrame(render); }
  }

  function figure(id, value) { byId(id).textContent = value; }

  function render() {
    drawing = false;
    var s = latest;
    if (!s) return;
    byId('scheduler').textContent = s.schedulerAddress;
    var threads = 0, memory = 0;
    s.workers.forEach(function (w) { threads += w.nthreads; memory += w.memory; });
    figure('fig-workers', s.workers.length);
    figure('fig-threads', threads);
    figure('fig-memory', D.fmtBytes(memory));
    figure('fig-tasks-rate', D.fmtRate(s.figures.tasksPerSecond));
    figure('fig-messages-rate', D.fmtRate(s.figures.messagesPerSecond));
    var delay = s.figures.eventLoopDelayMs;
    figure('fig-delay', delay ? delay.mean.toFixed(1) + ' / ' + delay.max.toFixed(0) : '\u2013');
    var states = s.tasksByState;
    figure('fig-processing', states.processing || 0);
    figure('fig-waiting', (states.waiting || 0) + (states.queued || 0));
    figure('fig-in-memory', states.memory || 0);
    var jobs = s.jobs.length ? s.jobs.reduce(function (acc, j) { acc[j.state] = (acc[j.state] || 0) + 1; return acc; }, {}) : null;
    byId('jobs').textContent = jobs ? 'jobs: ' + Object.keys(jobs).map(function (k) { return jobs[k] + ' ' + k; }).join(', ') : '';

    D.renderWorkers(byId('workers-body'), s.workers);
    D.renderProgress(byId('progress'), s.groups);
    groupOptions(s.groups);

    var t1 = s.time, t0 = t1 - HISTORY_MS, earliest = Infinity;
    for (var i = 0; i < runs.length; i++) if (runs[i].start < earliest) earliest = runs[i].start;
    if (earliest !== Infinity) t0 = Math.max(t0, Math.min(earliest, t1 - 1000));
    else t0 = t1 - 10000;
    var drawn = D.drawTaskStream(byId('task-stream'), runs, D.streamRows(s.workers, runs), t0, t1);
    D.legend(byId('stream-legend'), drawn.groups, drawn.erred > 0, drawn.transfers > 0);
    byId('stream-note').textContent = runs.length === 0 ? 'no task has run in the last ' + D.fmtDuration(HISTORY_MS) + '.' :
      runs.length + ' task runs over ' + D.fmtDuration(t1 - t0) + (dropped ? '; ' + dropped + ' runs not drawn (too many to send)' : '') + '.';

    var f0 = figures.length ? figures[0].t : t1 - 1000;
    D.drawLines(byId('rate-chart'), [
      { label: 'tasks/s', colour: '#2f6fb0', points: figures.map(function (f) { return [f.t, f.tasks]; }) },
    ], f0, t1, { height: 110, format: D.fmtRate });
    D.drawLines(byId('delay-chart'), [
      { label: 'event-loop delay', colour: '#e07b39', points: figures.filter(function (f) { return f.delay !== null; }).map(function (f) { return [f.t, f.delay]; }) },
    ], f0, t1, { height: 110, format: function (v) { return v.toFixed(v < 10 ? 1 : 0) + ' ms'; } });
  }

  // The flame graph: fetched from the scheduler on load, every PROFILE_EVERY_MS, on a change of group and on
  // the button (each fetch makes the workers hand over their latest samples, so not more often).
  var PROFILE_EVERY_MS = 10000;
  var profileBusy = false, profileGraph = null, profileFocus = 0, knownGroups = '';
  function loadProfile() {
    if (profileBusy) return;
    profileBusy = true;
    var group = byId('profile-group').value;
    var url = 'api/profile' + query + (group ? (query ? '&' : '?') + 'group=' + encodeURIComponent(group) : '');
    fetch(url).then(function (response) {
      if (!response.ok) return response.text().then(function (text) { throw new Error(text.trim() || String(response.status)); });
      return response.json();
    }).then(function (graph) {
      profileGraph = graph;
      profileFocus = 0;
      drawProfile();
      byId('profile-note').textContent = FlotillaFlame.describe(graph, D.fmtDuration);
      document.body.dataset.profiles = String(Number(document.body.dataset.profiles || 0) + 1);
    }, function (error) {
      byId('profile-note').textContent = 'profile not available: ' + error.message;
    }).then(function () { profileBusy = false; });
  }
  function drawProfile() { if (profileGraph) FlotillaFlame.render(byId('flame-graph'), profileGraph, { focus: profileFocus }); }
  function groupOptions(groups) {
    var names = groups.map(function (g) { return g.group; }).join('\u0000');
    if (names === knownGroups) return;
    knownGroups = names;
    var select = byId('profile-group'), chosen = select.value;
    var options = [D.el('option', '', 'all tasks')];
    options[0].value = '';
    groups.forEach(function (g) { var o = D.el('option', '', D.groupLabel(g.group)); o.value = g.group; options.push(o); });
    select.replaceChildren.apply(select, options);
    select.value = chosen;
    if (select.value !== chosen) select.value = '';
  }
  byId('profile-group').addEventListener('change', loadProfile);
  byId('profile-refresh').addEventListener('click', loadProfile);
  setInterval(function () { if (!document.hidden) loadProfile(); }, PROFILE_EVERY_MS);
  loadProfile();

  function connect() {
    var source = new EventSource('events' + query);
    source.addEventListener('snapshot', function (e) { receive(JSON.parse(e.data), true); });
    source.addEventListener('update', function (e) { receive(JSON.parse(e.data), false); });
    source.onopen = function () {
      byId('status').className = 'status live';
      byId('status').textContent = 'live';
      document.body.dataset.connected = '1';
    };
    source.onerror = function () {
      byId('status').className = 'status down';
      byId('status').textContent = 'reconnecting\u2026';
      document.body.dataset.connected = '0';
    };
  }
  window.addEventListener('resize', function () { drawProfile(); if (latest && !drawing) { drawing = true; requestAnimationFrame(render); } });
  connect();
})();
`;

/**
 * The HTML of `/status`.
 * @param historyMs - how far back the task stream goes, in milliseconds
 */
export function statusPageHtml(historyMs: number): string {
  const script = LIVE_SCRIPT.replace('__HISTORY_MS__', String(Math.round(historyMs)));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>flotilla dashboard</title>
<style>${STYLES}</style>
</head>
<body data-updates="0" data-connected="0">
<header><h1>flotilla</h1><span class="sub">scheduler <span id="scheduler">…</span></span><span id="status" class="status">connecting…</span></header>
<main>
<section class="wide" id="figures-panel"><h2>Scheduler</h2>
<div class="figures">
<div class="figure"><div class="value" id="fig-workers">–</div><div class="label">workers</div></div>
<div class="figure"><div class="value" id="fig-threads">–</div><div class="label">threads</div></div>
<div class="figure"><div class="value" id="fig-memory">–</div><div class="label">worker memory</div></div>
<div class="figure"><div class="value" id="fig-processing">–</div><div class="label">tasks processing</div></div>
<div class="figure"><div class="value" id="fig-waiting">–</div><div class="label">tasks waiting or queued</div></div>
<div class="figure"><div class="value" id="fig-in-memory">–</div><div class="label">results in memory</div></div>
<div class="figure"><div class="value" id="fig-tasks-rate">–</div><div class="label">tasks/s</div></div>
<div class="figure"><div class="value" id="fig-messages-rate">–</div><div class="label">messages/s</div></div>
<div class="figure"><div class="value" id="fig-delay">–</div><div class="label">event-loop delay, ms (mean / max)</div></div>
</div>
<div class="note" id="jobs"></div>
</section>
<section id="workers-panel"><h2>Workers</h2>
<table><thead><tr><th>worker</th><th>host</th><th class="num">threads</th><th>memory (use / limit)</th><th class="num">running</th><th class="num">queued</th><th>job</th></tr></thead>
<tbody id="workers-body" data-worker-count="0"></tbody></table>
</section>
<section id="progress-panel"><h2>Progress by task group</h2>
<div id="progress" data-total="0" data-finished="0" data-erred="0" data-percent="0"></div>
<div class="legend"><span><span class="swatch" style="background:#6a9fd4"></span>finished (group colour)</span><span><span class="swatch" style="background:#6a9fd4;opacity:.45"></span>processing</span><span><span class="swatch" style="background:#b9c2cc"></span>queued</span><span><span class="swatch" style="background:#eef1f5;border:1px solid #ccd"></span>waiting</span><span><span class="swatch" style="background:#d62728"></span>erred</span></div>
</section>
<section class="wide" id="stream-panel"><h2>Task stream</h2>
<canvas id="task-stream" data-bars="0" data-rows="0" data-erred="0"></canvas>
<div class="legend" id="stream-legend"></div>
<div class="note" id="stream-note"></div>
</section>
<section class="wide" id="profile-panel"><h2>Where the task threads spend their time (sampled)</h2>
<div class="controls"><label for="profile-group">task group</label><select id="profile-group"><option value="">all tasks</option></select><button id="profile-refresh" type="button">refresh</button></div>
<div class="flame-box" id="flame-graph" data-boxes="0"></div>
<div class="note" id="profile-note"></div>
</section>
<section id="rate-panel"><h2>Tasks per second</h2><canvas id="rate-chart"></canvas></section>
<section id="delay-panel"><h2>Scheduler event-loop delay (max per second)</h2><canvas id="delay-chart"></canvas></section>
</main>
<div class="tooltip" id="tooltip"></div>
<script>${DRAW_SCRIPT}</script>
<script>${FLAME_SCRIPT}</script>
<script>${script}</script>
</body>
</html>
`;
}
