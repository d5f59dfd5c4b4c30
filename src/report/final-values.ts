import type { RunRecord } from "../training/run-record.js";
import { renderCandidateDiff } from "./candidate-diff.js";
import { escapeHtml } from "./escape-html.js";

/** Every variable's final value against its seed prompt, in the order the run recorded them. */
export function renderFinalValues(record: Pick<RunRecord, "initialValues" | "finalValues">): string {
  const names = Object.keys(record.finalValues);
  if (names.length === 0) return `<p class="empty">The run recorded no variable.</p>`;
  return names
    .map(
      (name) =>
        `<h3>${escapeHtml(name)}</h3>${renderCandidateDiff(record.initialValues[name], record.finalValues[name] ?? {})}`,
    )
    .join("\n");
}
