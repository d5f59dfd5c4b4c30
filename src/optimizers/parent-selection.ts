import type { SeededRandom } from "../random/seeded-random.js";
import { paretoFront } from "./pareto-front.js";
import type { StoredCandidate } from "./program/pool-state.js";

export type ParentSelection = "pareto" | "best" | "epsilon-greedy";

/** Its validation mean, else its mean over the given instances it has, else its mean over every score it has. */
export function aggregateScore(candidate: StoredCandidate, instanceIds: ReadonlySet<string>): number {
  if (candidate.validationScore !== undefined) return candidate.validationScore;
  const own = candidate.instanceScores.filter((s) => instanceIds.has(s.exampleId));
  const scores = own.length > 0 ? own : candidate.instanceScores;
  return scores.length === 0 ? 0 : scores.reduce((sum, s) => sum + s.score, 0) / scores.length;
}

/** The candidate with the best aggregate score; the older one on ties. */
export function bestCandidate(candidates: readonly StoredCandidate[], instanceIds: ReadonlySet<string>): StoredCandidate | undefined {
  let best: StoredCandidate | undefined;
  for (const candidate of candidates) {
    if (!best || aggregateScore(candidate, instanceIds) > aggregateScore(best, instanceIds)) best = candidate;
  }
  return best;
}

/**
 * Picks the candidate to improve next. `pareto` samples from the per-instance front with probability
 * proportional to the instances a candidate wins (keeps diverse specialists alive); `best` takes the best
 * aggregate; `epsilon-greedy` takes the best except, with probability epsilon, a uniformly random one.
 */
export function selectParent(
  candidates: readonly StoredCandidate[],
  instanceIds: readonly string[],
  options: { strategy: ParentSelection; epsilon: number; random: SeededRandom },
): StoredCandidate | undefined {
  if (candidates.length === 0) return undefined;
  const instances = new Set(instanceIds);
  if (options.strategy === "pareto") {
    const front = paretoFront(candidates, instanceIds);
    if (front.length === 0) return bestCandidate(candidates, instances);
    return front[options.random.weightedIndex(front.map((member) => member.wins))]?.candidate;
  }
  if (options.strategy === "epsilon-greedy" && options.random.next() < options.epsilon) {
    return options.random.pick(candidates);
  }
  return bestCandidate(candidates, instances);
}
