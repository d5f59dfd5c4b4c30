import type { MetricCallStats } from "../training/program-evaluator.js";
import { columnLegend, tableHead, type Column } from "./columns.js";
import { escapeHtml } from "./escape-html.js";
import { formatInteger } from "./format.js";

/** What each phase's program runs were for, in the order a run goes through them. */
const PHASES: ReadonlyArray<[phase: string, meaning: string]> = [
  ["seed", "the seed prompts (the values the program started with) on the validation set, before tuning"],
  ["train", "each step's training batch, run with the values in place (for optimizers that learn from it)"],
  ["gate", "optimizers scoring their proposals on a minibatch before accepting them"],
  ["validation", "candidates, and the values in place at each epoch's end, on the whole validation set"],
  ["finalize", "finalizing: the last validation of the program being chosen"],
  ["evaluate", "other evaluations an optimizer asked for"],
];

const COLUMNS: readonly Column[] = [
  { label: "phase", help: "What the program runs were for." },
  { label: "program runs", help: "Runs of the whole program on one example each that were paid for: answers served from the evaluation cache are not counted.", numeric: true },
  { label: "share", help: "This phase's part of all the program runs paid for.", numeric: true },
  { label: "what it is", help: "What the phase does." },
];

/**
 * Program runs (metric calls) paid for, against the run's limit, and by phase. The test set is scored
 * outside this budget and is not counted here.
 */
export function renderMetricCalls(stats: MetricCallStats): string {
  const used = stats.used;
  const limit = stats.limit;
  const share = limit !== undefined && limit > 0 ? Math.min(1, used / limit) : undefined;
  const headline =
    `<p class="metric-total">` +
    (limit !== undefined
      ? `<strong>${formatInteger(used)}</strong> of the <strong>${formatInteger(limit)}</strong> program runs allowed (maxMetricCalls) were used.`
      : `<strong>${formatInteger(used)}</strong> program runs were used (no maxMetricCalls limit was set).`) +
    `</p>` +
    (share !== undefined
      ? `<div class="budget-bar" title="${escapeHtml(`${formatInteger(used)} of ${formatInteger(limit!)} program runs`)}">` +
        `<div class="budget-used" style="width: ${(share * 100).toFixed(1)}%"></div></div>`
      : "");
  const known = new Set(PHASES.map(([phase]) => phase));
  const phases: Array<[string, string]> = [
    ...PHASES.filter(([phase]) => stats.byPhase[phase as keyof typeof stats.byPhase] !== undefined),
    ...Object.keys(stats.byPhase)
      .filter((phase) => !known.has(phase))
      .map((phase): [string, string] => [phase, ""]),
  ];
  if (phases.length === 0) return `${headline}<p class="empty">The run recorded no program runs by phase.</p>`;
  const rows = phases.map(([phase, meaning]) => {
    const runs = (stats.byPhase as Record<string, number | undefined>)[phase] ?? 0;
    const part = used > 0 ? `${Math.round((runs / used) * 100)}%` : "–";
    return (
      `<tr data-phase="${escapeHtml(phase)}"><td>${escapeHtml(phase === "seed" ? "seed prompts" : phase)}</td><td class="num">${formatInteger(runs)}</td>` +
      `<td class="num">${part}</td><td class="muted">${escapeHtml(meaning)}</td></tr>`
    );
  });
  return (
    `${headline}<table class="metric-calls">${tableHead(COLUMNS)}<tbody>${rows.join("")}</tbody></table>` +
    `<p class="muted">The test set, when given, is scored once after tuning and is not counted against the limit.</p>` +
    columnLegend(COLUMNS.slice(1, 3))
  );
}
