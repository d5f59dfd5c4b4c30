import type { LanguageModel } from "../models/types.js";
import type { JsonSchema } from "../variables/schema.js";
import { predictionText, type Reward } from "./reward.js";

export interface LlmJudgeOptions {
  /** The model that grades. Its calls are child runs of the training run when a config is given. */
  languageModel: LanguageModel;
  /** What a good answer is, in plain words. */
  criteria: string;
  /** Also show the expected answer to the judge (default true when the example has one). */
  showExpected?: boolean;
}

const VERDICT_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    feedback: { type: "string", description: "Why the answer earns this score, and what it lacks." },
    score: { type: "number", minimum: 0, maximum: 1, description: "0 = fails the criteria, 1 = fully meets them." },
  },
  required: ["feedback", "score"],
  additionalProperties: false,
};

/** A reward graded by a language model against criteria: structured `{ score, feedback }`. */
export function llmJudge(options: LlmJudgeOptions): Reward {
  const { languageModel, criteria } = options;
  const reward: Reward = async (prediction, example, context) => {
    const parts = [
      `Input:\n${JSON.stringify(example.input, null, 2)}`,
      ...((options.showExpected ?? true) && example.expected !== undefined
        ? [`Reference answer:\n${predictionText(example.expected)}`]
        : []),
      `Answer to grade:\n${predictionText(prediction)}`,
    ];
    const verdict = await languageModel.generateStructured<{ score: number; feedback: string }>(
      [
        {
          role: "system",
          content:
            "You grade answers strictly against the criteria below. Give feedback first (what is right or wrong " +
            `and why), then a score from 0 to 1.\n\nCriteria:\n${criteria}`,
        },
        { role: "user", content: parts.join("\n\n") },
      ],
      { schema: VERDICT_SCHEMA, name: "verdict" },
      { signal: context?.signal, config: context?.config, temperature: 0 },
    );
    return { score: verdict.value.score, feedback: verdict.value.feedback };
  };
  Object.defineProperty(reward, "name", { value: "llmJudge" });
  return reward;
}
