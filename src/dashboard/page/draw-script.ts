/**
 * Browser code shared by the live status page and the performance report: the workers table, the
 * progress bars, the task stream and small line charts, drawn by hand on DOM and canvas (no library:
 * the pages must open without network). It defines one global, `FlotillaDraw`.
 *
 * It is plain ES2020 in a string because it runs in the browser, not in Node; the browser test loads it
 * and checks the page for script errors. Every element it fills exposes what it drew in `data-*`
 * attributes, so tests (and curious users) can read the numbers without parsing pixels.
 * No backticks and no dollar-brace sequences below: this text lives inside a template literal.
 */
export const DRAW_SCRIPT = String.raw`
var FlotillaDraw = (function () {
  'use strict';
  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22',
    '#7f7f7f', '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#9c755f', '#76b7b2', '#edc948'];
  var ERRED = '#d62728';
  /** Moves of results (kind 'transfer'), on their own row per worker. */
  var TRANSFER = '#b5179e';
  var colours = new Map();

  /** A stable colour per task group, in order of first appearance on this page. */
  function colour(group) {
    var c = colours.get(group);
    if (!c) { c = PALETTE[colours.size % PALETTE.length]; colours.set(group, c); }
    return c;
  }
  function groupLabel(group) { return group === '' ? '(anonymous)' : group; }
  function fmtBytes(n) {
    if (!(n > 0)) return '0 B';
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = Math.min(units.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
    var v = n / Math.pow(1024, i);
    return (v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[i];
  }
  function fmtDuration(ms) {
    if (ms < 1) return (ms * 1000).toFixed(0) + ' \u00b5s';
    if (ms < 1000) return ms.toFixed(ms < 10 ? 2 : 0) + ' ms';
    if (ms < 120000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
    return (ms / 60000).toFixed(1) + ' min';
  }
  function fmtRate(x) { return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2); }
  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  /** Workers table body; tbody.dataset.workerCount is the number of rows. */
  function renderWorkers(tbody, workers) {
    var rows = workers.map(function (w) {
      var tr = el('tr');
      tr.dataset.worker = w.id;
      tr.appendChild(el('td', '', w.name === w.id ? w.id : w.id + ' (' + w.name + ')'));
      tr.appendChild(el('td', '', w.host));
      tr.appendChild(el('td', 'num', w.nthreads));
      var memCell = el('td');
      var bar = el('div', 'membar');
      var share = w.memoryLimit > 0 ? w.memory / w.memoryLimit : 0;
      var fill = el('div', 'fill' + (share > 0.95 ? ' over' : share > 0.7 ? ' high' : ''));
      fill.style.width = Math.min(100, share * 100).toFixed(1) + '%';
      bar.appendChild(fill);
      bar.appendChild(el('div', 'text', fmtBytes(w.memory) + (w.memoryLimit > 0 ? ' / ' + fmtBytes(w.memoryLimit) : '')));
      bar.dataset.memory = String(w.memory);
      bar.dataset.memoryLimit = String(w.memoryLimit);
      memCell.appendChild(bar);
      tr.appendChild(memCell);
      tr.appendChild(el('td', 'num', w.running));
      tr.appendChild(el('td', 'num', w.queued));
      tr.appendChild(el('td', '', w.jobId ? w.jobId + (w.jobState ? ' (' + w.jobState + ')' : '') : '\u2013'));
      return tr;
    });
    if (rows.length === 0) {
      var none = el('tr');
      var td = el('td', 'empty', 'no workers connected');
      td.colSpan = 7;
      none.appendChild(td);
      rows.push(none);
    }
    tbody.replaceChildren.apply(tbody, rows);
    tbody.dataset.workerCount = String(workers.length);
  }

  /**
   * One bar per task group: finished (group colour), erred (red), processing (pale group colour),
   * queued (grey); the rest of the bar is waiting. The container's data-* hold the totals.
   */
  function renderProgress(container, groups) {
    var total = 0, finished = 0, erred = 0;
    var rows = groups.map(function (g) {
      total += g.total; finished += g.finished; erred += g.erred;
      var row = el('div', 'progress-row');
      row.dataset.group = g.group;
      row.dataset.total = String(g.total);
      row.dataset.finished = String(g.finished);
      row.dataset.erred = String(g.erred);
      row.dataset.processing = String(g.processing);
      row.dataset.queued = String(g.queued);
      row.dataset.waiting = String(g.waiting);
      var done = g.total > 0 ? Math.min(1, (g.finished + g.erred) / g.total) : 0;
      row.dataset.percent = (done * 100).toFixed(1);
      var name = el('div', 'name', groupLabel(g.group));
      name.title = groupLabel(g.group);
      row.appendChild(name);
      var bar = el('div', 'pbar');
      bar.title = 'waiting ' + g.waiting + ', queued ' + g.queued + ', processing ' + g.processing + ', finished ' + g.finished + ', erred ' + g.erred;
      [['finished', g.finished], ['erred', g.erred], ['processing', g.processing], ['queued', g.queued]].forEach(function (part) {
        if (!(part[1] > 0) || !(g.total > 0)) return;
        var seg = el('div', part[0]);
        seg.style.width = Math.min(100, part[1] / g.total * 100).toFixed(2) + '%';
        if (part[0] === 'finished' || part[0] === 'processing') seg.style.background = colour(g.group);
        bar.appendChild(seg);
      });
      row.appendChild(bar);
      row.appendChild(el('div', 'count', (g.finished + g.erred) + ' / ' + g.total + (g.erred ? ' (' + g.erred + ' erred)' : '')));
      return row;
    });
    if (rows.length === 0) rows.push(el('div', 'empty', 'no tasks yet'));
    container.replaceChildren.apply(container, rows);
    container.dataset.total = String(total);
    container.dataset.finished = String(finished);
    container.dataset.erred = String(erred);
    container.dataset.percent = total > 0 ? ((finished + erred) / total * 100).toFixed(1) : '0';
  }

  function sizeCanvas(canvas, cssHeight) {
    var ratio = window.devicePixelRatio || 1;
    var cssWidth = Math.max(200, canvas.clientWidth || canvas.parentElement.clientWidth || 600);
    canvas.style.height = cssHeight + 'px';
    canvas.width = Math.round(cssWidth * ratio);
    canvas.height = Math.round(cssHeight * ratio);
    var ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { ctx: ctx, width: cssWidth, height: cssHeight };
  }

  /** Tick labels in seconds, relative to the end ("now") or, with fromStart, to the start. */
  function timeAxis(ctx, x0, width, y, t0, t1, fromStart) {
    ctx.fillStyle = '#66707c';
    ctx.strokeStyle = '#dde2e8';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    var span = Math.max(1, t1 - t0);
    var steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000];
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) if (span / steps[i] <= Math.max(2, width / 90)) { step = steps[i]; break; }
    var ref = fromStart ? t0 : t1;
    for (var rel = Math.ceil((t0 - ref) / step) * step; ref + rel <= t1 + 1e-6; rel += step) {
      var x = x0 + (ref + rel - t0) / span * width;
      ctx.beginPath(); ctx.moveTo(x + 0.5, y - 4); ctx.lineTo(x + 0.5, y); ctx.stroke();
      var label = rel === 0 ? (fromStart ? '0 s' : 'now') : (rel / 1000).toFixed(step < 10 ? 3 : step < 1000 ? 2 : 0) + ' s';
      ctx.textAlign = 'center';
      ctx.fillText(label, Math.min(x0 + width - 14, Math.max(x0 + 14, x)), y + 2);
    }
  }

  /**
   * The task stream: one row per worker thread (rows: [{worker, thread, label}]), one bar per task run
   * between t0 and t1 (ms since the epoch), coloured by group; erred runs red with a dark outline;
   * transfers (kind 'transfer') in their own colour. Sets canvas.dataset.bars (task runs) / transfers /
   * erred / rows / groups and keeps the layout for tooltips.
   * opts: { fromStart } labels the axis from t0 (reports) instead of back from t1 ("now").
   */
  function drawTaskStream(canvas, runs, rows, t0, t1, opts) {
    var rowIndex = new Map();
    rows.forEach(function (r, i) { rowIndex.set(r.worker + '\u0000' + r.thread, i); });
    var rowH = rows.length > 24 ? 10 : 18;
    var top = 4, axis = 18;
    var size = sizeCanvas(canvas, Math.max(80, top + rows.length * rowH + axis));
    var ctx = size.ctx;
    var labelW = Math.min(180, Math.max(90, size.width * 0.14));
    var x0 = labelW, width = size.width - labelW - 6;
    var span = Math.max(1, t1 - t0);
    ctx.clearRect(0, 0, size.width, size.height);
    ctx.font = '11px ui-monospace, monospace';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    rows.forEach(function (r, i) {
      var y = top + i * rowH;
      if (i % 2 === 0) { ctx.fillStyle = '#f6f8fa'; ctx.fillRect(x0, y, width, rowH); }
      ctx.fillStyle = '#66707c';
      if (rowH >= 14 || i % 2 === 0) ctx.fillText(r.label, x0 - 6, y + rowH / 2);
    });
    var bars = 0, erred = 0, transfers = 0, groups = new Set(), byRow = rows.map(function () { return []; });
    for (var k = 0; k < runs.length; k++) {
      var run = runs[k];
      if (run.stop < t0 || run.start > t1) continue;
      var row = rowIndex.get(run.worker + '\u0000' + run.thread);
      if (row === undefined) continue;
      var xa = x0 + (Math.max(run.start, t0) - t0) / span * width;
      var xb = x0 + (Math.min(run.stop, t1) - t0) / span * width;
      var w = Math.max(1, xb - xa);
      var y = top + row * rowH + 1;
      if (run.kind === 'transfer') {
        transfers++;
        ctx.fillStyle = TRANSFER;
        ctx.fillRect(xa, y, Math.max(2, w), rowH - 2);
      } else if (run.status === 'erred') {
        groups.add(run.group);
        erred++;
        ctx.fillStyle = ERRED;
        ctx.fillRect(xa, y, Math.max(3, w), rowH - 2);
        ctx.strokeStyle = '#5a0d0e';
        ctx.strokeRect(xa + 0.5, y + 0.5, Math.max(3, w) - 1, rowH - 3);
      } else {
        groups.add(run.group);
        ctx.fillStyle = colour(run.group);
        ctx.fillRect(xa, y, w, rowH - 2);
      }
      byRow[row].push(run);
      if (run.kind !== 'transfer') bars++;
    }
    timeAxis(ctx, x0, width, top + rows.length * rowH + 2, t0, t1, !!(opts && opts.fromStart));
    canvas.dataset.bars = String(bars);
    canvas.dataset.erred = String(erred);
    canvas.dataset.transfers = String(transfers);
    canvas.dataset.rows = String(rows.length);
    canvas.dataset.groups = String(groups.size);
    canvas._layout = { t0: t0, t1: t1, x0: x0, width: width, top: top, rowH: rowH, rows: rows, byRow: byRow };
    return { bars: bars, erred: erred, transfers: transfers, groups: Array.from(groups) };
  }

  /** Shows key, group, worker and duration of the bar under the mouse. */
  function attachTaskTooltip(canvas, tooltip) {
    canvas.addEventListener('mousemove', function (event) {
      var l = canvas._layout;
      if (!l) return;
      var rect = canvas.getBoundingClientRect();
      var x = event.clientX - rect.left, y = event.clientY - rect.top;
      var row = Math.floor((y - l.top) / l.rowH);
      var t = l.t0 + (x - l.x0) / l.width * (l.t1 - l.t0);
      var slack = 3 / l.width * (l.t1 - l.t0);
      var hit = null;
      var list = row >= 0 && row < l.byRow.length ? l.byRow[row] : [];
      for (var i = list.length - 1; i >= 0; i--) {
        if (list[i].start - slack <= t && t <= list[i].stop + slack) { hit = list[i]; break; }
      }
      if (!hit) { tooltip.style.display = 'none'; return; }
      if (hit.kind === 'transfer') {
        tooltip.textContent = 'transfer of ' + (hit.keys ? hit.keys.length : 1) + ' result(s): ' + hit.key.slice(9) + '\n' + hit.source + ' \u2192 ' + hit.destination +
          '\n' + fmtBytes(hit.nbytes) + ' in ' + fmtDuration(hit.stop - hit.start);
      } else tooltip.textContent = hit.key + '\ngroup ' + groupLabel(hit.group) + (hit.status === 'erred' ? ' (erred)' : '') +
        '\n' + hit.worker + ' thread ' + hit.thread + '\n' + fmtDuration(hit.stop - hit.start) +
        (hit.nbytes ? ', result ' + fmtBytes(hit.nbytes) : '');
      tooltip.style.display = 'block';
      tooltip.style.left = (event.clientX + 12) + 'px';
      tooltip.style.top = (event.clientY + 12) + 'px';
    });
    canvas.addEventListener('mouseleave', function () { tooltip.style.display = 'none'; });
  }

  /** Rows of the task stream: every thread of the known workers, then threads seen only in runs. */
  function streamRows(workers, runs) {
    var rows = [], seen = new Set();
    function add(worker, thread, label) {
      var id = worker + '\u0000' + thread;
      if (seen.has(id)) return;
      seen.add(id);
      rows.push({ worker: worker, thread: thread, label: label });
    }
    workers.forEach(function (w) {
      for (var t = 0; t < w.nthreads; t++) add(w.id, t, w.id + ' #' + t);
    });
    runs.forEach(function (r) { add(r.worker, r.thread, r.thread < 0 ? r.worker + ' transfers' : r.worker + ' #' + r.thread); });
    return rows;
  }

  /** One legend entry: a coloured swatch and its label. */
  function swatchLabel(background, text) {
    var span = el('span'), sw = el('span', 'swatch');
    sw.style.background = background;
    span.appendChild(sw);
    span.appendChild(document.createTextNode(text));
    return span;
  }

  /** Replaces the legend of a line chart with one entry per series ({ label, colour }). */
  function seriesLegend(container, series) {
    container.replaceChildren();
    series.forEach(function (s) { container.appendChild(swatchLabel(s.colour, s.label)); });
  }

  function legend(container, groups, withErred, withTransfers) {
    var items = groups.map(function (g) { return swatchLabel(colour(g), groupLabel(g)); });
    if (withErred) items.push(swatchLabel(ERRED, 'erred'));
    if (withTransfers) items.push(swatchLabel(TRANSFER, 'transfer'));
    container.replaceChildren.apply(container, items);
  }

  /**
   * A line chart of series [{label, colour, points: [[t, v], ...]}] over [t0, t1] (ms since the epoch).
   * opts: { height, format(v), yMax, dashed: [label, value, colour], fromStart }. Sets canvas.dataset.points.
   */
  function drawLines(canvas, series, t0, t1, opts) {
    opts = opts || {};
    var size = sizeCanvas(canvas, opts.height || 140);
    var ctx = size.ctx, left = 64, right = 8, top = 8, bottom = 20;
    var width = size.width - left - right, height = size.height - top - bottom;
    var format = opts.format || function (v) { return String(Math.round(v)); };
    var yMax = opts.yMax || 0, points = 0;
    series.forEach(function (s) { s.points.forEach(function (p) { if (p[1] > yMax) yMax = p[1]; }); });
    if (opts.dashed && opts.dashed[1] > yMax) yMax = opts.dashed[1];
    if (!(yMax > 0)) yMax = 1;
    yMax *= 1.08;
    var span = Math.max(1, t1 - t0);
    ctx.clearRect(0, 0, size.width, size.height);
    ctx.strokeStyle = '#dde2e8'; ctx.fillStyle = '#66707c'; ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    for (var i = 0; i <= 3; i++) {
      var v = yMax * i / 3, y = top + height - height * i / 3;
      ctx.beginPath(); ctx.moveTo(left, y + 0.5); ctx.lineTo(left + width, y + 0.5); ctx.stroke();
      ctx.fillText(format(v), left - 6, y);
    }
    function X(t) { return left + (t - t0) / span * width; }
    function Y(v) { return top + height - v / yMax * height; }
    if (opts.dashed) {
      ctx.save(); ctx.setLineDash([5, 4]); ctx.strokeStyle = opts.dashed[2] || '#d62728';
      ctx.beginPath(); ctx.moveTo(left, Y(opts.dashed[1])); ctx.lineTo(left + width, Y(opts.dashed[1])); ctx.stroke();
      ctx.restore();
    }
    series.forEach(function (s) {
      ctx.strokeStyle = s.colour; ctx.lineWidth = 1.6; ctx.beginPath();
      s.points.forEach(function (p, j) { if (j === 0) ctx.moveTo(X(p[0]), Y(p[1])); else ctx.lineTo(X(p[0]), Y(p[1])); });
      ctx.stroke(); ctx.lineWidth = 1;
      points += s.points.length;
    });
    timeAxis(ctx, left, width, top + height + 2, t0, t1, !!opts.fromStart);
    canvas.dataset.points = String(points);
    canvas.dataset.series = String(series.length);
  }

  return {
    colour: colour, groupLabel: groupLabel, fmtBytes: fmtBytes, fmtDuration: fmtDuration, fmtRate: fmtRate, el: el,
    renderWorkers: renderWorkers, renderProgress: renderProgress, drawTaskStream: drawTaskStream,
    attachTaskTooltip: attachTaskTooltip, streamRows: streamRows, legend: legend, seriesLegend: seriesLegend, drawLines: drawLines, ERRED: ERRED, TRANSFER: TRANSFER,
  };
})();
`;
