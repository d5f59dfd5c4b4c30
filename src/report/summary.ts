import type { RunRecord } from "../training/run-record.js";
import { escapeHtml } from "./escape-html.js";
import { formatDuration, formatInteger, formatScore, formatUsd } from "./format.js";

/**
 * The scores side by side — seed prompts and final program on the validation set, and the test score when a
 * test set was given (scored once, after tuning, outside the budget) — then how the final program was chosen
 * and the run's size: steps, program runs against their limit, model calls, cost and duration.
 */
export function renderSummary(record: RunRecord): string {
  const scores = [
    scoreCard("seed-validation", "seed prompts · validation", formatScore(record.initialValScore), "the prompts before tuning, on the validation set"),
    scoreCard(
      "final-validation",
      "final program · validation",
      formatScore(record.finalValScore) + delta(record.initialValScore, record.finalValScore),
      "the chosen program, on the same validation examples",
    ),
  ];
  if (record.testScore !== undefined) {
    scores.push(
      scoreCard(
        "test",
        "final program · test",
        formatScore(record.testScore),
        "held-out test examples, scored once after tuning, outside the metric budget; tuning never saw them",
      ),
    );
  }
  const calls = record.metricCalls;
  const facts = [
    fact("steps", String(record.history.length)),
    fact("program runs", `${formatInteger(calls.used)}${calls.limit !== undefined ? ` of ${formatInteger(calls.limit)}` : ""}`),
    fact("model calls", formatInteger(record.usage.total.calls)),
    fact("cost", formatUsd(record.usage.total.costUsd)),
    fact("duration", formatDuration(Date.parse(record.finishedAt) - Date.parse(record.startedAt))),
    fact("started", escapeHtml(record.startedAt)),
  ];
  const choice = record.finalChoice
    ? `<p class="final-choice">Final program: ${escapeHtml(record.finalChoice)}.</p>`
    : "";
  return `<div class="scores">${scores.join("")}</div>\n${choice}\n<div class="facts">${facts.join("")}</div>`;
}

function scoreCard(kind: string, label: string, value: string, caption: string): string {
  return (
    `<div class="score-card score-${kind}"><span class="label">${escapeHtml(label)}</span>` +
    `<span class="value">${value}</span><span class="caption">${escapeHtml(caption)}</span></div>`
  );
}

function fact(label: string, value: string): string {
  return `<div><span class="label">${escapeHtml(label)}</span><span class="value">${value}</span></div>`;
}

/** " (+0.250)" from seed to final, when both are known. */
function delta(seed: number | undefined, final: number | undefined): string {
  if (seed === undefined || final === undefined || !Number.isFinite(seed) || !Number.isFinite(final)) return "";
  const change = final - seed;
  const sign = change > 0 ? "+" : change < 0 ? "−" : "±";
  return ` <span class="delta">(${sign}${Math.abs(change).toFixed(3)})</span>`;
}
