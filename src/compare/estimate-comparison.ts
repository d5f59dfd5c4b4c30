import type { PriceTable } from "../models/types.js";
import type { Optimizer } from "../optimizers/optimizer.js";
import { collectTrainableVariables } from "../prompts/collect.js";
import { estimate, type EstimateOptions, type RunEstimate } from "../estimate/estimate.js";
import type { Program } from "../training/program-evaluator.js";
import { comparisonBudget, datasetSizes } from "./compare.js";
import { checkCompareOptions, checkFactoryResult, type CompareOptions } from "./compare-options.js";

/** What a comparison is expected to spend: one run of each contender, times the seeds. */
export interface ComparisonEstimate {
  seeds: number;
  /** The metric budget every run gets. */
  maxMetricCalls: number;
  /** One run of each contender. */
  perRun: { optimizer: string; estimate: RunEstimate }[];
  /** Every run of the comparison together. */
  total: { runs: number; metricCalls: number; testCalls: number; taskCalls: number; optimizerCalls: number; costUsd: number };
}

/**
 * estimate() for a comparison: one run per contender (its optimizers built by the factory with the first seed)
 * under the budget every run gets, and the totals over all seeds. Nothing is run and no model is called.
 */
export async function estimateComparison<Input, Output, Expected = unknown>(
  program: Program<Input, Output>,
  options: CompareOptions<Output, Expected> & { prices?: PriceTable; models?: { task?: string; optimizer?: string }; modelCallsPerRun?: number },
): Promise<ComparisonEstimate> {
  const { prices, models, modelCallsPerRun, ...compareOptions } = options;
  const settings = checkCompareOptions(compareOptions as CompareOptions<unknown, unknown>);
  const seen = new WeakSet<object>();
  const seed = settings.seeds[0] as number;
  const built = new Map<string, Optimizer[]>(
    settings.names.map((name) => [name, checkFactoryResult(name, (compareOptions.optimizers[name] as (c: { seed: number; name: string }) => unknown)({ seed, name }), seen)]),
  );
  const { trainSize, valSize } = datasetSizes(compareOptions);
  const variables = collectTrainableVariables(program, compareOptions.prompts);
  const { maxMetricCalls } = comparisonBudget(compareOptions.maxMetricCalls, built, {
    trainSize,
    valSize,
    batchSize: compareOptions.batchSize ?? 8,
    variables,
  });
  const {
    optimizers: _o,
    seeds: _s,
    pairing: _p,
    permutations: _n,
    reportPath: _r,
    onRun: _on,
    signal: _signal,
    usage: _usage,
    maxMetricCalls: _m,
    ...fitOptions
  } = compareOptions;
  const perRun: ComparisonEstimate["perRun"] = [];
  for (const [name, optimizers] of built) {
    const runOptions = {
      ...fitOptions,
      optimizers,
      maxMetricCalls,
      seed,
      ...(prices ? { prices } : {}),
      ...(models ? { models } : {}),
      ...(modelCallsPerRun !== undefined ? { modelCallsPerRun } : {}),
    } as EstimateOptions<Output, Expected>;
    perRun.push({ optimizer: name, estimate: await estimate(program, runOptions) });
  }
  const n = settings.seeds.length;
  const sum = (pick: (e: RunEstimate) => number) => n * perRun.reduce((total, run) => total + pick(run.estimate), 0);
  return {
    seeds: n,
    maxMetricCalls,
    perRun,
    total: {
      runs: n * perRun.length,
      metricCalls: sum((e) => e.metricCalls),
      testCalls: sum((e) => e.testCalls),
      taskCalls: sum((e) => e.taskCalls),
      optimizerCalls: sum((e) => e.optimizerCalls),
      costUsd: sum((e) => e.costUsd),
    },
  };
}
