import { predictionText, type Reward } from "./reward.js";

/** Lowercase words without punctuation or articles, as in SQuAD-style answer scoring. */
export function answerTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .split(/\s+/)
    .filter((token) => token.length > 0 && !["a", "an", "the"].includes(token));
}

/** Harmonic mean of token precision and recall between the prediction and the expected text. */
export function tokenF1(predicted: string, expected: string): number {
  const got = answerTokens(predicted);
  const want = answerTokens(expected);
  if (got.length === 0 || want.length === 0) return got.length === want.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const token of want) counts.set(token, (counts.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of got) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      common += 1;
      counts.set(token, left - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / got.length;
  const recall = common / want.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Token-overlap F1 in [0, 1]; feedback names the expected answer when the match is not perfect. */
export function f1(): Reward {
  const reward: Reward = (prediction, example) => {
    const got = predictionText(prediction);
    const expected = predictionText(example.expected);
    const score = tokenF1(got, expected);
    if (score === 1) return { score };
    return { score, feedback: `Token F1 ${score.toFixed(2)}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}.` };
  };
  Object.defineProperty(reward, "name", { value: "f1" });
  return reward;
}
