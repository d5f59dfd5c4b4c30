import type { CandidateValues } from "../data/scored-prediction.js";
import type { SeededRandom } from "../random/seeded-random.js";
import { type Component, componentValue, withComponentValue } from "./program/components.js";
import type { StoredCandidate } from "./program/pool-state.js";
import { candidateKey } from "./program/program-pool.js";

export interface MergePlan {
  first: StoredCandidate;
  second: StoredCandidate;
  ancestor: StoredCandidate;
  /** Per component, the side that changed it since the common ancestor. */
  values: CandidateValues;
}

/** Every candidate reachable through `parents` (the candidate itself excluded). */
export function ancestorsOf(candidate: StoredCandidate, byId: ReadonlyMap<string, StoredCandidate>): Set<string> {
  const seen = new Set<string>();
  const queue = [...candidate.parents];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(byId.get(id)?.parents ?? []));
  }
  return seen;
}

/**
 * GEPA's merge: two front members that descend from a common ancestor, neither an ancestor of the other,
 * combined component by component — take the side that changed the component since the ancestor (the
 * better-scored side when both did). Only merges that differ from both parents and that were not already
 * in the pool are returned; a random one of them, or undefined.
 */
export function planMerge(
  front: readonly StoredCandidate[],
  pool: readonly StoredCandidate[],
  components: readonly Component[],
  score: (candidate: StoredCandidate) => number,
  random: SeededRandom,
): MergePlan | undefined {
  const byId = new Map(pool.map((c) => [c.id, c] as const));
  const known = new Set(pool.map((c) => candidateKey(c.values)));
  const plans: MergePlan[] = [];
  for (let i = 0; i < front.length; i++) {
    for (let j = i + 1; j < front.length; j++) {
      const first = front[i] as StoredCandidate;
      const second = front[j] as StoredCandidate;
      const firstAncestors = ancestorsOf(first, byId);
      const secondAncestors = ancestorsOf(second, byId);
      if (firstAncestors.has(second.id) || secondAncestors.has(first.id)) continue;
      const common = [...firstAncestors].filter((id) => secondAncestors.has(id)).map((id) => byId.get(id));
      // The most recent common ancestor tells best what each side changed.
      const ancestor = common
        .filter((c): c is StoredCandidate => c !== undefined)
        .sort((a, b) => b.iteration - a.iteration || score(b) - score(a))[0];
      if (!ancestor) continue;
      const values = combine(first, second, ancestor, components, score);
      if (known.has(candidateKey(values))) continue;
      plans.push({ first, second, ancestor, values });
    }
  }
  return plans.length === 0 ? undefined : random.pick(plans);
}

function combine(
  first: StoredCandidate,
  second: StoredCandidate,
  ancestor: StoredCandidate,
  components: readonly Component[],
  score: (candidate: StoredCandidate) => number,
): CandidateValues {
  const same = (a: unknown, b: unknown) => candidateKey({ v: { v: a } }) === candidateKey({ v: { v: b } });
  let values = first.values;
  for (const component of components) {
    const mine = componentValue(first.values, component);
    const theirs = componentValue(second.values, component);
    const base = componentValue(ancestor.values, component);
    const takeTheirs = (same(mine, base) && !same(theirs, base)) || (!same(mine, base) && !same(theirs, base) && score(second) > score(first));
    if (takeTheirs) values = withComponentValue(values, component, theirs);
  }
  return values;
}
