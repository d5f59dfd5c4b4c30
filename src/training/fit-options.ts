import type { RunnableConfig } from "@langchain/core/runnables";
import type { CandidateValues } from "../data/scored-prediction.js";
import type { Example } from "../data/example.js";
import type { Budget, UsageSummary } from "../models/types.js";
import type { UsageLedger } from "../models/usage-ledger.js";
import type { Optimizer, ProposalStats } from "../optimizers/optimizer.js";
import type { Trainable } from "../prompts/collect.js";
import type { Reward } from "../rewards/reward.js";
import type { Variable } from "../variables/variable.js";
import type { ScoredPrediction } from "../data/scored-prediction.js";
import { BUDGET_PRESETS, isBudgetPreset, type BudgetPreset } from "./budget-presets.js";
import { TrainingOptionsError } from "./errors.js";
import type { TrainingHooks } from "./hooks.js";
import type { CacheStats, MetricCallStats } from "./program-evaluator.js";
import type { RetryOptions } from "./retry.js";
import type { HistoryEntry, RunRecord, RunStatus, StopCause } from "./run-record.js";

export interface EarlyStoppingOptions {
  /** Epochs without a validation improvement before training stops. */
  patience: number;
  /** Smallest rise of the validation mean that counts as an improvement (default 0). */
  minDelta?: number;
}

export interface FitOptions<Output = unknown, Expected = unknown> extends RetryOptions {
  trainset: readonly Example<Record<string, unknown>, Expected>[];
  /** Held-out examples: the final values are the program with the best mean on them. */
  valset?: readonly Example<Record<string, unknown>, Expected>[];
  /** Scored once on the final values, outside the metric budget, and reported apart (never used to choose). */
  testset?: readonly Example<Record<string, unknown>, Expected>[];
  /** Without a valset: the share of the trainset held out instead (seeded split), e.g. 0.2. */
  validationSplit?: number;
  reward: Reward<Output, Expected>;
  /** One or several optimizers; each acts on the variables whose schema contains its own. */
  optimizers: Optimizer | readonly Optimizer[];
  /**
   * Trainable prompts (or tools) the program uses where a walk of it cannot see them: inside a function, a
   * RunnableLambda, a graph node given as a function. Their candidate values reach them through the run config.
   */
  prompts?: readonly Trainable[];
  /**
   * Program runs (not served from the cache) the whole run may pay for — seed validation, batches, optimizer
   * gates and validations, finalize — never passed. With it, training goes on until it is spent or no
   * optimizer can improve, and `epochs` is only a cap. A preset ("light", "medium", "heavy") is resolved from
   * the dataset sizes, the batch size and the optimizers' `estimateStepCost` (see resolveBudgetPreset); the
   * number it resolved to is in the run record's settings.
   */
  maxMetricCalls?: number | BudgetPreset;
  /** Passes over the trainset (default 1; unlimited when `maxMetricCalls` is set and epochs is not). */
  epochs?: number;
  /** Examples per optimization step (default 8). */
  batchSize?: number;
  /** Examples run at once (default 4). */
  concurrency?: number;
  /** Seeds the shuffles and the validation split (default 0). */
  seed?: number;
  signal?: AbortSignal;
  /** Training hooks (onTrainBegin, onEpochEnd, onBatchEnd, …). */
  hooks?: TrainingHooks | readonly TrainingHooks[];
  /**
   * Config of the run: LangChain callback handlers, tags and metadata go here. fit opens one parent run
   * (`tunechain.fit`); program runs, optimizer steps and their model calls are its descendants.
   */
  config?: RunnableConfig;
  earlyStopping?: EarlyStoppingOptions;
  /** Progress bar on stdout; default: only when stdout is a terminal. */
  progress?: boolean;
  /** File the run state is written to after every step (atomically). */
  checkpoint?: string;
  /** Continue from `checkpoint` when it exists (a checkpoint of another run is an error). */
  resume?: boolean;
  /**
   * Usage ledger the optimizers' models record into. fit also books the chain's own model calls here (a usage
   * handler on the run config, role "task"); totals are reported, checkpointed and checked against `budget`.
   */
  usage?: UsageLedger;
  /** Spending limits (calls, tokens, $), enforced before every model call (task calls through fit's handler). */
  budget?: Budget;
  /**
   * With a valset, end with the program of the best measured validation mean (default true); false keeps
   * whatever the optimizers' finalize chose.
   */
  restoreBest?: boolean;
  /** (values, example) results kept by the evaluation cache (default 4096). */
  cacheSize?: number;
  /** Writes the RunRecord as JSON here at the end. */
  recordPath?: string;
}

export interface FitResult {
  history: HistoryEntry[];
  /** The values the program holds at the end, with their validation mean when a valset exists. */
  best: { values: CandidateValues; valScore?: number };
  /** Mean on the testset, when one was given. */
  testScore?: number;
  /** The final program's answer and score on each testset example, in testset order (with testScore). */
  testPredictions?: ScoredPrediction[];
  variables: Variable<object>[];
  usage: UsageSummary;
  status: RunStatus;
  /** What ended the run. */
  stoppedBy?: StopCause;
  /** Program runs paid, by phase, and the limit. */
  metricCalls: MetricCallStats;
  /** How each optimizer's proposals fared (refusals by reason). */
  proposals: ProposalStats[];
  cache: CacheStats;
  record: RunRecord;
}

/** Every option fit knows (estimate and compare derive theirs from it). */
export const FIT_OPTION_NAMES: readonly string[] = [
  "trainset",
  "valset",
  "testset",
  "validationSplit",
  "reward",
  "optimizers",
  "prompts",
  "maxMetricCalls",
  "epochs",
  "batchSize",
  "concurrency",
  "seed",
  "signal",
  "hooks",
  "config",
  "earlyStopping",
  "progress",
  "checkpoint",
  "resume",
  "usage",
  "budget",
  "restoreBest",
  "cacheSize",
  "recordPath",
  "retries",
  "retryDelayMs",
];

/** The settings fit derives from its options. */
export interface Settings {
  /** Epoch cap; Infinity when the metric budget drives the run. */
  epochs: number;
  batchSize: number;
  seed: number;
  /** The metric budget; fit resolves a preset to a number (resolveBudgetPreset) before anything runs. */
  maxMetricCalls?: number;
  /** The preset `maxMetricCalls` was given as, if it was. */
  budgetPreset?: BudgetPreset;
}

/** Checks fit's options before anything runs; every problem is a TrainingOptionsError saying how to fix it. */
export function checkOptions<Output, Expected>(options: FitOptions<Output, Expected>): Settings {
  if (typeof options !== "object" || options === null) {
    throw new TrainingOptionsError("fit(program, options) needs options: { trainset, reward, optimizers, … }.");
  }
  if ("callbacks" in options) {
    throw new TrainingOptionsError(
      "`callbacks` is not a fit option: LangChain callback handlers go in `config: { callbacks: [...] }`, and training " +
        "hooks (onBatchEnd, onEpochEnd, …) in `hooks`.",
    );
  }
  const unknown = Object.keys(options).filter((key) => !FIT_OPTION_NAMES.includes(key));
  if (unknown.length > 0) {
    throw new TrainingOptionsError(
      `fit does not know the option(s) ${unknown.map((k) => `'${k}'`).join(", ")}. Known options: ${FIT_OPTION_NAMES.join(", ")}.`,
    );
  }
  if (typeof options.reward !== "function") {
    throw new TrainingOptionsError("fit needs `reward`: a function (prediction, example) => number | { score, feedback } (e.g. exactMatch()).");
  }
  const optimizers = Array.isArray(options.optimizers) ? options.optimizers : [options.optimizers];
  if (optimizers.length === 0 || optimizers.some((o) => typeof (o as Optimizer)?.applyOptimization !== "function")) {
    throw new TrainingOptionsError("fit needs `optimizers`: an Optimizer or a non-empty array of them (e.g. new InstructionOptimizer({...})).");
  }
  const names = optimizers.map((o) => (o as Optimizer).name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new TrainingOptionsError(`Two optimizers are named '${duplicate}'; checkpoints key their state by name, so give each its own name.`);
  }
  const positiveInt = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < 1) throw new TrainingOptionsError(`${name} must be a positive integer, got ${String(value)}.`);
    return v;
  };
  const budgetPreset = typeof options.maxMetricCalls === "string" ? checkPreset(options.maxMetricCalls) : undefined;
  const maxMetricCalls =
    options.maxMetricCalls === undefined || budgetPreset !== undefined
      ? undefined
      : positiveInt("maxMetricCalls", options.maxMetricCalls as number, 1);
  const budgetDriven = maxMetricCalls !== undefined || budgetPreset !== undefined;
  const epochs = options.epochs === undefined && budgetDriven ? Number.POSITIVE_INFINITY : positiveInt("epochs", options.epochs, 1);
  const batchSize = positiveInt("batchSize", options.batchSize, 8);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new TrainingOptionsError(`seed must be an integer, got ${String(seed)}.`);
  if (options.validationSplit !== undefined) {
    if (options.valset !== undefined) {
      throw new TrainingOptionsError("Give either `valset` or `validationSplit`, not both.");
    }
    if (!(options.validationSplit > 0 && options.validationSplit < 1)) {
      throw new TrainingOptionsError(`validationSplit must be between 0 and 1 (e.g. 0.2), got ${String(options.validationSplit)}.`);
    }
  }
  if (options.earlyStopping !== undefined) {
    const patience = options.earlyStopping.patience;
    if (!Number.isInteger(patience) || patience < 1) {
      throw new TrainingOptionsError(`earlyStopping.patience must be a positive integer (epochs), got ${String(patience)}.`);
    }
    if (options.valset === undefined && options.validationSplit === undefined) {
      throw new TrainingOptionsError("earlyStopping watches the validation score: give `valset` or `validationSplit` too.");
    }
  }
  if (options.resume && !options.checkpoint) {
    throw new TrainingOptionsError("resume: true needs `checkpoint`: the path of the checkpoint file to continue from.");
  }
  if (options.budget && !options.usage) {
    throw new TrainingOptionsError("A `budget` is checked against a usage ledger: pass `usage` (the UsageLedger your models record into).");
  }
  return {
    epochs,
    batchSize,
    seed,
    ...(maxMetricCalls !== undefined ? { maxMetricCalls } : {}),
    ...(budgetPreset !== undefined ? { budgetPreset } : {}),
  };
}

function checkPreset(value: string): BudgetPreset {
  if (isBudgetPreset(value)) return value;
  throw new TrainingOptionsError(
    `maxMetricCalls must be a positive integer or one of the presets ${BUDGET_PRESETS.map((p) => `"${p}"`).join(", ")}, ` +
      `got ${JSON.stringify(value)}.`,
  );
}
