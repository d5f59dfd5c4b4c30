import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { Runnable, RunnableConfig } from "@langchain/core/runnables";
import stringify from "safe-stable-stringify";
import type { Budget, UsageSummary } from "../models/types.js";
import { UsageLedger, type SerializedUsageLedger } from "../models/usage-ledger.js";
import type { CandidateRecord } from "../optimizers/candidate-record.js";
import type { CandidateValues, Example, OptimizationContext } from "../optimizers/context.js";
import type { Optimizer } from "../optimizers/optimizer.js";
import { collectTrainableVariables } from "../prompts/collect.js";
import { SeededRandom } from "../random/seeded-random.js";
import type { Reward } from "../rewards/reward.js";
import type { Variable } from "../variables/variable.js";
import { notify, type TrainingCallbacks } from "./callbacks.js";
import {
  assertSameRun,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointFingerprint,
  type CheckpointState,
  type EarlyStoppingState,
} from "./checkpoint.js";
import { datasetHash, identifyExamples, splitValidation, type IdentifiedExample } from "./dataset.js";
import { CheckpointError, TrainingOptionsError } from "./errors.js";
import { hashJson, writeFileAtomic } from "./files.js";
import { meanScore, ProgramEvaluator, type CacheStats } from "./program-evaluator.js";
import { progressBar } from "./progress.js";
import type { RetryOptions } from "./retry.js";
import type { HistoryEntry, RunRecord } from "./run-record.js";
import { withTaskUsage } from "./task-usage.js";

export interface EarlyStoppingOptions {
  /** Epochs without a validation improvement before training stops. */
  patience: number;
  /** Smallest rise of the validation mean that counts as an improvement (default 0). */
  minDelta?: number;
}

export interface FitOptions<Output = unknown> extends RetryOptions {
  trainset: readonly Example[];
  /** Held-out examples for early stopping, finalize and the final score. */
  valset?: readonly Example[];
  /** Without a valset: the share of the trainset held out instead (seeded split), e.g. 0.2. */
  validationSplit?: number;
  reward: Reward<Output>;
  /** One or several optimizers; each acts on the variables whose schema contains its own. */
  optimizers: Optimizer | readonly Optimizer[];
  /** Passes over the trainset (default 1). */
  epochs?: number;
  /** Examples per optimization step (default 8). */
  batchSize?: number;
  /** Examples run at once (default 4). */
  concurrency?: number;
  /** Seeds the shuffles and the validation split (default 0). */
  seed?: number;
  signal?: AbortSignal;
  /** Training hooks (onTrainBegin, onEpochEnd, onBatchEnd, …). */
  callbacks?: TrainingCallbacks | readonly TrainingCallbacks[];
  /**
   * Config of every program run and optimizer step: put LangChain callback handlers, tags and metadata
   * here to see the optimizer runs and their model calls as runs.
   */
  config?: RunnableConfig;
  earlyStopping?: EarlyStoppingOptions;
  /** Progress bar on stdout; default: only when stdout is a terminal. */
  progress?: boolean;
  /** File the run state is written to after every batch (atomically). */
  checkpoint?: string;
  /** Continue from `checkpoint` when it exists (a checkpoint of another run is an error). */
  resume?: boolean;
  /**
   * Usage ledger the optimizers' models record into. fit also books the chain's own model calls here (a usage
   * handler on the run config, role "task"); totals are reported, checkpointed and checked against `budget`.
   */
  usage?: UsageLedger;
  /** Spending limits, enforced before every model call (task calls through fit's handler) and every batch. */
  budget?: Budget;
  /** After finalize, bring back the best validated values (seed or epoch end) if finalize did worse (default true). */
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
  variables: Variable<object>[];
  usage: UsageSummary;
  status: RunRecord["status"];
  cache: CacheStats;
  record: RunRecord;
}

const KNOWN_OPTIONS = [
  "trainset",
  "valset",
  "validationSplit",
  "reward",
  "optimizers",
  "epochs",
  "batchSize",
  "concurrency",
  "seed",
  "signal",
  "callbacks",
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

/**
 * Evaluation-cache entries kept in each checkpoint: the most recently used ones, which hold the current values and
 * candidates on the batches and validation set a resumed run needs first. Bounded so checkpoints stay small.
 */
const CHECKPOINT_CACHE_ENTRIES = 1024;

const EMPTY_USAGE: UsageSummary = { byRole: {}, total: { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 } };

/** Why training stopped early, if it did. */
class StopTraining {
  constructor(readonly status: "budget-exhausted" | "aborted", readonly error: unknown) {}
}

/**
 * Tunes the trainable prompts inside `program`. Each batch: run the program on the examples, score the
 * answers, and let every optimizer propose new values from the scored predictions. At the end each
 * optimizer settles its variables (held-out evaluation when a valset exists). A budget or an abort ends
 * training cleanly: what was learned so far is finalized and returned.
 */
export async function fit<Output>(program: Runnable<never, Output>, options: FitOptions<Output>): Promise<FitResult> {
  const settings = checkOptions(options);
  const startedAt = new Date().toISOString();
  const optimizers = [...(Array.isArray(options.optimizers) ? options.optimizers : [options.optimizers])] as Optimizer[];
  const variables = collectTrainableVariables(program) as unknown as Variable<object>[];
  checkRouting(variables, optimizers);

  const random = SeededRandom.fromSeed(settings.seed);
  let trainset = identifyExamples(options.trainset, "trainset");
  let valset: IdentifiedExample[] = options.valset ? identifyExamples(options.valset, "valset") : [];
  if (options.valset === undefined && options.validationSplit !== undefined) {
    ({ trainset, valset } = splitValidation(trainset, options.validationSplit, random));
  }
  if (trainset.length === 0) throw new TrainingOptionsError("The trainset is empty: give fit at least one example.");
  const batchesPerEpoch = Math.ceil(trainset.length / settings.batchSize);

  const callbacks = [...(options.callbacks ? (Array.isArray(options.callbacks) ? options.callbacks : [options.callbacks]) : [])] as TrainingCallbacks[];
  if (options.progress ?? process.stdout.isTTY === true) callbacks.push(progressBar());

  const runConfig = options.usage ? withTaskUsage(options.config, options.usage, options.budget) : options.config;
  const evaluator = new ProgramEvaluator({
    program,
    reward: options.reward,
    variables,
    concurrency: options.concurrency,
    config: runConfig,
    ...(options.usage && options.budget ? { beforeRun: () => options.usage!.check(options.budget) } : {}),
    retries: options.retries,
    retryDelayMs: options.retryDelayMs,
    cacheSize: options.cacheSize,
  });
  const signal = options.signal;
  const stepConfig: RunnableConfig = { ...runConfig, ...(signal ? { signal } : {}) };
  const context: Omit<OptimizationContext, "predictions" | "signal" | "config"> = {
    evaluate: evaluator.evaluate,
    trainset,
    ...(valset.length > 0 ? { valset } : {}),
  };
  const fingerprint = makeFingerprint(variables, optimizers, trainset, valset, settings);

  // State of the run; a resume replaces it with the checkpoint's.
  let position: CheckpointState["position"] = { epoch: 0, nextBatch: 0, order: [], step: 0, stopped: false };
  let history: HistoryEntry[] = [];
  let initialValues = evaluator.currentValues();
  let initialValScore: number | undefined;
  let earlyStopping: EarlyStoppingState = { best: null, bestStep: 0, bestValues: null, waited: 0 };
  let runStartedAt = startedAt;
  const cacheBase = { hits: 0, misses: 0 };

  const saved = options.resume && options.checkpoint ? await readCheckpoint(options.checkpoint) : undefined;
  if (saved) {
    assertSameRun(options.checkpoint!, saved.fingerprint, fingerprint);
    const savedUsage = options.usage && saved.usage ? readSavedUsage(saved.usage, options.checkpoint!) : undefined;
    restoreState(saved, variables, optimizers, options.checkpoint!);
    random.setState(saved.random);
    if (savedUsage) options.usage!.restore(savedUsage);
    evaluator.restoreCache(saved.cache?.entries ?? []);
    position = structuredClone(saved.position);
    history = structuredClone(saved.history);
    initialValues = structuredClone(saved.initialValues);
    initialValScore = saved.initialValScore;
    earlyStopping = structuredClone(saved.earlyStopping);
    runStartedAt = saved.startedAt;
    cacheBase.hits = saved.cache?.hits ?? 0;
    cacheBase.misses = saved.cache?.misses ?? 0;
  }

  const cacheStats = (): CacheStats => ({
    hits: cacheBase.hits + evaluator.stats.hits,
    misses: cacheBase.misses + evaluator.stats.misses,
    size: evaluator.stats.size,
  });
  const snapshot = (): CheckpointState => ({
    format: "tunechain-checkpoint",
    version: 1,
    fingerprint,
    startedAt: runStartedAt,
    position,
    values: evaluator.currentValues(),
    initialValues,
    ...(initialValScore !== undefined ? { initialValScore } : {}),
    optimizers: Object.fromEntries(
      optimizers.map((optimizer) => {
        const store: Record<string, unknown> = {};
        optimizer.saveOwnVariables(store);
        return [optimizer.name, store];
      }),
    ),
    random: random.getState(),
    history,
    ...(options.usage ? { usage: options.usage.toJSON() } : {}),
    cache: {
      hits: cacheStats().hits,
      misses: cacheStats().misses,
      entries: evaluator.cacheEntries(CHECKPOINT_CACHE_ENTRIES),
    },
    earlyStopping,
  });
  const checkpoint = async () => {
    if (options.checkpoint) await writeCheckpoint(options.checkpoint, snapshot());
  };
  const validate = async (): Promise<number | undefined> =>
    valset.length > 0 ? meanScore(await evaluator.evaluate({}, valset, { signal })) : undefined;

  let status: RunRecord["status"] = "completed";
  let trainingError: unknown;
  try {
    if (!saved && valset.length > 0) {
      initialValScore = await validate();
      earlyStopping = { best: initialValScore ?? null, bestStep: 0, bestValues: evaluator.currentValues(), waited: 0 };
    }
    await notify(callbacks, "onTrainBegin", {
      epochs: settings.epochs,
      batchesPerEpoch,
      trainSize: trainset.length,
      valSize: valset.length,
      startEpoch: position.epoch,
      startBatch: position.nextBatch,
      ...(initialValScore !== undefined ? { initialValScore } : {}),
    });

    while (!position.stopped && position.epoch < settings.epochs) {
      if (position.nextBatch === 0 && position.order.length === 0) {
        position.order = random.shuffle(trainset.map((_, i) => i));
        await notify(callbacks, "onEpochBegin", position.epoch);
      }
      while (position.nextBatch < batchesPerEpoch) {
        signal?.throwIfAborted();
        options.usage?.check(options.budget);
        const { epoch, nextBatch: batch, step } = position;
        await notify(callbacks, "onBatchBegin", { epoch, batch, step });
        const examples = position.order
          .slice(batch * settings.batchSize, (batch + 1) * settings.batchSize)
          .map((i) => trainset[i] as IdentifiedExample);
        const predictions = await evaluator.evaluate({}, examples, { signal });
        const trainReward = meanScore(predictions);
        for (const optimizer of optimizers) {
          await optimizer.invoke({ variables, predictions, reward: trainReward, context }, stepConfig);
        }
        const entry: HistoryEntry = { epoch, batch, step: step + 1, trainReward };
        const epochDone = batch + 1 === batchesPerEpoch;
        if (epochDone) await endEpoch(entry);
        history.push(entry);
        position = {
          ...position,
          nextBatch: batch + 1,
          step: step + 1,
        };
        if (epochDone) position = { ...position, epoch: epoch + 1, nextBatch: 0, order: [] };
        // Checkpoint before telling callbacks, so a crash inside a callback loses nothing.
        await checkpoint();
        await notify(callbacks, "onBatchEnd", entry);
        if (epochDone) {
          await notify(callbacks, "onEpochEnd", {
            epoch,
            ...(entry.valReward !== undefined ? { valReward: entry.valReward } : {}),
            stopping: position.stopped,
          });
        }
        if (position.stopped || epochDone) break;
      }
    }
    if (position.stopped) status = "early-stopped";
  } catch (error) {
    const stop = classifyStop(error, signal);
    if (!stop) throw error;
    status = stop.status;
    trainingError = stop.error;
  }

  // Updates `entry` with the validation mean and decides early stopping (state lands in the checkpoint).
  async function endEpoch(entry: HistoryEntry): Promise<void> {
    const valReward = await validate();
    if (valReward === undefined) return;
    entry.valReward = valReward;
    const minDelta = options.earlyStopping?.minDelta ?? 0;
    if (earlyStopping.best === null || valReward > earlyStopping.best + minDelta) {
      earlyStopping = { best: valReward, bestStep: entry.step, bestValues: evaluator.currentValues(), waited: 0 };
    } else {
      earlyStopping = { ...earlyStopping, waited: earlyStopping.waited + 1 };
      if (options.earlyStopping && earlyStopping.waited >= options.earlyStopping.patience) {
        position = { ...position, stopped: true };
      }
    }
  }

  // Finalize: with held-out evaluation normally; from what the optimizers know when the run was cut short.
  const cutShort = status === "aborted" || status === "budget-exhausted";
  const finalizeContext: OptimizationContext = cutShort
    ? { trainset, config: runConfig ?? {} }
    : { ...context, config: stepConfig, ...(signal ? { signal } : {}) };
  for (const optimizer of optimizers) {
    try {
      await optimizer.finalizeVariableValues(variables, finalizeContext);
    } catch (error) {
      if (!classifyStop(error, signal)) throw error;
      // Out of budget or aborted while finalizing: keep the values in place.
      if (status === "completed" || status === "early-stopped") status = classifyStop(error, signal)!.status;
      trainingError ??= error;
      break;
    }
  }

  let finalValScore: number | undefined;
  if (valset.length > 0 && status !== "aborted" && status !== "budget-exhausted") {
    try {
      finalValScore = await validate();
    } catch (error) {
      const stop = classifyStop(error, signal);
      if (!stop) throw error;
      status = stop.status;
      trainingError ??= error;
    }
    const best = earlyStopping.bestValues;
    const restore = options.restoreBest ?? true;
    if (restore && best && earlyStopping.best !== null && finalValScore !== undefined && earlyStopping.best > finalValScore) {
      assignValues(variables, best);
      finalValScore = earlyStopping.best;
    }
  }

  const finalValues = evaluator.currentValues();
  // Callback handlers may run in the background; let them finish so usage and traces are complete.
  await awaitAllCallbacks();
  const usage = options.usage ? options.usage.summary() : EMPTY_USAGE;
  const leaderboard: CandidateRecord[] = optimizers.flatMap((optimizer) => optimizer.leaderboard());
  const record: RunRecord = {
    version: 1,
    startedAt: runStartedAt,
    finishedAt: new Date().toISOString(),
    status,
    settings: {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      concurrency: options.concurrency ?? 4,
      seed: settings.seed,
      trainSize: trainset.length,
      valSize: valset.length,
      optimizers: optimizers.map((o) => o.name),
      variables: variables.map((v) => v.name),
      reward: options.reward.name || "custom",
      ...(options.earlyStopping ? { earlyStopping: { ...options.earlyStopping } } : {}),
      ...(options.budget ? { budget: { ...options.budget } } : {}),
      cache: cacheStats(),
      ...(trainingError ? { stoppedBecause: (trainingError as Error).message ?? String(trainingError) } : {}),
    },
    initialValues,
    finalValues,
    ...(initialValScore !== undefined ? { initialValScore } : {}),
    ...(finalValScore !== undefined ? { finalValScore } : {}),
    history,
    leaderboard,
    usage,
  };
  if (options.recordPath) await writeFileAtomic(options.recordPath, `${stringify(record, null, 2)}\n`);
  await notify(callbacks, "onTrainEnd", {
    status,
    history,
    ...(finalValScore !== undefined ? { finalValScore } : {}),
  });
  return {
    history,
    best: { values: finalValues, ...(finalValScore !== undefined ? { valScore: finalValScore } : {}) },
    variables,
    usage,
    status,
    cache: cacheStats(),
    record,
  };
}

interface Settings {
  epochs: number;
  batchSize: number;
  seed: number;
}

function checkOptions<Output>(options: FitOptions<Output>): Settings {
  if (typeof options !== "object" || options === null) {
    throw new TrainingOptionsError("fit(program, options) needs options: { trainset, reward, optimizers, … }.");
  }
  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.includes(key));
  if (unknown.length > 0) {
    throw new TrainingOptionsError(
      `fit does not know the option(s) ${unknown.map((k) => `'${k}'`).join(", ")}. Known options: ${KNOWN_OPTIONS.join(", ")}.`,
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
  const epochs = positiveInt("epochs", options.epochs, 1);
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
  return { epochs, batchSize, seed };
}

/** The checkpoint's usage, validated before any state is restored. */
function readSavedUsage(saved: unknown, path: string): SerializedUsageLedger {
  try {
    return UsageLedger.fromJSON(saved as SerializedUsageLedger).toJSON();
  } catch (error) {
    throw new CheckpointError(
      `Checkpoint ${path} holds an unreadable usage ledger (${(error as Error).message}). ` +
        "Delete the checkpoint to start over, or resume without `usage`.",
      { cause: error },
    );
  }
}

function checkRouting(variables: readonly Variable<object>[], optimizers: readonly Optimizer[]): void {
  const trainable = variables.filter((v) => v.trainable);
  if (trainable.length === 0) {
    throw new TrainingOptionsError(
      "The program has no TrainablePrompt: fit found nothing to tune. Build the chain with a TrainablePrompt " +
        "(e.g. TrainablePrompt.fromChatPromptTemplate(prompt, { name })).",
    );
  }
  if (!trainable.some((v) => optimizers.some((o) => o.matches(v)))) {
    throw new TrainingOptionsError(
      `None of the optimizers (${optimizers.map((o) => o.name).join(", ")}) acts on the program's variables ` +
        `(${trainable.map((v) => v.name).join(", ")}): their schemas do not fit. Use optimizers made for prompt ` +
        "variables (instructions / examples) or give them a schema the variables contain.",
    );
  }
}

function makeFingerprint(
  variables: readonly Variable<object>[],
  optimizers: readonly Optimizer[],
  trainset: readonly IdentifiedExample[],
  valset: readonly IdentifiedExample[],
  settings: Settings,
): CheckpointFingerprint {
  return {
    variables: variables.map((v) => ({ name: v.name, schemaHash: hashJson(v.schema()) })),
    optimizers: optimizers.map((o) => ({ name: o.name, className: o.constructor.name, stateSize: o.variables.length })),
    trainset: datasetHash(trainset),
    valset: datasetHash(valset),
    batchSize: settings.batchSize,
    seed: settings.seed,
  };
}

/** Puts the checkpoint's values and optimizer states in place, after checking all of them first. */
function restoreState(
  saved: CheckpointState,
  variables: readonly Variable<object>[],
  optimizers: readonly Optimizer[],
  path: string,
): void {
  const problems: string[] = [];
  for (const variable of variables) {
    const value = saved.values[variable.name];
    const issues = value === undefined ? [{ path: "", message: "missing" }] : variable.validate(value);
    if (issues.length > 0) problems.push(`variable '${variable.name}': ${issues.map((i) => `${i.path || "(root)"} ${i.message}`).join("; ")}`);
  }
  for (const optimizer of optimizers) {
    const store = saved.optimizers[optimizer.name];
    const own = optimizer.variables;
    if (store === undefined || Object.keys(store).length !== own.length) {
      problems.push(`optimizer '${optimizer.name}': state missing or of another size`);
      continue;
    }
    own.forEach((variable, i) => {
      const issues = variable.validate(store[String(i)]);
      if (issues.length > 0) problems.push(`optimizer '${optimizer.name}' state ${i}: ${issues[0]?.message ?? "invalid"}`);
    });
  }
  if (problems.length > 0) {
    throw new CheckpointError(
      `The checkpoint ${path} does not fit this run; nothing was restored:\n  - ${problems.join("\n  - ")}\nDelete it to start over.`,
    );
  }
  assignValues(variables, saved.values);
  for (const optimizer of optimizers) optimizer.loadOwnVariables(saved.optimizers[optimizer.name]!);
}

function assignValues(variables: readonly Variable<object>[], values: CandidateValues): void {
  for (const variable of variables) {
    const value = values[variable.name];
    if (value !== undefined) variable.assign(value);
  }
}

/** Budget exhaustion and aborts end training cleanly; anything else is a failure. */
function classifyStop(error: unknown, signal: AbortSignal | undefined): StopTraining | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "BudgetExceededError" || (error as { cause?: { name?: unknown } })?.cause?.name === "BudgetExceededError") {
    return new StopTraining("budget-exhausted", error);
  }
  if (signal?.aborted) return new StopTraining("aborted", error);
  return undefined;
}

