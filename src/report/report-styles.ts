/** The report's stylesheet, inlined so the file needs nothing from the network. */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1d2330; --muted: #6b7280; --line: #e5e7eb; --train: #64748b; --val: #d97706;
  --good: #16a34a; --bad: #dc2626; --partial: #ca8a04; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; background: #f8fafc; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 14px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 12px; margin-top: 16px; overflow-x: auto; }
.muted { color: var(--muted); font-weight: normal; }
.empty { color: var(--muted); font-style: italic; }
.status { display: inline-block; padding: 1px 10px; border-radius: 999px; font-weight: 600; font-size: 13px; vertical-align: middle; }
.status-completed { background: #dcfce7; color: #166534; }
.status-early-stopped { background: #e0f2fe; color: #075985; }
.status-budget-exhausted { background: #fef3c7; color: #92400e; }
.status-aborted { background: #fee2e2; color: #991b1b; }
.status-line { margin: 4px 0 10px; }
.stand-in-banner { margin: 10px 0 14px; padding: 10px 14px; border: 2px solid #b45309; border-radius: 8px; background: #fef3c7; color: #78350f; }
.scores { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0 6px; }
.score-card { flex: 1 1 220px; max-width: 340px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.score-card .label, .facts .label { display: block; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.score-card .value { display: block; font-size: 24px; font-weight: 650; }
.score-card .caption { display: block; color: var(--muted); font-size: 12px; }
.score-test { border-style: dashed; }
.delta { font-size: 14px; color: var(--muted); font-weight: 500; }
.final-choice { margin: 6px 0; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 8px 0 4px; }
.facts .value { font-size: 16px; font-weight: 600; }
nav.toc { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 14px 0 0; font-size: 13px; }
nav.toc a { color: #1d4ed8; text-decoration: none; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; white-space: nowrap; }
th[title] { cursor: help; text-decoration: underline dotted #9ca3af; text-underline-offset: 3px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.usage, table.settings, table.models, table.metric-calls, table.proposals { width: auto; min-width: 420px; }
dl.column-legend { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 10px 0 4px; font-size: 12px; color: var(--muted); }
dl.column-legend dt { font-weight: 600; color: var(--ink); }
dl.column-legend dd { margin: 0; }
tr.is-final { background: #f0fdf4; }
.badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; font-size: 11px; font-weight: 600; }
.badge.final { background: var(--good); color: #fff; }
.badge.stand-in { background: #fef3c7; color: #92400e; margin-left: 0; }
.origin { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 11px; font-weight: 600; background: #e0e7ff; color: #3730a3; }
.origin-seed { background: #e5e7eb; color: #374151; }
.origin-merge, .origin-crossover { background: #fae8ff; color: #86198f; }
.origin-demos { background: #ccfbf1; color: #115e59; }
.parents { color: var(--muted); font-size: 12px; margin-left: 4px; }
code.component { background: #f1f5f9; padding: 0 4px; border-radius: 3px; }
.diff-variable .variable { display: block; font-size: 12px; font-weight: 600; margin-top: 2px; }
.diff-key .key { display: block; font-size: 11px; color: var(--muted); }
pre.diff { margin: 2px 0 6px; white-space: pre-wrap; word-break: break-word; font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
ins { background: #dcfce7; color: #14532d; text-decoration: none; }
del { background: #fee2e2; color: #7f1d1d; }
svg.reward-curve { width: 100%; max-width: 960px; height: auto; background: #fff; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .tick, svg .axis-label { fill: var(--muted); font-size: 11px; }
svg .curve { fill: none; }
svg .curve-train { stroke: var(--train); stroke-width: 1; stroke-opacity: .35; stroke-dasharray: 2 3; }
svg .curve-validation { stroke: var(--val); stroke-width: 2.5; }
svg .point-train { fill: var(--train); fill-opacity: .6; }
svg .point-validation { fill: var(--val); }
svg .point-seed { fill: #fff; stroke: var(--val); stroke-width: 2; }
svg .baseline { stroke: var(--muted); stroke-dasharray: 5 4; stroke-width: 1.5; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 13px; margin: 4px 0 8px; }
.legend span::before { content: ""; display: inline-block; width: 18px; height: 3px; margin-right: 6px; vertical-align: middle; }
.legend .train::before { width: 7px; height: 7px; border-radius: 50%; background: var(--train); opacity: .6; }
.legend .validation::before { background: var(--val); }
.legend .baseline::before { border-top: 2px dashed var(--muted); height: 0; }
.curve-note { font-size: 12px; }
.metric-total { margin: 6px 0; }
.budget-bar { height: 10px; max-width: 520px; background: #f1f5f9; border: 1px solid var(--line); border-radius: 999px; overflow: hidden; margin-bottom: 10px; }
.budget-used { height: 100%; background: #3b82f6; }
.warn { padding: 6px 10px; border-left: 4px solid var(--bad); background: #fef2f2; }
tr.kind-failed td.count { color: var(--bad); font-weight: 600; }
.latest-failure code { white-space: pre-wrap; word-break: break-word; }
table.final-validation td { font-size: 13px; }
table.final-validation td.input, table.final-validation td.answer, table.final-validation td.feedback { max-width: 280px; word-break: break-word; }
table.final-validation .field .key { color: var(--muted); font-size: 11px; }
tr.example.failed td.score { color: var(--bad); font-weight: 650; }
tr.example.partial td.score { color: var(--partial); font-weight: 650; }
tr.example.passed td.score { color: var(--good); }
tr.example.failed td:first-child { box-shadow: inset 3px 0 var(--bad); }
tr.example.partial td:first-child { box-shadow: inset 3px 0 var(--partial); }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding: 0; }
ul.tree ul { margin-left: 10px; }
ul.tree li { position: relative; padding: 2px 0 2px 18px; }
ul.tree ul > li::before { content: ""; position: absolute; left: 0; top: 0; bottom: 0; border-left: 1px solid #cbd5e1; }
ul.tree ul > li:last-child::before { bottom: auto; height: 14px; }
ul.tree ul > li::after { content: ""; position: absolute; left: 0; top: 14px; width: 12px; border-top: 1px solid #cbd5e1; }
ul.tree .node-line { white-space: nowrap; }
ul.tree li.is-final > .node-line { background: #f0fdf4; border-radius: 4px; }
ul.tree li.cross-link { font-size: 12px; }
.node-scores, ul.tree .changed { font-size: 12px; }
ul.tree .changed { color: var(--muted); }
dl.origin-legend { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 12px 0 4px; font-size: 12px; color: var(--muted); }
dl.origin-legend dd { margin: 0; }
.diff-key .muted { font-size: 12px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
`;
