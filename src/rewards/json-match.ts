import { isDeepStrictEqual } from "node:util";
import { predictionText, type Reward } from "./reward.js";

export interface JsonMatchOptions {
  /** Only compare these top-level keys (default: every key of the expected object). */
  keys?: string[];
}

/** Parses a JSON answer, also when the model wrapped it in a ```json fence. */
export function parseJsonAnswer(prediction: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof prediction !== "string") {
    if (typeof prediction === "object" && prediction !== null && "content" in prediction) {
      return parseJsonAnswer(predictionText(prediction));
    }
    return { ok: true, value: prediction };
  }
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(prediction);
  const text = (fenced?.[1] ?? prediction).trim();
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Compares a JSON answer with the expected object key by key: the score is the share of keys whose values
 * are deeply equal; feedback lists the keys that differ. A non-object expectation must match whole.
 */
export function jsonMatch(options: JsonMatchOptions = {}): Reward {
  const reward: Reward = (prediction, example) => {
    const parsed = parseJsonAnswer(prediction);
    if (!parsed.ok) return { score: 0, feedback: "The answer is not valid JSON." };
    const expected = example.expected;
    const got = parsed.value;
    if (typeof expected !== "object" || expected === null || Array.isArray(expected)) {
      return isDeepStrictEqual(got, expected)
        ? { score: 1 }
        : { score: 0, feedback: `Expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}.` };
    }
    const keys = options.keys ?? Object.keys(expected);
    if (keys.length === 0) return { score: 1 };
    const actual = typeof got === "object" && got !== null && !Array.isArray(got) ? (got as Record<string, unknown>) : {};
    const wrong = keys.filter((key) => !isDeepStrictEqual(actual[key], (expected as Record<string, unknown>)[key]));
    const score = (keys.length - wrong.length) / keys.length;
    if (wrong.length === 0) return { score };
    const details = wrong.map(
      (key) =>
        `${key}: expected ${JSON.stringify((expected as Record<string, unknown>)[key])}, got ${JSON.stringify(actual[key]) ?? "nothing"}`,
    );
    return { score, feedback: `Wrong keys — ${details.join("; ")}.` };
  };
  Object.defineProperty(reward, "name", { value: "jsonMatch" });
  return reward;
}
