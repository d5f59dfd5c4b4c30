import type { RunnableConfig } from "@langchain/core/runnables";
import type { Example } from "../data/example.js";
import type { CandidateValues, ScoredPrediction } from "../data/scored-prediction.js";
import { collectTrainableVariables, type Trainable } from "../prompts/collect.js";
import type { Reward } from "../rewards/reward.js";
import { identifyExamples } from "./dataset.js";
import { TrainingOptionsError } from "./errors.js";
import { meanScore, ProgramEvaluator, type Program } from "./program-evaluator.js";
import type { RetryOptions } from "./retry.js";

export interface EvaluateOptions<Output = unknown, Expected = unknown> extends RetryOptions {
  dataset: readonly Example<Record<string, unknown>, Expected>[];
  reward: Reward<Output, Expected>;
  /** Examples run at once (default 4). */
  concurrency?: number;
  /** Config of every program run (callbacks, tags, signal…). */
  config?: RunnableConfig;
  /** Values to use instead of the variables' current ones, by variable name. */
  values?: CandidateValues;
  /** Trainable prompts (or tools) the program uses out of a walk's reach (see FitOptions.prompts). */
  prompts?: readonly Trainable[];
  signal?: AbortSignal;
}

export interface EvaluationResult {
  /** Mean score over the dataset. */
  mean: number;
  /** Score of each example, in dataset order. */
  scores: number[];
  /** Each example's answer, score and feedback, in dataset order. */
  predictions: ScoredPrediction[];
}

/**
 * Runs `program` on every example of `dataset` and scores the answers with `reward`. A run that fails scores 0
 * with the error as its feedback (and in `error`); each prediction carries what every TrainablePrompt saw and
 * produced (`trace`).
 */
export async function evaluate<Input, Output, Expected = unknown>(
  program: Program<Input, Output>,
  options: EvaluateOptions<Output, Expected>,
): Promise<EvaluationResult> {
  if (typeof options?.reward !== "function") {
    throw new TrainingOptionsError("evaluate needs `reward`: a function (prediction, example) => number | { score, feedback }.");
  }
  const dataset = identifyExamples(options.dataset, "dataset");
  const evaluator = new ProgramEvaluator<Output>({
    program: program as unknown as Program<never, Output>,
    reward: options.reward as never,
    variables: collectTrainableVariables(program, options.prompts),
    concurrency: options.concurrency,
    config: options.config,
    retries: options.retries,
    retryDelayMs: options.retryDelayMs,
    cacheSize: 0,
  });
  const predictions = await evaluator.evaluate(options.values ?? {}, dataset, { signal: options.signal });
  return { mean: meanScore(predictions), scores: predictions.map((p) => p.score), predictions };
}
