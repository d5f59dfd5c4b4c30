import { columnLegend, tableHead, type Column } from "../report/columns.js";
import { escapeHtml } from "../report/escape-html.js";
import { formatInteger, formatScore, formatUsd } from "../report/format.js";
import { renderModelsTable, renderStandInBanner } from "../report/models.js";
import { renderHtmlPage, type PageSection } from "../report/html-page.js";
import { writeFileAtomic } from "../training/files.js";
import type { ComparisonResult, ComparisonRow } from "./compare.js";
import { formatPValue } from "./comparison-table.js";

const COMPARE_CSS = `
table.ranking td.p-small { color: var(--good); font-weight: 650; }
tr.is-best { background: #f0fdf4; }
td.seed-best { font-weight: 700; background: #f0fdf4; }
svg.strip { width: 100%; max-width: 900px; height: auto; background: #fff; }
svg .dot { fill: #3b82f6; fill-opacity: .7; }
svg .dot.best-row { fill: var(--good); }
svg .mean-mark { stroke: var(--ink); stroke-width: 2.5; }
svg .row-label { fill: var(--ink); font-size: 12px; }
p.method { max-width: 900px; }
`;

const RANKING_COLUMNS: readonly Column[] = [
  { label: "rank", help: "1 is the optimizer with the highest mean test score.", numeric: true },
  { label: "optimizer", help: "The entry's name in `optimizers`." },
  { label: "test mean ± sd", help: "Mean of the runs' test scores over the seeds, ± their sample standard deviation.", numeric: true },
  { label: "min–max", help: "Lowest and highest test score over the seeds.", numeric: true },
  { label: "wins", help: "Seeds on which this optimizer had the best test score (a tie counts for each tied optimizer).", numeric: true },
  { label: "Δ vs best", help: "Mean test score minus the best's (paired by seed).", numeric: true },
  { label: "p", help: "Two-sided paired sign-flip test of this optimizer against the best: the chance of a difference at least this large if the two were interchangeable.", numeric: true },
  { label: "p (Holm)", help: "p after Holm's adjustment over all the comparisons against the best; compare it with your significance level (e.g. 0.05).", numeric: true },
  { label: "metric calls", help: "Program runs paid per run within the budget: mean / max.", numeric: true },
  { label: "model calls", help: "Model calls per run, its test-set runs included: task / optimizer (optimizer calls are counted when the optimizers' models book into the usage ledger).", numeric: true },
];

const RUN_COLUMNS: readonly Column[] = [
  { label: "optimizer", help: "The contender." },
  { label: "seed", help: "fit's seed (batch order, sampling), given to the factory too.", numeric: true },
  { label: "test", help: "The final program's mean on the testset, scored once outside the budget.", numeric: true },
  { label: "validation", help: "Seed prompts → final program on the validation set.", numeric: true },
  { label: "metric calls", help: "Program runs the run paid within its budget.", numeric: true },
  { label: "model calls", help: "Model calls of this run: task / optimizer.", numeric: true },
  { label: "cost", help: "Cost of this run under the usage ledger's price table ($0 without one).", numeric: true },
  { label: "status", help: "How the run ended, and why." },
];

/**
 * One self-contained HTML page comparing optimizers: the ranking with p-values, each seed's test scores (a dot
 * plot and a table), how the test works, notes, every run, the models (with a banner when a scripted stand-in
 * served the runs) and the settings. Inline CSS and SVG only — no script, nothing fetched; every text from the
 * comparison is escaped.
 */
export function renderComparisonReport(result: ComparisonResult): string {
  const { settings } = result;
  const seeds = settings.seeds.length;
  const best = result.rows[0] as ComparisonRow;
  const sections: PageSection[] = [
    { id: "ranking", title: "Ranking", html: renderRanking(result) },
    { id: "scores", title: "Test score per seed", html: renderStrip(result) + renderSeedTable(result) },
    { id: "method", title: "How the p-values are computed", html: renderMethod(result) },
    { id: "notes", title: "Notes", html: result.notes.length > 0 ? `<ul>${result.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>` : `<p class="empty">Nothing to note.</p>` },
    { id: "runs", title: "Every run", html: renderRuns(result) },
    { id: "models", title: "Models", html: renderModelsTable(result.models) },
    { id: "settings", title: "Settings", html: renderSettings(result) },
  ];
  const budget = `${formatInteger(settings.maxMetricCalls)} metric calls per run${settings.budgetPreset ? ` (preset “${settings.budgetPreset}”)` : ""}`;
  return renderHtmlPage({
    title: `tunechain comparison — best: ${result.best}`,
    css: COMPARE_CSS,
    header: `<h1>Optimizer comparison <span class="muted">— ${result.rows.length} optimizers × ${seeds} seeds</span></h1>
${renderStandInBanner(result.models)}
<div class="facts">
<div><span class="label">best</span><span class="value">${escapeHtml(best.optimizer)}</span></div>
<div><span class="label">its test mean</span><span class="value">${formatScore(best.mean)} ± ${formatScore(best.sd)}</span></div>
<div><span class="label">budget</span><span class="value">${escapeHtml(budget)}</span></div>
<div><span class="label">test set</span><span class="value">${formatInteger(settings.testSize)} examples</span></div>
</div>
<p class="muted">Every optimizer ran once per seed on the same program, data and metric budget, starting from the same seed prompts.
Scores are the final program's mean on the held-out test set, scored once after tuning, outside the budget.</p>`,
    sections,
    footer: `Generated by tunechain's compare(); started ${result.startedAt}, finished ${result.finishedAt}.`,
  });
}

/** Renders the comparison report and writes it atomically to `path` (folders are created). */
export async function writeComparisonReport(result: ComparisonResult, path: string): Promise<void> {
  await writeFileAtomic(path, renderComparisonReport(result));
}

function renderRanking(result: ComparisonResult): string {
  const seeds = result.settings.seeds.length;
  const rows = result.rows.map((row) => {
    const small = row.test !== undefined && row.test.adjustedPValue < 0.05;
    const td = (text: string, numeric = true, extra = "") => `<td class="${numeric ? "num" : ""}${extra}">${escapeHtml(text)}</td>`;
    return (
      `<tr class="contender${row.rank === 1 ? " is-best" : ""}" data-optimizer="${escapeHtml(row.optimizer)}">` +
      td(String(row.rank)) +
      td(row.optimizer, false) +
      td(`${formatScore(row.mean)} ± ${formatScore(row.sd)}`) +
      td(`${formatScore(row.min)}–${formatScore(row.max)}`) +
      td(`${row.wins}/${seeds}`) +
      td(row.test ? `${row.test.meanDifference >= 0 ? "+" : "−"}${Math.abs(row.test.meanDifference).toFixed(3)}` : "best") +
      td(formatPValue(row.test?.pValue), true, "") +
      td(formatPValue(row.test?.adjustedPValue), true, small ? " p-small" : "") +
      td(`${row.metricCalls.mean.toFixed(1)} / ${formatInteger(row.metricCalls.max)}`) +
      td(`${row.modelCalls.task.toFixed(1)} / ${row.modelCalls.optimizer.toFixed(1)}`) +
      "</tr>"
    );
  });
  return `<table class="ranking">${tableHead(RANKING_COLUMNS)}<tbody>${rows.join("")}</tbody></table>${columnLegend(RANKING_COLUMNS)}`;
}

/** A dot per seed on a 0–1 axis, one row per optimizer, its mean as a bar. */
function renderStrip(result: ComparisonResult): string {
  const left = 170;
  const width = 900;
  const plot = width - left - 20;
  const rowHeight = 30;
  const top = 24;
  const height = top + rowHeight * result.rows.length + 10;
  const x = (score: number) => (left + Math.max(0, Math.min(1, score)) * plot).toFixed(1);
  const parts: string[] = [];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line class="grid" x1="${x(tick)}" x2="${x(tick)}" y1="${top - 6}" y2="${height - 6}"/>`);
    parts.push(`<text class="tick" x="${x(tick)}" y="${top - 10}" text-anchor="middle">${tick.toFixed(2)}</text>`);
  }
  result.rows.forEach((row, i) => {
    const y = top + rowHeight * i + rowHeight / 2;
    const label = row.optimizer.length > 22 ? `${row.optimizer.slice(0, 21)}…` : row.optimizer;
    parts.push(`<text class="row-label" x="${left - 10}" y="${y + 4}" text-anchor="end">${escapeHtml(label)}</text>`);
    row.scores.forEach((score, s) => {
      const seed = result.settings.seeds[s];
      parts.push(
        `<circle class="dot${i === 0 ? " best-row" : ""}" cx="${x(score)}" cy="${(y + ((s % 3) - 1) * 4).toFixed(1)}" r="4">` +
          `<title>${escapeHtml(`${row.optimizer}, seed ${seed}: ${formatScore(score)}`)}</title></circle>`,
      );
    });
    parts.push(`<line class="mean-mark" x1="${x(row.mean)}" x2="${x(row.mean)}" y1="${y - 10}" y2="${y + 10}"><title>${escapeHtml(`mean ${formatScore(row.mean)}`)}</title></line>`);
  });
  return (
    `<svg class="strip" viewBox="0 0 ${width} ${height}" role="img" aria-label="Test score of each run, one row per optimizer">${parts.join("")}</svg>` +
    `<p class="muted">One dot per seed (the run's test score); the bar is the mean.</p>`
  );
}

function renderSeedTable(result: ComparisonResult): string {
  const columns: Column[] = [
    { label: "seed", help: "fit's seed of the runs in this row.", numeric: true },
    ...result.rows.map((row) => ({ label: row.optimizer, help: `Test score of ${row.optimizer}'s run with this seed.`, numeric: true })),
  ];
  const body = result.settings.seeds.map((seed, s) => {
    const scores = result.rows.map((row) => row.scores[s] as number);
    const top = Math.max(...scores);
    const cells = scores.map((score) => `<td class="num${score >= top - 1e-12 ? " seed-best" : ""}">${formatScore(score)}</td>`);
    return `<tr><td class="num">${escapeHtml(String(seed))}</td>${cells.join("")}</tr>`;
  });
  return `<table class="per-seed">${tableHead(columns)}<tbody>${body.join("")}</tbody></table><p class="muted">The best score of each seed is bold.</p>`;
}

function renderMethod(result: ComparisonResult): string {
  const { settings } = result;
  const test = result.rows.find((row) => row.test)?.test;
  const pairs =
    settings.pairing === "seeds"
      ? `one pair per seed: the two optimizers' test means with that seed (${settings.seeds.length} pairs). A seed is what a rerun changes, so the test asks whether the optimizer would come out ahead again on another run.`
      : `one pair per seed and test example (${settings.seeds.length} × ${settings.testSize} pairs). This also counts how the test examples vary, and treats pairs as independent, although the examples of one run share one final program; its p-values are smaller than the seed-paired ones.`;
  const how = test
    ? test.method === "exact"
      ? `every one of the ${formatInteger(test.permutations)} sign patterns is enumerated (exact test; with n pairs the smallest possible p is 2^(1−n))`
      : `${formatInteger(test.permutations)} random sign patterns are drawn with a fixed seed (Monte-Carlo test; p = (1 + patterns at least as extreme) / (1 + patterns))`
    : "";
  return (
    `<p class="method">The best optimizer is the one with the highest mean test score. Each other optimizer is compared with it by a ` +
    `paired sign-flip permutation test of “mean difference = 0”, two-sided. Pairs: ${escapeHtml(pairs)} Under the null hypothesis each ` +
    `difference is as likely to have the other sign; the p-value is the share of sign patterns whose mean difference is at least as far ` +
    `from 0 as the observed one — ${escapeHtml(how)}. The p-values are then adjusted with Holm's step-down method over the ` +
    `${result.rows.length - 1} comparison(s), which keeps the chance of any false “worse than the best” at the chosen level.</p>`
  );
}

function renderRuns(result: ComparisonResult): string {
  const rows = result.runs.map((run) => {
    const val =
      run.initialValScore === undefined ? "–" : `${formatScore(run.initialValScore)} → ${formatScore(run.finalValScore)}`;
    const calls = `${run.usage.byRole.task?.calls ?? 0} / ${run.usage.byRole.optimizer?.calls ?? 0}`;
    const status = run.stoppedBy ? `${run.status} (${run.stoppedBy})` : run.status;
    return (
      `<tr><td>${escapeHtml(run.optimizer)}</td><td class="num">${escapeHtml(String(run.seed))}</td>` +
      `<td class="num">${formatScore(run.testScore)}</td><td class="num">${escapeHtml(val)}</td>` +
      `<td class="num">${formatInteger(run.metricCalls)}</td><td class="num">${escapeHtml(calls)}</td>` +
      `<td class="num">${escapeHtml(formatUsd(run.usage.total.costUsd))}</td><td>${escapeHtml(status)}</td></tr>`
    );
  });
  return `<table class="runs">${tableHead(RUN_COLUMNS)}<tbody>${rows.join("")}</tbody></table>${columnLegend(RUN_COLUMNS)}`;
}

function renderSettings(result: ComparisonResult): string {
  const { settings } = result;
  const entries: [string, string][] = [
    ["seeds", settings.seeds.join(", ")],
    ["maxMetricCalls", String(settings.maxMetricCalls)],
    ...(settings.budgetPreset
      ? ([
          ["preset", settings.budgetPreset],
          [
            "preset per optimizer",
            Object.entries(settings.presetByOptimizer ?? {})
              .map(([name, n]) => `${name} ${n}`)
              .join(", "),
          ],
        ] as [string, string][])
      : []),
    ["pairing", settings.pairing],
    ["permutations (Monte Carlo)", String(settings.permutations)],
    ["trainSize / valSize / testSize", `${settings.trainSize} / ${settings.valSize} / ${settings.testSize}`],
    ...Object.entries(settings.optimizers).map(([name, classes]) => [`optimizers: ${name}`, classes.join(" + ")] as [string, string]),
  ];
  const rows = entries.map(([key, value]) => `<tr><th scope="row">${escapeHtml(key)}</th><td><code>${escapeHtml(value)}</code></td></tr>`);
  return `<table class="settings"><tbody>${rows.join("")}</tbody></table>`;
}
