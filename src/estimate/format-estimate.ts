import type { RunEstimate } from "./estimate.js";

const int = (value: number) => Math.round(value).toLocaleString("en-US");

function usd(value: number): string {
  if (value === 0) return "$0";
  return value < 0.01 ? `$${value.toFixed(5)}` : `$${value.toFixed(2)}`;
}

/** The estimate as lines of text (what `tunechain tune --dry-run` prints). */
export function formatEstimate(estimate: RunEstimate): string[] {
  const budget =
    estimate.maxMetricCalls === undefined
      ? "no metric budget (epochs end the run)"
      : `maxMetricCalls ${int(estimate.maxMetricCalls)}${estimate.budgetPreset ? ` (preset "${estimate.budgetPreset}")` : ""}`;
  const phases = estimate.byPhase;
  const lines = [
    `Estimate — nothing was run and no model was called; ${budget}:`,
    `  steps                        ${estimate.steps.toFixed(Number.isInteger(estimate.steps) ? 0 : 1)}`,
    `  program runs (metric calls)  ${int(estimate.metricCalls)}  (seed validation ${int(phases.seed)}, steps ${int(phases.steps)}, ` +
      `epoch-end validations ${int(phases.validation)}, final validation ${int(phases.final)})` +
      (estimate.testCalls > 0 ? ` + ${int(estimate.testCalls)} on the testset` : ""),
    `  model calls                  ${int(estimate.taskCalls + estimate.optimizerCalls + estimate.judgeCalls)}  (task ${int(estimate.taskCalls)}, ` +
      `optimizer ${int(estimate.optimizerCalls)}${estimate.judgeCalls > 0 ? `, judge ${int(estimate.judgeCalls)}` : ""})`,
    `  tokens                       task ${int(estimate.taskTokens.input)} in / ${int(estimate.taskTokens.output)} out; ` +
      `optimizer ${int(estimate.optimizerTokens.input)} in / ${int(estimate.optimizerTokens.output)} out`,
    `  cost                         ${usd(estimate.costUsd)}  (task ${usd(estimate.costByRole.task)}, optimizer ${usd(estimate.costByRole.optimizer)})`,
    "Assumptions:",
    ...estimate.assumptions.map((assumption) => `  - ${assumption}`),
  ];
  return lines;
}
