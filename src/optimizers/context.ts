import type { RunnableConfig } from "@langchain/core/runnables";

/** One dataset row: the program's input and, when known, the expected output. */
export interface Example<Input extends Record<string, unknown> = Record<string, unknown>, Expected = unknown> {
  /** Stable identity (evaluation cache, per-instance Pareto fronts); the training loop fills it when absent. */
  id?: string;
  input: Input;
  expected?: Expected;
}

/** A program's answer to an example, scored by the reward. */
export interface ScoredPrediction {
  exampleId: string;
  input: Record<string, unknown>;
  output: unknown;
  expected?: unknown;
  /** Reward in [0, 1]. */
  score: number;
  /** Textual feedback from the reward (why it scored so), shown to reflective optimizers. */
  feedback?: string;
}

/** Values to try, by variable name (the whole value of each named variable). */
export type CandidateValues = Record<string, Record<string, unknown>>;

/**
 * Runs the program on `examples` with `candidate` in place of the named variables' current values and
 * scores each answer. Given by the training loop; cached there, so no (candidate, example) pair is paid twice.
 */
export type CandidateEvaluator = (
  candidate: CandidateValues,
  examples: readonly Example[],
  options?: { signal?: AbortSignal },
) => Promise<ScoredPrediction[]>;

/** What an optimization step may use besides the variable and the reward. All optional. */
export interface OptimizationContext {
  /** The batch just scored with the variables' current values. */
  predictions?: readonly ScoredPrediction[];
  /** Scores a candidate on examples (a minibatch, or the validation set in finalize). */
  evaluate?: CandidateEvaluator;
  /** Training examples an optimizer may draw minibatches from. */
  trainset?: readonly Example[];
  /** Held-out examples for finalize. */
  valset?: readonly Example[];
  /** Aborts the step; optimizers check it between model calls. */
  signal?: AbortSignal;
  /** Runnable config of the step: pass it to model calls so they are child runs. */
  config?: RunnableConfig;
}
