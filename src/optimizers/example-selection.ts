import type { SeededRandom } from "../random/seeded-random.js";

export type ExampleSampling = "random" | "best" | "softmax";

/**
 * Picks `k` distinct items from `items` (sorted best first by the caller's `score`): `best` takes the top k,
 * `random` draws uniformly, `softmax` draws with probability ∝ exp(score / temperature) without replacement.
 * The picked items come back in their order in `items`, so the same set always reads the same.
 */
export function selectExamples<T>(
  items: readonly T[],
  k: number,
  options: { sampling: ExampleSampling; temperature: number; score: (item: T) => number; random: SeededRandom },
): T[] {
  const count = Math.min(k, items.length);
  let chosen: number[];
  if (options.sampling === "best") {
    chosen = Array.from({ length: count }, (_, i) => i);
  } else if (options.sampling === "random") {
    chosen = options.random.sample(
      items.map((_, i) => i),
      count,
    );
  } else {
    const remaining = items.map((_, i) => i);
    chosen = [];
    while (chosen.length < count) {
      const weights = softmaxWeights(
        remaining.map((i) => options.score(items[i] as T)),
        options.temperature,
      );
      const at = options.random.weightedIndex(weights);
      chosen.push(remaining[at] as number);
      remaining.splice(at, 1);
    }
  }
  return chosen.sort((a, b) => a - b).map((i) => items[i] as T);
}

/** exp(score / temperature), shifted by the maximum so large scores do not overflow. */
export function softmaxWeights(scores: readonly number[], temperature: number): number[] {
  const top = Math.max(...scores);
  return scores.map((score) => Math.exp((score - top) / temperature));
}
