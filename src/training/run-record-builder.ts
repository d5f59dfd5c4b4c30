import type { ScoredPrediction } from "../data/scored-prediction.js";
import type { UsageLedger } from "../models/usage-ledger.js";
import type { Optimizer, ProposalStats } from "../optimizers/optimizer.js";
import type { Variable } from "../variables/variable.js";
import type { IdentifiedExample } from "./dataset.js";
import type { FitOptions, Settings } from "./fit-options.js";
import type { ModelRecord } from "./run-record.js";

// The parts of a run record that are derived from the run's pieces.

/** The final validation's answers for the record: failures (lowest scores) first, traces left out. */
export function failuresFirst(predictions: readonly ScoredPrediction[]): ScoredPrediction[] {
  return [...predictions].sort((a, b) => a.score - b.score).map(({ trace: _trace, cached: _cached, ...rest }) => rest);
}


/** A process warning when more than half of an optimizer's proposals failed: the run "completes" learning nothing. */
export function warnAboutFailedProposals(stats: readonly ProposalStats[]): void {
  for (const stat of stats) {
    if (stat.proposals > 0 && stat.failed * 2 > stat.proposals) {
      process.emitWarning(
        `Optimizer '${stat.optimizer}': ${stat.failed} of ${stat.proposals} proposals failed (${Object.entries(stat.rejected)
          .map(([reason, n]) => `${reason} ${n}`)
          .join(", ")}). Latest: ${stat.latestFailure ?? "?"}. Check the optimizer model (a model that answers prose instead of JSON needs structuredOutput: "prompted" or a more capable model).`,
        { code: "TUNECHAIN_PROPOSALS_FAILED" },
      );
    }
  }
}


/** The models that served the run, by role, from the usage ledger (with the stand-in mark). */
export function modelsOf(usage: UsageLedger | undefined): ModelRecord[] {
  if (!usage) return [];
  return usage.toJSON().entries.map((entry) => ({ role: entry.role, model: entry.model, standIn: entry.standIn === true }));
}


/** The run's settings as the record and the parent run show them. */
export function describeSettings<O, E>(
  settings: Settings,
  options: FitOptions<O, E>,
  trainset: readonly IdentifiedExample[],
  valset: readonly IdentifiedExample[],
  testset: readonly IdentifiedExample[],
  optimizers: readonly Optimizer[],
  variables: readonly Variable<object>[],
): Record<string, unknown> {
  return {
    epochs: Number.isFinite(settings.epochs) ? settings.epochs : "until the metric budget is spent",
    batchSize: settings.batchSize,
    concurrency: options.concurrency ?? 4,
    seed: settings.seed,
    ...(settings.maxMetricCalls !== undefined ? { maxMetricCalls: settings.maxMetricCalls } : {}),
    ...(settings.budgetPreset !== undefined ? { budgetPreset: settings.budgetPreset } : {}),
    trainSize: trainset.length,
    valSize: valset.length,
    testSize: testset.length,
    optimizers: optimizers.map((o) => o.name),
    variables: variables.map((v) => v.name),
    reward: options.reward.name || "custom",
    ...(options.earlyStopping ? { earlyStopping: { ...options.earlyStopping } } : {}),
    ...(options.budget ? { budget: { ...options.budget } } : {}),
  };
}

