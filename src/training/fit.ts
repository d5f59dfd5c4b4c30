import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import stringify from "safe-stable-stringify";
import type { ScoredPrediction } from "../data/scored-prediction.js";
import type { UsageSummary } from "../models/types.js";
import type { OptimizationContext } from "../optimizers/context.js";
import type { Optimizer, ProposalStats } from "../optimizers/optimizer.js";
import { collectTrainablePrompts, collectTrainableTools, collectTrainableVariables } from "../prompts/collect.js";
import { SeededRandom } from "../random/seeded-random.js";
import { assertSameRun, readCheckpoint, writeCheckpoint, type CheckpointState } from "./checkpoint.js";
import { componentInfos } from "./component-infos.js";
import { resolveBudgetPreset } from "./budget-presets.js";
import { identifyExamples, splitValidation, type IdentifiedExample } from "./dataset.js";
import { initialEarlyStopping, updateEarlyStopping } from "./early-stopping.js";
import { TrainingOptionsError } from "./errors.js";
import { hashJson, writeFileAtomic } from "./files.js";
import { checkOptions, type FitOptions, type FitResult } from "./fit-options.js";
import { makeFingerprint, readSavedUsage, restoreState } from "./fit-restore.js";
import { FitRun } from "./fit-run.js";
import { notify, type TrainingHooks } from "./hooks.js";
import { assertSeedWorks, checkPromptInputs, checkRouting } from "./preflight.js";
import { meanScore, ProgramEvaluator, type Program } from "./program-evaluator.js";
import { progressBar } from "./progress.js";
import { describeSettings, failuresFirst, modelsOf, warnAboutFailedProposals } from "./run-record-builder.js";
import type { HistoryEntry, RunRecord, RunStatus, StopCause } from "./run-record.js";
import { chooseFinalProgram, measureInPlace } from "./final-choice.js";
import { classifyStop } from "./stop-cause.js";
import { withTaskUsage } from "./task-usage.js";
import { ValidationLedger } from "./validation-ledger.js";

export type { EarlyStoppingOptions, FitOptions, FitResult } from "./fit-options.js";

/** Evaluation-cache bytes kept in each checkpoint (most recent entries first), so checkpoints stay small. */
const CHECKPOINT_CACHE_BYTES = 512 * 1024;

const EMPTY_USAGE: UsageSummary = { byRole: {}, total: { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 } };

/**
 * Tunes the trainable prompts inside `program`. Each step: score a training batch with the values in place
 * (when an optimizer learns from it) and let every optimizer search over program candidates, scoring what it
 * proposes through one evaluator that caches, traces and counts every program run. At the end each optimizer
 * finalizes, and with a valset the program with the best measured validation mean is put in place. A budget,
 * an abort or every optimizer saying it is done ends training cleanly; a failed program run is a score of 0.
 */
export async function fit<Input, Output, Expected = unknown>(
  program: Program<Input, Output>,
  options: FitOptions<Output, Expected>,
): Promise<FitResult> {
  const settings = checkOptions(options);
  const optimizers = [...(Array.isArray(options.optimizers) ? options.optimizers : [options.optimizers])] as Optimizer[];
  const prompts = collectTrainablePrompts(program, options.prompts);
  const tools = collectTrainableTools(program, options.prompts);
  const variables = collectTrainableVariables(program, options.prompts);
  checkRouting(variables, optimizers);

  const random = SeededRandom.fromSeed(settings.seed);
  let trainset = identifyExamples(options.trainset, "trainset");
  let valset: IdentifiedExample[] = options.valset ? identifyExamples(options.valset, "valset") : [];
  const testset = options.testset ? identifyExamples(options.testset, "testset") : [];
  if (options.valset === undefined && options.validationSplit !== undefined) {
    ({ trainset, valset } = splitValidation(trainset, options.validationSplit, random));
  }
  if (trainset.length === 0) throw new TrainingOptionsError("The trainset is empty: give fit at least one example.");
  checkPromptInputs(program, [trainset, valset, testset]);
  if (settings.budgetPreset !== undefined) {
    const shape = { trainSize: trainset.length, valSize: valset.length, batchSize: settings.batchSize, optimizers, variables };
    settings.maxMetricCalls = resolveBudgetPreset(settings.budgetPreset, shape).maxMetricCalls;
  }
  const batchesPerEpoch = Math.ceil(trainset.length / settings.batchSize);
  const examplesById = new Map<string, IdentifiedExample>([...trainset, ...valset].map((e) => [e.id, e]));

  const hooks = [...(options.hooks ? (Array.isArray(options.hooks) ? options.hooks : [options.hooks]) : [])] as TrainingHooks[];
  if (options.progress ?? process.stdout.isTTY === true) hooks.push(progressBar());

  const runConfig = options.usage ? withTaskUsage(options.config, options.usage, options.budget) : { ...options.config };
  const fitRun = await FitRun.open(runConfig, describeSettings(settings, options, trainset, valset, testset, optimizers, variables));
  const ledger = new ValidationLedger(new Set(valset.map((e) => e.id)));
  const evaluator = new ProgramEvaluator<Output>({
    program: program as unknown as Program<never, Output>,
    reward: options.reward as never,
    variables,
    concurrency: options.concurrency,
    config: fitRun.child(runConfig),
    ...(settings.maxMetricCalls !== undefined ? { maxMetricCalls: settings.maxMetricCalls } : {}),
    ...(options.usage && options.budget ? { beforeRun: () => options.usage!.check(options.budget) } : {}),
    onPrediction: (values, key, prediction) => ledger.record(values, key, prediction),
    configInAsyncContext: tools.length > 0,
    retries: options.retries,
    retryDelayMs: options.retryDelayMs,
    cacheSize: options.cacheSize,
  });
  const signal = options.signal;
  const stops = new Map<string, { reason: string; limit?: "maxMetricCalls" }>();
  const baseContext: Omit<OptimizationContext, "predictions" | "signal" | "config"> = {
    evaluate: evaluator.evaluate,
    budget: evaluator,
    trainset,
    ...(valset.length > 0 ? { valset } : {}),
    components: componentInfos(prompts, tools),
  };
  const contextFor = (optimizer: Optimizer): Omit<OptimizationContext, "predictions" | "signal" | "config"> => ({
    ...baseContext,
    stopTraining: (reason, cause) => void stops.set(optimizer.name, { reason, ...cause }),
  });
  const fingerprint = makeFingerprint(variables, optimizers, trainset, valset, settings);

  // State of the run; a resume replaces it with the checkpoint's.
  let position: CheckpointState["position"] = { epoch: 0, nextBatch: 0, order: [], step: 0, stopped: false, stalled: 0 };
  let history: HistoryEntry[] = [];
  let initialValues = evaluator.currentValues();
  let initialValScore: number | undefined;
  let earlyStopping = initialEarlyStopping(null, null);
  let runStartedAt = new Date().toISOString();
  const cacheBase = { hits: 0, misses: 0 };

  const saved = options.resume && options.checkpoint ? await readCheckpoint(options.checkpoint) : undefined;
  if (saved) {
    assertSameRun(options.checkpoint!, saved.fingerprint, fingerprint);
    const savedUsage = options.usage && saved.usage ? readSavedUsage(saved.usage, options.checkpoint!) : undefined;
    restoreState(saved, variables, optimizers, options.checkpoint!);
    random.setState(saved.random);
    if (savedUsage) options.usage!.restore(savedUsage);
    evaluator.restoreCache(saved.cache.entries ?? [], examplesById);
    evaluator.restoreMetricCalls(saved.metricCalls);
    ledger.restore(saved.ledger);
    position = structuredClone(saved.position);
    history = structuredClone(saved.history);
    initialValues = structuredClone(saved.initialValues);
    initialValScore = saved.initialValScore;
    earlyStopping = structuredClone(saved.earlyStopping);
    runStartedAt = saved.startedAt;
    cacheBase.hits = saved.cache.hits;
    cacheBase.misses = saved.cache.misses;
  }
  for (const optimizer of optimizers) if (optimizer.stopReason) stops.set(optimizer.name, { reason: optimizer.stopReason });

  const cacheStats = () => ({
    hits: cacheBase.hits + evaluator.stats.hits,
    misses: cacheBase.misses + evaluator.stats.misses,
    size: evaluator.stats.size,
  });
  const snapshot = (): CheckpointState => ({
    format: "tunechain-checkpoint",
    version: 2,
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
    cache: { ...cacheStats(), entries: evaluator.cacheEntries(CHECKPOINT_CACHE_BYTES) },
    metricCalls: { used: evaluator.metricCalls.used, byPhase: { ...evaluator.metricCalls.byPhase } },
    ledger: ledger.toJSON(),
    earlyStopping,
  });
  const checkpoint = async () => {
    if (options.checkpoint) await writeCheckpoint(options.checkpoint, snapshot());
  };
  /** Validation mean of the values in place, when there is a valset and the budget can pay for it (known answers are free). */
  const validate = async (phase: "seed" | "validation"): Promise<{ mean: number; predictions: ScoredPrediction[] } | undefined> => {
    const predictions = await measureInPlace(evaluator, valset, { signal, phase });
    return predictions && { mean: meanScore(predictions), predictions };
  };

  let status: RunStatus = "completed";
  let stoppedBy: StopCause | undefined;
  let failure: unknown;
  try {
    if (!saved && valset.length > 0) {
      const seed = await validate("seed");
      if (seed) {
        assertSeedWorks(seed.predictions);
        initialValScore = seed.mean;
        earlyStopping = initialEarlyStopping(initialValScore, evaluator.currentValues());
      }
    }
    holdReserve();
    await notify(hooks, "onTrainBegin", {
      epochs: settings.epochs,
      batchesPerEpoch,
      trainSize: trainset.length,
      valSize: valset.length,
      startEpoch: position.epoch,
      startBatch: position.nextBatch,
      ...(initialValScore !== undefined ? { initialValScore } : {}),
      ...(settings.maxMetricCalls !== undefined ? { maxMetricCalls: settings.maxMetricCalls } : {}),
    });

    const stallLimit = Math.max(3, batchesPerEpoch);
    while (!position.stopped) {
      const cause = loopEnd();
      if (cause) {
        stoppedBy = cause;
        break;
      }
      if (position.nextBatch === 0 && position.order.length === 0) {
        position.order = random.shuffle(trainset.map((_, i) => i));
        await notify(hooks, "onEpochBegin", position.epoch);
      }
      signal?.throwIfAborted();
      options.usage?.check(options.budget);
      const { epoch, nextBatch: batch, step } = position;
      await notify(hooks, "onBatchBegin", { epoch, batch, step });
      const examples = position.order
        .slice(batch * settings.batchSize, (batch + 1) * settings.batchSize)
        .map((i) => trainset[i] as IdentifiedExample);
      const paidBefore = evaluator.metricCalls.used;
      const active = optimizers.filter((o) => !stops.has(o.name));
      // The batch is run with the values in place only when an optimizer learns from it.
      const predictions = active.some((o) => o.usesBatchPredictions)
        ? await evaluator.evaluate({}, examples, { signal, phase: "train" })
        : undefined;
      if (predictions && step === 0 && valset.length === 0) assertSeedWorks(predictions);
      const trainReward = predictions ? meanScore(predictions) : undefined;
      for (const optimizer of active) {
        await optimizer.invoke(
          { variables, ...(predictions ? { predictions, reward: trainReward } : {}), context: contextFor(optimizer) },
          fitRun.stepConfig(runConfig, signal, { metadata: { tunechain_phase: "step", tunechain_iteration: step + 1 } }),
        );
      }
      holdReserve();
      const epochDone = batch + 1 === batchesPerEpoch;
      position = { ...position, nextBatch: batch + 1, step: step + 1 };
      position.stalled = evaluator.metricCalls.used === paidBefore ? position.stalled + 1 : 0;
      const entry: HistoryEntry = {
        epoch,
        batch,
        step: step + 1,
        ...(trainReward !== undefined ? { trainReward } : {}),
        metricCalls: evaluator.metricCalls.used,
      };
      if (epochDone) {
        const measured = await validate("validation");
        if (measured) {
          entry.valReward = measured.mean;
          const update = updateEarlyStopping(earlyStopping, measured.mean, entry.step, evaluator.currentValues(), options.earlyStopping);
          earlyStopping = update.state;
          if (update.stop) {
            position.stopped = true;
            stoppedBy = { reason: `no validation improvement for ${options.earlyStopping?.patience} epoch(s)`, limit: "earlyStopping" };
          }
        }
        position = { ...position, epoch: epoch + 1, nextBatch: 0, order: [] };
      }
      history.push(entry);
      // Checkpoint before telling hooks, so a crash inside a hook loses nothing.
      await checkpoint();
      await notify(hooks, "onBatchEnd", entry);
      if (epochDone) {
        await notify(hooks, "onEpochEnd", {
          epoch,
          ...(entry.valReward !== undefined ? { valReward: entry.valReward } : {}),
          stopping: position.stopped,
        });
      }
      if (!Number.isFinite(settings.epochs) && position.stalled >= stallLimit) {
        stoppedBy = { reason: `no optimizer paid for a new program run in ${position.stalled} steps: nothing left to improve` };
        break;
      }
    }
    if (position.stopped) status = "early-stopped";
  } catch (error) {
    const stop = await stopOrFail(error);
    ({ status } = stop);
    stoppedBy = stop.cause;
    failure = error;
  }

  /** A budget stop or an abort, classified; any other error fails the run (runs in flight settled first). */
  async function stopOrFail(error: unknown): Promise<{ status: RunStatus; cause: StopCause }> {
    const stop = classifyStop(error, signal);
    if (stop) return stop;
    await evaluator.settle();
    await fitRun.fail(error);
    throw error;
  }

  /**
   * While the values in place have not been measured on the whole valset, keep the cost of that measure back
   * from everyone, so the budget never runs out with the program in place unmeasured (GEPA, which validates what
   * it puts in place, never needs it).
   */
  function holdReserve(): void {
    if (settings.maxMetricCalls === undefined || valset.length === 0 || settings.maxMetricCalls < 3 * valset.length) return;
    const measured = ledger.completeMean(hashJson(evaluator.currentValues())) !== undefined;
    evaluator.reserve(measured ? 0 : valset.length);
  }

  /** Why the loop should end before the next step, if it should. */
  function loopEnd(): StopCause | undefined {
    if (position.epoch >= settings.epochs) return { reason: `${settings.epochs} epoch(s) done`, limit: "epochs" };
    if (evaluator.remaining() === 0) return { reason: `maxMetricCalls=${settings.maxMetricCalls} spent`, limit: "maxMetricCalls" };
    if (optimizers.every((o) => stops.has(o.name))) {
      const last = optimizers.at(-1) as Optimizer;
      const stop = stops.get(last.name);
      return {
        reason: `every optimizer is done (${last.name}: ${stop?.reason})`,
        optimizer: last.name,
        ...(stop?.limit ? { limit: stop.limit } : {}),
      };
    }
    return undefined;
  }

  // Finalize: each optimizer settles its variables (through invoke, like a step), then the run's best
  // measured program is put in place. The reserve kept for this is free again.
  evaluator.releaseReserve();
  const finalizeConfig = fitRun.stepConfig(runConfig, signal, { metadata: { tunechain_phase: "finalize" } });
  if (status !== "aborted") {
    for (const optimizer of optimizers) {
      try {
        await optimizer.invoke({ variables, optimize: false, finalize: true, context: contextFor(optimizer) }, finalizeConfig);
      } catch (error) {
        const stop = await stopOrFail(error);
        // Out of budget while finalizing: what was measured stays, the values in place stand.
        if (status === "completed" || status === "early-stopped") {
          status = stop.status;
          stoppedBy = stop.cause;
        }
        failure ??= error;
        break;
      }
    }
  }

  const { finalValScore, finalChoice, finalValidation } = await chooseFinalProgram({
    evaluator,
    ledger,
    valset,
    variables,
    restoreBest: options.restoreBest ?? true,
    measureInPlace: status !== "aborted",
    signal,
  });

  let testScore: number | undefined;
  let testPredictions: ScoredPrediction[] | undefined;
  if (testset.length > 0 && status !== "aborted") {
    try {
      testPredictions = await evaluator.evaluate({}, testset, { signal, phase: "test", unbudgeted: true });
      testScore = meanScore(testPredictions);
    } catch (error) {
      if (!classifyStop(error, signal)) throw error;
    }
  }

  // Runs still in flight (siblings of one that hit a budget) finish before usage is read.
  await evaluator.settle();
  await awaitAllCallbacks();
  const finalValues = evaluator.currentValues();
  const usage = options.usage ? options.usage.summary() : EMPTY_USAGE;
  const proposals = optimizers.map((o) => o.proposalStats()).filter((p): p is ProposalStats => p !== undefined);
  warnAboutFailedProposals(proposals);
  const record: RunRecord = {
    version: 2,
    startedAt: runStartedAt,
    finishedAt: new Date().toISOString(),
    status,
    ...(stoppedBy ? { stoppedBy } : {}),
    settings: {
      ...describeSettings(settings, options, trainset, valset, testset, optimizers, variables),
      cache: cacheStats(),
      ...(failure ? { stoppedBecause: (failure as Error).message ?? String(failure) } : {}),
    },
    initialValues,
    finalValues,
    ...(initialValScore !== undefined ? { initialValScore } : {}),
    ...(finalValScore !== undefined ? { finalValScore } : {}),
    ...(finalChoice ? { finalChoice } : {}),
    ...(testScore !== undefined ? { testScore } : {}),
    metricCalls: evaluator.metricCalls,
    history,
    leaderboard: optimizers.flatMap((optimizer) => optimizer.leaderboard()),
    proposals,
    ...(finalValidation ? { finalValidation: failuresFirst(finalValidation) } : {}),
    models: modelsOf(options.usage),
    usage,
  };
  if (options.recordPath) await writeFileAtomic(options.recordPath, `${stringify(record, null, 2)}\n`);
  await fitRun.end({
    status,
    ...(stoppedBy ? { stoppedBy: stoppedBy.reason } : {}),
    initialValScore,
    finalValScore,
    testScore,
    metricCalls: evaluator.metricCalls.used,
  });
  // The parent run's end goes out with the rest (a tracer may send runs in the background).
  await awaitAllCallbacks();
  await notify(hooks, "onTrainEnd", {
    status,
    ...(stoppedBy ? { stoppedBy } : {}),
    history,
    ...(finalValScore !== undefined ? { finalValScore } : {}),
    ...(testScore !== undefined ? { testScore } : {}),
  });
  return {
    history,
    best: { values: finalValues, ...(finalValScore !== undefined ? { valScore: finalValScore } : {}) },
    ...(testScore !== undefined ? { testScore } : {}),
    ...(testPredictions !== undefined ? { testPredictions } : {}),
    variables,
    usage,
    status,
    ...(stoppedBy ? { stoppedBy } : {}),
    metricCalls: evaluator.metricCalls,
    proposals,
    cache: cacheStats(),
    record,
  };
}
