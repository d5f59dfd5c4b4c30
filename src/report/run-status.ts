import type { RunRecord, StopCause } from "../training/run-record.js";
import { escapeHtml } from "./escape-html.js";

const STATUS_EXPLANATION: Record<RunRecord["status"], string> = {
  completed: "The run ended normally.",
  "early-stopped": "The run stopped early: the validation score stopped improving.",
  "budget-exhausted": "A usage budget (model calls, tokens or cost) ran out; the run kept the best program measured until then.",
  aborted: "The run was interrupted; it kept the best program measured until then.",
};

const LIMIT_NAMES: Record<NonNullable<StopCause["limit"]>, string> = {
  maxMetricCalls: "the metric budget (maxMetricCalls: program runs)",
  maxCalls: "the usage budget's maxCalls",
  maxTokens: "the usage budget's maxTokens",
  maxCostUsd: "the usage budget's maxCostUsd",
  epochs: "the number of epochs",
  earlyStopping: "early stopping",
};

/** The page title line: the run's status as a badge, what it means, and what ended the run. */
export function renderRunStatus(record: RunRecord): string {
  const status = record.status;
  return (
    `<h1>tunechain run <span class="status status-${escapeHtml(status)}">${escapeHtml(status)}</span></h1>\n` +
    `<p class="status-line">${escapeHtml(STATUS_EXPLANATION[status] ?? "")}${renderStopCause(record.stoppedBy)}</p>`
  );
}

function renderStopCause(cause: StopCause | undefined): string {
  if (!cause) return "";
  const by = [
    cause.limit ? `limit: ${LIMIT_NAMES[cause.limit] ?? cause.limit}` : "",
    cause.optimizer ? `optimizer: ${cause.optimizer}` : "",
  ].filter(Boolean);
  return (
    ` <span class="stopped-by">Stopped by: <strong>${escapeHtml(cause.reason)}</strong>` +
    (by.length > 0 ? ` <span class="muted">(${escapeHtml(by.join("; "))})</span>` : "") +
    `</span>`
  );
}
