import { predictionText, type Reward } from "./reward.js";

export interface ExactMatchOptions {
  /** Compare case-sensitively (default false). */
  caseSensitive?: boolean;
  /** Trim surrounding whitespace and trailing punctuation before comparing (default true). */
  normalize?: boolean;
}

/** 1 when the prediction's text equals the expected text, else 0 with feedback saying what was expected. */
export function exactMatch(options: ExactMatchOptions = {}): Reward {
  const caseSensitive = options.caseSensitive ?? false;
  const normalize = options.normalize ?? true;
  const clean = (text: string) => {
    let out = normalize ? text.trim().replace(/[.!?]+$/, "").trim() : text;
    if (!caseSensitive) out = out.toLowerCase();
    return out;
  };
  const reward: Reward = (prediction, example) => {
    const got = predictionText(prediction);
    const expected = predictionText(example.expected);
    if (clean(got) === clean(expected)) return { score: 1 };
    return { score: 0, feedback: `Expected ${JSON.stringify(expected)} but the answer was ${JSON.stringify(got)}.` };
  };
  Object.defineProperty(reward, "name", { value: "exactMatch" });
  return reward;
}
