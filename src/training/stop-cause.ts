import type { RunStatus, StopCause } from "./run-record.js";

/** Budgets and aborts end training cleanly (with what ended it); anything else is a failure. */
export function classifyStop(error: unknown, signal: AbortSignal | undefined): { status: RunStatus; cause: StopCause } | undefined {
  const found = findNamed(error, ["MetricBudgetExceededError", "BudgetExceededError"]);
  if (found?.name === "MetricBudgetExceededError") {
    return { status: "completed", cause: { reason: found.message, limit: "maxMetricCalls" } };
  }
  if (found) {
    const limit = (found as { limit?: StopCause["limit"] }).limit;
    return { status: "budget-exhausted", cause: { reason: found.message, ...(limit ? { limit } : {}) } };
  }
  if (signal?.aborted) return { status: "aborted", cause: { reason: "aborted through the signal" } };
  return undefined;
}

/** The error or one of its causes with one of `names` (matched by name: two copies of a module still agree). */
function findNamed(error: unknown, names: readonly string[]): Error | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const name = (current as { name?: unknown }).name;
    if (typeof name === "string" && names.includes(name)) return current as Error;
  }
  return undefined;
}
