import type { StoredCandidate } from "./pool-state.js";

/** Mean and count of a candidate's scores on training examples (its training evidence). */
export function trainingScore(candidate: StoredCandidate): { mean: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const { score, validation } of candidate.instanceScores) {
    if (validation) continue;
    sum += score;
    count += 1;
  }
  return { mean: count === 0 ? 0 : sum / count, count };
}

/**
 * Training mean minus an uncertainty term that shrinks with the number of examples, so a candidate that got
 * lucky on one small batch does not beat one that has been good over many. Unscored candidates rank last.
 */
export function noiseAwareScore(candidate: StoredCandidate, uncertaintyWeight: number): number {
  const { mean, count } = trainingScore(candidate);
  if (count === 0) return Number.NEGATIVE_INFINITY;
  return mean - uncertaintyWeight / Math.sqrt(count);
}

/** Numeric part of a pool id ("c12" → 12): older candidates win ties, so the order never depends on luck. */
export function birthOrder(candidate: StoredCandidate): number {
  return Number.parseInt(candidate.id.replace(/^\D+/, ""), 10) || 0;
}

/**
 * Best first: validated candidates by validation score, then the others by noise-aware training score; ties go
 * to the candidate with more evidence, then the older one.
 */
export function rankCandidates(candidates: readonly StoredCandidate[], uncertaintyWeight: number): StoredCandidate[] {
  const evidence = (c: StoredCandidate) => trainingScore(c).count;
  const byTraining = (a: StoredCandidate, b: StoredCandidate) =>
    noiseAwareScore(b, uncertaintyWeight) - noiseAwareScore(a, uncertaintyWeight) ||
    evidence(b) - evidence(a) ||
    birthOrder(a) - birthOrder(b);
  const validated = candidates.filter((c) => c.validationScore !== undefined);
  const others = candidates.filter((c) => c.validationScore === undefined);
  validated.sort((a, b) => (b.validationScore ?? 0) - (a.validationScore ?? 0) || byTraining(a, b));
  return [...validated, ...[...others].sort(byTraining)];
}
