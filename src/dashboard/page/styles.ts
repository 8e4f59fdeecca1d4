/** The stylesheet shared by the live status page and the performance report (inlined: no network). */
export const STYLES = String.raw`
:root { --fg: #1d232b; --muted: #66707c; --line: #dde2e8; --panel: #ffffff; --bg: #f3f5f8; --accent: #2f6fb0; --err: #d62728; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 16px; padding: 10px 16px; background: #1d2b3a; color: #fff; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; letter-spacing: .02em; }
header .sub { color: #b8c4d0; font-size: 12px; }
header .status { margin-left: auto; font-size: 12px; }
header .status.live::before { content: "\25CF "; color: #4cd07d; }
header .status.down::before { content: "\25CF "; color: #f0a030; }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; padding: 12px 16px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; min-width: 0; }
section.wide { grid-column: 1 / -1; }
section h2 { font-size: 13px; margin: 0 0 8px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .05em; }
.figures { display: flex; flex-wrap: wrap; gap: 8px 14px; }
.figure { min-width: 100px; }
.figure .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.figure .label { color: var(--muted); font-size: 11px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; }
.membar { position: relative; width: 170px; height: 16px; background: #e9edf2; border-radius: 3px; overflow: hidden; }
.membar .fill { position: absolute; inset: 0 auto 0 0; background: #6a9fd4; }
.membar .fill.high { background: #f0a030; }
.membar .fill.over { background: var(--err); }
.membar .text { position: absolute; inset: 0; font-size: 11px; line-height: 16px; padding-left: 5px; color: #11161c; }
.progress-row { display: grid; grid-template-columns: minmax(90px, 180px) minmax(0, 1fr) 120px; gap: 8px; align-items: center; margin: 3px 0; }
.progress-row .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
.progress-row .count { text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); font-size: 12px; }
.pbar { display: flex; height: 14px; background: #eef1f5; border-radius: 3px; overflow: hidden; }
.pbar > div { height: 100%; }
.pbar .processing { opacity: .45; }
.pbar .queued { background: #b9c2cc; }
.pbar .erred { background: var(--err); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; margin-top: 6px; color: var(--muted); font-size: 11px; }
.legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.empty { color: var(--muted); font-style: italic; padding: 6px 0; }
canvas { display: block; width: 100%; }
.tooltip { position: fixed; pointer-events: none; background: rgba(20, 26, 33, .92); color: #fff; padding: 5px 8px; border-radius: 4px; font-size: 12px; white-space: pre; display: none; z-index: 10; }
.note { color: var(--muted); font-size: 11px; margin-top: 4px; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; font-variant-numeric: tabular-nums; }
.flame-box { max-height: 560px; overflow-y: auto; }
svg.flame { display: block; }
svg.flame g.frame { cursor: pointer; }
svg.flame g.frame:hover rect { stroke: #1d232b; stroke-width: 1; }
svg.flame text { font: 11px ui-monospace, "DejaVu Sans Mono", monospace; fill: #1d232b; pointer-events: none; }
.controls { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; font-size: 12px; color: var(--muted); }
.controls select, .controls button { font: inherit; color: var(--fg); }
`;
