/**
 * Browser code that draws a flame graph (the `FlameGraph` of src/profile/flame.ts) as SVG, shared by
 * the live status page and the performance report. It defines one global, `FlotillaFlame`.
 *
 * The root is on top and callees below their callers (an icicle, as Dask's profile page and
 * speedscope's left-heavy view); a box's width is its share of the samples. Every box is an SVG group
 * with its frame in `data-*` (name, file, line, count, self, index, parent) and a `<title>` the
 * browser shows on hover; boxes wide enough carry their function's name as a label. Clicking a box
 * zooms to it, clicking the root zooms out. Plain ES2020 in a string (it runs in the browser): no
 * backticks and no dollar-brace sequences below.
 */
export const FLAME_SCRIPT = String.raw`
var FlotillaFlame = (function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var ROW = 18;
  /** V8's own work and the boxes that stand for several frames. */
  var GREY = { '(other)': '#b9c2cc', '(program)': '#a7b4c2', '(garbage collector)': '#c9b7a0', '(idle)': '#d5dbe2', '(all)': '#8fa1b3' };

  function hash(text) {
    var h = 2166136261;
    for (var i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 16777619); }
    return h >>> 0;
  }
  /** Warm colours, stable per function and file, like the classic flame graphs. */
  function colourOf(name, file) {
    if (GREY[name]) return GREY[name];
    var h = hash(name + '\u0000' + file);
    return 'hsl(' + (h % 55) + ', ' + (62 + (h >> 8) % 25) + '%, ' + (58 + (h >> 16) % 14) + '%)';
  }
  function where(nodes, i) {
    if (!nodes.file[i]) return '';
    var file = nodes.file[i];
    var short = file.length > 60 ? '\u2026' + file.slice(file.length - 59) : file;
    return short + (nodes.line[i] ? ':' + nodes.line[i] : '');
  }
  function node(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k]));
    return e;
  }

  /**
   * Draws graph into container (replacing what was there). opts: { focus } the index of the box to
   * zoom to (0: the root). Sets container.dataset.total / boxes / merged / focus.
   */
  function render(container, graph, opts) {
    opts = opts || {};
    var nodes = graph.nodes, n = nodes.name.length;
    container.replaceChildren();
    container.dataset.total = String(graph.total);
    container.dataset.merged = String(graph.merged);
    container.dataset.boxes = '0';
    if (n === 0 || !(graph.total > 0)) {
      var empty = document.createElement('div');
      empty.className = 'empty';
      empty.textContent = 'no samples yet (tasks must run on the workers while they sample)';
      container.appendChild(empty);
      return { boxes: 0 };
    }
    var children = [], depth = new Array(n), onPath = new Array(n);
    for (var i = 0; i < n; i++) children.push([]);
    for (var j = 1; j < n; j++) if (nodes.parent[j] >= 0 && nodes.parent[j] < j) children[nodes.parent[j]].push(j);
    depth[0] = 0;
    for (var d = 1; d < n; d++) depth[d] = nodes.parent[d] >= 0 && nodes.parent[d] < d ? depth[nodes.parent[d]] + 1 : 1;
    var focus = opts.focus > 0 && opts.focus < n ? opts.focus : 0;
    for (var a = focus; a >= 0; a = a === 0 ? -1 : nodes.parent[a]) onPath[a] = true;
    container.dataset.focus = String(focus);

    var width = Math.max(200, container.clientWidth || 800);
    var scale = width / Math.max(1, nodes.count[focus]);
    var x = new Array(n), w = new Array(n), maxDepth = 0;
    // The path down to the focus fills the width; below it, boxes share their parent's width by samples.
    for (var p = 0; p < n; p++) {
      if (onPath[p]) { x[p] = 0; w[p] = width; }
      // Only the focus and what is below it lay out their callees; above it, the path alone is drawn.
      if (x[p] === undefined || (onPath[p] && p !== focus)) continue;
      var cursor = x[p];
      for (var c = 0; c < children[p].length; c++) {
        var child = children[p][c];
        x[child] = cursor;
        w[child] = nodes.count[child] * scale;
        cursor += w[child];
      }
    }
    var svg = node('svg', { class: 'flame', width: width, role: 'img' });
    var boxes = 0;
    for (var b = 0; b < n; b++) {
      if (x[b] === undefined || !(w[b] >= 0.5)) continue;
      if (depth[b] > maxDepth) maxDepth = depth[b];
      var g = node('g', { class: 'frame' });
      g.dataset.index = String(b);
      g.dataset.parent = String(nodes.parent[b]);
      g.dataset.name = nodes.name[b];
      g.dataset.file = nodes.file[b];
      g.dataset.line = String(nodes.line[b]);
      g.dataset.count = String(nodes.count[b]);
      g.dataset.self = String(nodes.self[b]);
      g.dataset.depth = String(depth[b]);
      var y = depth[b] * ROW;
      g.appendChild(node('rect', { x: x[b].toFixed(2), y: y, width: Math.max(0.5, w[b] - 0.5).toFixed(2), height: ROW - 1, rx: 2, fill: colourOf(nodes.name[b], nodes.file[b]) }));
      var title = node('title', {});
      var share = (nodes.count[b] / graph.total * 100).toFixed(1);
      title.textContent = nodes.name[b] + (where(nodes, b) ? '\n' + where(nodes, b) : '') + '\n' + nodes.count[b] + ' samples (' + share + ' %), ' + nodes.self[b] + ' in the function itself';
      g.appendChild(title);
      var fits = Math.floor((w[b] - 6) / 6.5);
      if (fits >= 3) {
        var label = node('text', { x: (x[b] + 3).toFixed(2), y: y + ROW - 5 });
        label.textContent = nodes.name[b].length <= fits ? nodes.name[b] : nodes.name[b].slice(0, fits - 1) + '\u2026';
        g.appendChild(label);
      }
      (function (index) {
        g.addEventListener('click', function () { render(container, graph, { focus: index === focus ? nodes.parent[index] : index }); });
      })(b);
      svg.appendChild(g);
      boxes++;
    }
    svg.setAttribute('height', String((maxDepth + 1) * ROW));
    container.appendChild(svg);
    container.dataset.boxes = String(boxes);
    return { boxes: boxes };
  }

  /** One line about a graph: samples, workers, time span, what was merged and who sent nothing. */
  function describe(graph, fmtDuration) {
    var missing = Object.keys(graph.missing || {});
    var text = graph.total + ' samples from ' + graph.workers.length + ' worker(s)';
    if (graph.stop > graph.start) text += ' over ' + fmtDuration(graph.stop - graph.start);
    text += ', every ' + graph.intervalMs + ' ms per thread';
    if (graph.merged > 0) text += '; ' + graph.merged + ' smaller frames drawn as (other)';
    if (missing.length) text += '; no samples from ' + missing.map(function (k) { return k + ' (' + graph.missing[k] + ')'; }).join(', ');
    return text + '. Click a box to zoom in, the top box to zoom out.';
  }

  return { render: render, describe: describe, colourOf: colourOf };
})();
`;
