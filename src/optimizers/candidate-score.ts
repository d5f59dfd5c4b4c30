import type { StoredCandidate } from "./pool-state.js";

/**
 * Mean reward minus an uncertainty term that shrinks with the number of evaluations, so a candidate that
 * got lucky on one small batch does not beat one that has been good over many. Unscored candidates rank last.
 */
export function noiseAwareScore(candidate: StoredCandidate, uncertaintyWeight: number): number {
  if (candidate.evaluations === 0) return Number.NEGATIVE_INFINITY;
  return candidate.meanScore - uncertaintyWeight / Math.sqrt(candidate.evaluations);
}

/** Numeric part of a pool id ("c12" → 12): older candidates win ties, so the order never depends on luck. */
function birthOrder(candidate: StoredCandidate): number {
  return Number.parseInt(candidate.id.replace(/^\D+/, ""), 10) || 0;
}

/** Best first by noise-aware score; ties go to the candidate with more evaluations, then the older one. */
export function rankByNoiseAwareScore(
  candidates: readonly StoredCandidate[],
  uncertaintyWeight: number,
): StoredCandidate[] {
  return [...candidates].sort(
    (a, b) =>
      noiseAwareScore(b, uncertaintyWeight) - noiseAwareScore(a, uncertaintyWeight) ||
      b.evaluations - a.evaluations ||
      birthOrder(a) - birthOrder(b),
  );
}

/** Candidates with a validation score first (highest first), then the rest by noise-aware score. */
export function rankForLeaderboard(
  candidates: readonly StoredCandidate[],
  uncertaintyWeight: number,
): StoredCandidate[] {
  const validated = candidates.filter((c) => c.validationScore !== undefined);
  const others = candidates.filter((c) => c.validationScore === undefined);
  const byValidation = rankByNoiseAwareScore(validated, uncertaintyWeight).sort(
    (a, b) => (b.validationScore ?? 0) - (a.validationScore ?? 0),
  );
  return [...byValidation, ...rankByNoiseAwareScore(others, uncertaintyWeight)];
}
