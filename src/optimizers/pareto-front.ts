import type { StoredCandidate } from "./program/pool-state.js";

/**
 * GEPA's per-instance Pareto front: for every instance (example) the candidates with the best score on it
 * are kept; a candidate whose won instances are all also won by other kept candidates is dominated and
 * dropped. Returns the surviving candidates with how many instances each wins (the sampling weight).
 */
export function paretoFront(
  candidates: readonly StoredCandidate[],
  instanceIds: readonly string[],
): { candidate: StoredCandidate; wins: number }[] {
  const scoreTables = new Map(
    candidates.map((c) => [c.id, new Map(c.instanceScores.map((s) => [s.exampleId, s.score]))] as const),
  );
  const winsOf = new Map<string, Set<string>>();
  for (const instance of instanceIds) {
    let best = Number.NEGATIVE_INFINITY;
    for (const candidate of candidates) best = Math.max(best, scoreTables.get(candidate.id)?.get(instance) ?? Number.NEGATIVE_INFINITY);
    if (best === Number.NEGATIVE_INFINITY) continue;
    for (const candidate of candidates) {
      if (scoreTables.get(candidate.id)?.get(instance) !== best) continue;
      const wins = winsOf.get(candidate.id) ?? new Set<string>();
      wins.add(instance);
      winsOf.set(candidate.id, wins);
    }
  }
  // Drop dominated candidates, fewest wins first, so of two with the same wins the older one survives.
  const kept = candidates.filter((c) => winsOf.has(c.id));
  const order = [...kept].sort((a, b) => (winsOf.get(a.id)?.size ?? 0) - (winsOf.get(b.id)?.size ?? 0) || kept.indexOf(b) - kept.indexOf(a));
  const survivors = new Set(kept.map((c) => c.id));
  for (const candidate of order) {
    const others = [...survivors].filter((id) => id !== candidate.id);
    const covered = [...(winsOf.get(candidate.id) ?? [])].every((instance) =>
      others.some((id) => winsOf.get(id)?.has(instance)),
    );
    if (covered && others.length > 0) survivors.delete(candidate.id);
  }
  return kept
    .filter((c) => survivors.has(c.id))
    .map((candidate) => ({
      candidate,
      wins: [...(winsOf.get(candidate.id) ?? [])].length,
    }));
}
