/** A population member as dominated novelty search sees it. */
export interface NoveltyMember {
  id: string;
  fitness: number;
  text: string;
}

/**
 * Dominated novelty search's competition score: the mean distance to the k nearest members that are strictly
 * fitter. The fittest members score +∞ (nothing dominates them); a member close to a fitter one scores low,
 * since it adds neither quality nor diversity. Returns scores by id.
 */
export function dominatedNovelty(
  members: readonly NoveltyMember[],
  k: number,
  distance: (a: string, b: string) => number,
): Map<string, number> {
  const scores = new Map<string, number>();
  for (const member of members) {
    const fitter = members.filter((other) => other.fitness > member.fitness);
    if (fitter.length === 0) {
      scores.set(member.id, Number.POSITIVE_INFINITY);
      continue;
    }
    const nearest = fitter
      .map((other) => distance(member.text, other.text))
      .sort((a, b) => a - b)
      .slice(0, k);
    scores.set(member.id, nearest.reduce((sum, d) => sum + d, 0) / nearest.length);
  }
  return scores;
}

/**
 * The ids of the `size` members to keep: the `keep` ids, then the highest competition scores (computed over
 * the whole population), ties broken by fitness, then by the order given (older first).
 */
export function survivors(
  members: readonly NoveltyMember[],
  size: number,
  k: number,
  distance: (a: string, b: string) => number,
  keep: ReadonlySet<string> = new Set(),
): Set<string> {
  const scores = dominatedNovelty(members, k, distance);
  const ranked = members
    .filter((member) => !keep.has(member.id))
    .map((member, order) => ({ member, order, score: scores.get(member.id) ?? 0 }))
    .sort((a, b) => b.score - a.score || b.member.fitness - a.member.fitness || a.order - b.order);
  const kept = new Set(members.filter((member) => keep.has(member.id)).map((member) => member.id));
  for (const entry of ranked) {
    if (kept.size >= size) break;
    kept.add(entry.member.id);
  }
  return kept;
}
