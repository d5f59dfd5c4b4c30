import type { RunnableConfig } from "@langchain/core/runnables";
import type { Example } from "../data/example.js";
import { RewardError } from "./errors.js";

/** A score in [0, 1], optionally with text saying why (shown to reflective optimizers). */
export interface ScoredReward {
  score: number;
  feedback?: string;
}

export type RewardResult = number | ScoredReward;

/** What a reward may use besides the prediction and the example: judges pass these to their model calls. */
export interface RewardContext {
  signal?: AbortSignal;
  config?: RunnableConfig;
}

/**
 * Scores a program's prediction for an example; any `(prediction, example) => number | { score, feedback }`.
 * `Output` is the program's output type (a graph's state, say), `Expected` the type of `example.expected`.
 */
export type Reward<Output = unknown, Expected = unknown> = (
  prediction: Output,
  example: Example<Record<string, unknown>, Expected>,
  context?: RewardContext,
) => RewardResult | Promise<RewardResult>;

/** Runs `reward` and checks its answer: a finite number in [0, 1], else a RewardError naming the example. */
export async function scoreWith<Output, Expected>(
  reward: Reward<Output, Expected>,
  prediction: Output,
  example: Example<Record<string, unknown>, Expected> & { id: string },
  context?: RewardContext,
): Promise<ScoredReward> {
  const result = await reward(prediction, example, context);
  const score = typeof result === "number" ? result : (result as ScoredReward | undefined)?.score;
  const name = reward.name ? `Reward '${reward.name}'` : "The reward";
  if (typeof score !== "number" || Number.isNaN(score) || score < 0 || score > 1) {
    throw new RewardError(
      `${name} gave ${describe(result)} for example '${example.id}'; a reward must return a number in [0, 1] ` +
        "or { score, feedback } with such a score. Clamp or normalize it (e.g. divide by the maximum).",
      example.id,
    );
  }
  const feedback = typeof result === "object" ? result.feedback : undefined;
  return feedback === undefined ? { score } : { score, feedback };
}

function describe(result: unknown): string {
  if (typeof result === "number") return String(result);
  try {
    return JSON.stringify(result) ?? String(result);
  } catch {
    return String(result);
  }
}

/** The text of a prediction: strings as they are, message-like objects by content, anything else as JSON. */
export function predictionText(prediction: unknown): string {
  if (typeof prediction === "string") return prediction;
  if (typeof prediction === "object" && prediction !== null && "content" in prediction) {
    const content = (prediction as { content: unknown }).content;
    if (typeof content === "string") return content;
  }
  return JSON.stringify(prediction) ?? String(prediction);
}
