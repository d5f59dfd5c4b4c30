/** The report's stylesheet, inlined so the file needs nothing from the network. */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1d2330; --muted: #6b7280; --line: #e5e7eb; --train: #2563eb; --val: #d97706; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; background: #f8fafc; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 12px; margin-top: 16px; }
.muted { color: var(--muted); font-weight: normal; }
.empty { color: var(--muted); font-style: italic; }
.summary { display: flex; flex-wrap: wrap; gap: 12px 28px; margin: 12px 0; }
.summary div { min-width: 120px; }
.summary .label { display: block; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.summary .value { font-size: 18px; font-weight: 600; }
.status { display: inline-block; padding: 1px 10px; border-radius: 999px; font-weight: 600; font-size: 13px; }
.status-completed { background: #dcfce7; color: #166534; }
.status-early-stopped { background: #e0f2fe; color: #075985; }
.status-budget-exhausted { background: #fef3c7; color: #92400e; }
.status-aborted { background: #fee2e2; color: #991b1b; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.usage, table.settings { width: auto; min-width: 420px; }
tr.is-final { background: #f0fdf4; }
.badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; font-size: 11px; font-weight: 600; }
.badge.final { background: #16a34a; color: #fff; }
.badge.seed { background: #e5e7eb; color: #374151; }
.diff-key .key { display: block; font-size: 11px; color: var(--muted); }
pre.diff { margin: 2px 0 6px; white-space: pre-wrap; word-break: break-word; font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
ins { background: #dcfce7; color: #14532d; text-decoration: none; }
del { background: #fee2e2; color: #7f1d1d; }
svg.reward-curve { width: 100%; height: auto; background: #fff; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .tick, svg .axis-label { fill: var(--muted); font-size: 11px; }
svg .curve { fill: none; stroke-width: 2; }
svg .curve-train { stroke: var(--train); }
svg .curve-validation { stroke: var(--val); }
svg .point-train { fill: var(--train); }
svg .point-validation { fill: var(--val); }
svg .baseline { stroke: var(--muted); stroke-dasharray: 5 4; stroke-width: 1.5; }
.legend { display: flex; gap: 18px; font-size: 13px; margin: 4px 0 8px; }
.legend span::before { content: ""; display: inline-block; width: 18px; height: 3px; margin-right: 6px; vertical-align: middle; }
.legend .train::before { background: var(--train); }
.legend .validation::before { background: var(--val); }
.legend .baseline::before { border-top: 2px dashed var(--muted); height: 0; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
`;
