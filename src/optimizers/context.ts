import type { TemplateFormat } from "@langchain/core/prompts";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Example } from "../data/example.js";
import type { CandidateValues, ScoredPrediction } from "../data/scored-prediction.js";

export type { Example } from "../data/example.js";
export type { CandidateValues, ScoredPrediction } from "../data/scored-prediction.js";

/** What a program run was for; it tags the run and counts its cost under that heading. */
export type EvaluationPhase = "seed" | "train" | "gate" | "validation" | "finalize" | "test" | "evaluate";

/** Options of one evaluation request. */
export interface CandidateEvaluationOptions {
  signal?: AbortSignal;
  /** What the evaluation is for (default "evaluate"; optimizers use "gate" and "validation"). */
  phase?: EvaluationPhase;
  /** The caller's run config, so the program runs become its child runs. An optimizer step fills it in. */
  config?: RunnableConfig;
  /** The optimizer iteration asking, for run metadata. */
  iteration?: number;
}

/**
 * Runs the program on `examples` with `candidate` in place of the named variables' current values and
 * scores each answer (failed runs score 0 with the error as feedback). Given by the training loop; cached
 * there, so no (candidate, example) pair is paid twice: answers served from the cache carry `cached: true`.
 * It throws when the run's metric budget cannot pay for the request, before running any of it.
 */
export type CandidateEvaluator = (
  candidate: CandidateValues,
  examples: readonly Example[],
  options?: CandidateEvaluationOptions,
) => Promise<ScoredPrediction[]>;

/** The run's metric budget as an optimizer sees it: check before paying a model call whose result must be scored. */
export interface MetricBudget {
  /** Program runs left to pay for (Infinity when the run has no limit). */
  remaining(): number;
  /** Program runs that evaluating `candidate` on `examples` would pay for now (known answers are free). */
  costOf(candidate: CandidateValues, examples: readonly Example[]): number;
}

/** A trainable component of the program, as the training loop found it. */
export interface ComponentInfo {
  /** The variable's name. */
  name: string;
  /** A prompt (instructions, demonstrations) or a tool (its description). Default "prompt". */
  kind?: "prompt" | "tool";
  /** 0-based place in the program (the order a walk of the program meets the prompts). */
  index: number;
  /** The messages after the instructions, as templates (what the component is asked each time). */
  template?: string;
  /** The input variables the component is rendered with. */
  inputVariables?: string[];
  /** Template format of its texts (proposals are checked with this format's parser); none for a tool. */
  templateFormat?: TemplateFormat;
}

/** What an optimization step may use besides the variables and the reward. All optional. */
export interface OptimizationContext {
  /** The batch just scored with the variables' current values. */
  predictions?: readonly ScoredPrediction[];
  /** Scores a candidate on examples (a minibatch, or the validation set). */
  evaluate?: CandidateEvaluator;
  /** The run's metric budget; absent means unlimited. */
  budget?: MetricBudget;
  /** Training examples an optimizer may draw minibatches from. */
  trainset?: readonly Example[];
  /** Held-out examples for validation and finalize. */
  valset?: readonly Example[];
  /** The program's trainable components, in program order (names the components in meta-prompts). */
  components?: readonly ComponentInfo[];
  /**
   * Tells the training loop this optimizer has nothing more to do (Keras' stop_training); the reason is reported,
   * with `limit: "maxMetricCalls"` when the run's metric budget is what ran out.
   */
  stopTraining?: (reason: string, cause?: { limit?: "maxMetricCalls" }) => void;
  /** Aborts the step; optimizers check it between model calls. */
  signal?: AbortSignal;
  /** Runnable config of the step: pass it to model calls so they are child runs. */
  config?: RunnableConfig;
}
