import type { ScoredPrediction } from "../data/scored-prediction.js";
import { columnLegend, tableHead, type Column } from "./columns.js";
import { escapeHtml } from "./escape-html.js";
import { formatScore } from "./format.js";

/** Longest text a cell shows; longer answers and inputs are cut, saying how much was left out. */
const CELL_CHARS = 600;

const COLUMNS: readonly Column[] = [
  { label: "example", help: "The validation example's id." },
  { label: "input", help: "What the program was given." },
  { label: "answer", help: "What the final program answered (nothing when its run failed)." },
  { label: "expected", help: "The reference answer the reward compared with, when the example has one." },
  { label: "score", help: "The reward of this answer, from 0 (wrong, or the run failed) to 1 (right).", numeric: true },
  { label: "feedback", help: "Why the reward scored it so, or the error of a failed run." },
];

type Outcome = "failed" | "partial" | "passed";

/**
 * The final program's answer on every validation example, failures first (failed runs, then the lowest
 * scores), so what still goes wrong is the first thing read. `valSize` tells an empty validation set from
 * answers that were not all measured.
 */
export function renderFinalValidation(predictions: readonly ScoredPrediction[] | undefined, valSize: unknown): string {
  if (!predictions || predictions.length === 0) {
    return valSize === 0
      ? `<p class="empty">The run had no validation set, so there is no per-example validation.</p>`
      : `<p class="empty">Not recorded: the final program's answers on the validation set were not all measured (the budget ran out first).</p>`;
  }
  const ordered = failuresFirst(predictions);
  const count = (outcome: Outcome) => ordered.filter((p) => outcomeOf(p) === outcome).length;
  const crashed = ordered.filter((p) => p.error !== undefined).length;
  const summary =
    `<p class="validation-totals"><strong>${count("failed")}</strong> of ${ordered.length} examples failed` +
    (crashed > 0 ? ` (${crashed} of them because the program run failed)` : "") +
    `, <strong>${count("partial")}</strong> partly right, <strong>${count("passed")}</strong> right. Lowest scores first.</p>`;
  const rows = ordered.map((prediction) => {
    const outcome = outcomeOf(prediction);
    const answer =
      prediction.error !== undefined && (prediction.output === null || prediction.output === undefined)
        ? `<span class="muted">(no answer: the run failed)</span>`
        : valueHtml(prediction.output);
    return (
      `<tr class="example ${outcome}" data-example-id="${escapeHtml(prediction.exampleId)}">` +
      `<td class="id"><code>${escapeHtml(prediction.exampleId)}</code></td>` +
      `<td class="input">${valueHtml(prediction.input)}</td>` +
      `<td class="answer">${answer}</td>` +
      `<td class="expected">${prediction.expected === undefined ? `<span class="muted">–</span>` : valueHtml(prediction.expected)}</td>` +
      `<td class="num score">${formatScore(prediction.score)}</td>` +
      `<td class="feedback">${escapeHtml(clip(prediction.feedback ?? prediction.error ?? ""))}</td></tr>`
    );
  });
  return (
    `${summary}<table class="final-validation">${tableHead(COLUMNS)}<tbody>${rows.join("")}</tbody></table>` +
    columnLegend(COLUMNS)
  );
}

/** Failed runs first, then by score from lowest; equal ones keep their order. */
export function failuresFirst(predictions: readonly ScoredPrediction[]): ScoredPrediction[] {
  const rank = (p: ScoredPrediction) => (p.error !== undefined ? -1 : Number.isFinite(p.score) ? p.score : -1);
  return predictions
    .map((prediction, index) => ({ prediction, index }))
    .sort((a, b) => rank(a.prediction) - rank(b.prediction) || a.index - b.index)
    .map(({ prediction }) => prediction);
}

function outcomeOf(prediction: ScoredPrediction): Outcome {
  if (prediction.error !== undefined || !(prediction.score > 0)) return "failed";
  return prediction.score >= 1 ? "passed" : "partial";
}

/** A JSON value for a cell: text as is, an object as `key: value` lines, anything else as JSON. */
function valueHtml(value: unknown): string {
  if (typeof value === "string") return `<span class="text">${escapeHtml(clip(value))}</span>`;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return `<code>{}</code>`;
    return entries
      .map(
        ([key, item]) =>
          `<div class="field"><span class="key">${escapeHtml(key)}</span> ${escapeHtml(clip(typeof item === "string" ? item : (JSON.stringify(item) ?? String(item))))}</div>`,
      )
      .join("");
  }
  return `<code>${escapeHtml(clip(JSON.stringify(value) ?? String(value)))}</code>`;
}

function clip(text: string): string {
  return text.length <= CELL_CHARS ? text : `${text.slice(0, CELL_CHARS)}… (${text.length - CELL_CHARS} more characters)`;
}
