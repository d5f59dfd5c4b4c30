import type { SeededRandom } from "../random/seeded-random.js";

/** One finished trial: the category chosen for each parameter and the score it earned (higher is better). */
export interface TpeTrial {
  params: number[];
  score: number;
}

export interface TpeOptions {
  /** Trials drawn uniformly at random before the model of good and bad trials is used (default 4). */
  startupTrials?: number;
  /** Share of the trials counted as good: ⌈gamma · n⌉, at most 25 (default 0.25, as in hyperopt). */
  gamma?: number;
  /** Draws from the good trials' distribution compared by l/g before one is suggested (default 24, as in Optuna). */
  candidates?: number;
  /** Weight of the uniform prior mixed into both distributions, spread over the categories (default 1). */
  priorWeight?: number;
}

/**
 * A small Tree-structured Parzen Estimator over categorical parameters (MIPROv2's search over instruction and
 * demonstration-set indices). After `startupTrials` uniform draws, the finished trials are split into the best
 * ⌈gamma·n⌉ (good) and the rest (bad); per parameter, l(c) and g(c) are the smoothed frequencies of category c
 * among good and bad trials. `candidates` points are drawn from l, and the one with the highest
 * Σ log l(c)/g(c) is suggested — the point most typical of good trials and least typical of bad ones.
 * Parameters are modelled independently (univariate TPE). Every draw comes from `random`, so a run is
 * reproducible from its seed.
 */
export function suggestTpe(sizes: readonly number[], trials: readonly TpeTrial[], random: SeededRandom, options: TpeOptions = {}): number[] {
  const startup = options.startupTrials ?? 4;
  if (sizes.some((size) => !(size >= 1))) throw new RangeError(`every parameter needs at least one category, got [${sizes.join(", ")}]`);
  const usable = trials.filter((t) => t.params.length === sizes.length && Number.isFinite(t.score));
  if (usable.length < startup || usable.length < 2) return sizes.map((size) => random.int(0, size - 1));

  // Best first; among equal scores the earlier trial counts as better, so the split never depends on luck.
  const ranked = usable.map((trial, order) => ({ trial, order })).sort((a, b) => b.trial.score - a.trial.score || a.order - b.order);
  const goodCount = Math.min(25, Math.max(1, Math.ceil((options.gamma ?? 0.25) * ranked.length)));
  const good = ranked.slice(0, goodCount).map((r) => r.trial);
  const bad = ranked.slice(goodCount).map((r) => r.trial);
  const prior = options.priorWeight ?? 1;
  const l = sizes.map((size, j) => categorical(size, good, j, prior));
  const g = sizes.map((size, j) => categorical(size, bad, j, prior));

  let best: number[] = [];
  let bestScore = Number.NEGATIVE_INFINITY;
  const draws = Math.max(1, options.candidates ?? 24);
  for (let i = 0; i < draws; i++) {
    const point = l.map((weights) => random.weightedIndex(weights));
    const score = point.reduce((sum, c, j) => sum + Math.log((l[j] as number[])[c] as number) - Math.log((g[j] as number[])[c] as number), 0);
    if (score > bestScore) {
      best = point;
      bestScore = score;
    }
  }
  return best;
}

/** Smoothed frequencies of each category of parameter `j` among `trials`, with `prior` spread uniformly. */
function categorical(size: number, trials: readonly TpeTrial[], j: number, prior: number): number[] {
  const counts = Array.from({ length: size }, () => prior / size);
  for (const trial of trials) {
    const c = trial.params[j] as number;
    if (c >= 0 && c < size) counts[c] = (counts[c] as number) + 1;
  }
  const total = counts.reduce((sum, x) => sum + x, 0);
  return counts.map((x) => x / total);
}
