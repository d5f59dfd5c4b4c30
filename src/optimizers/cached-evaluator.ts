import stringify from "safe-stable-stringify";
import { exampleIdOf } from "../data/example.js";
import type { CandidateEvaluationOptions, CandidateEvaluator, CandidateValues, Example, ScoredPrediction } from "./context.js";
import { OptimizerInputError } from "./errors.js";

/** How often a cached evaluator answered from memory and how many example evaluations it paid for. */
export interface EvaluationCacheStats {
  hits: number;
  misses: number;
}

export interface CachedEvaluator extends CandidateEvaluator {
  readonly stats: EvaluationCacheStats;
}

/**
 * Wraps an evaluator so no (candidate, example) pair is evaluated twice: only the examples not seen with
 * this exact candidate value are passed on, and answers come back in the order of `examples`.
 */
export function cachedEvaluator(evaluate: CandidateEvaluator): CachedEvaluator {
  const cache = new Map<string, ScoredPrediction>();
  const stats: EvaluationCacheStats = { hits: 0, misses: 0 };
  const cached = async (
    candidate: CandidateValues,
    examples: readonly Example[],
    options?: CandidateEvaluationOptions,
  ): Promise<ScoredPrediction[]> => {
    const candidateText = stringify(candidate) ?? "";
    const keyOf = (example: Example) => `${candidateText}\u0000${exampleIdOf(example)}`;
    const missing = examples.filter((example) => !cache.has(keyOf(example)));
    const unique = [...new Map(missing.map((example) => [keyOf(example), example])).values()];
    stats.hits += examples.length - unique.length;
    stats.misses += unique.length;
    if (unique.length > 0) {
      const fresh = await evaluate(candidate, unique, options);
      unique.forEach((example, i) => {
        const prediction = fresh[i];
        if (prediction) cache.set(keyOf(example), prediction);
      });
    }
    return examples.map((example) => {
      const prediction = cache.get(keyOf(example));
      if (!prediction) {
        throw new OptimizerInputError(
          `The evaluator returned no prediction for example '${exampleIdOf(example)}'; it must return one ` +
            "ScoredPrediction per example, in the order of the examples it was given.",
        );
      }
      return { ...structuredClone(prediction), ...(unique.some((e) => keyOf(e) === keyOf(example)) ? {} : { cached: true }) };
    });
  };
  return Object.assign(cached, { stats });
}
