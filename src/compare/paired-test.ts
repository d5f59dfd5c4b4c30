import { SeededRandom } from "../random/seeded-random.js";

/** The outcome of a paired sign-flip test of mean difference zero. */
export interface PairedTestResult {
  /** Number of paired differences. */
  pairs: number;
  /** Mean of the differences (the observed statistic). */
  meanDifference: number;
  /** Two-sided p-value: how often a random flip of the differences' signs gives a mean at least as far from 0. */
  pValue: number;
  /** "exact" enumerates every sign pattern; "monte-carlo" draws `permutations` of them (seeded). */
  method: "exact" | "monte-carlo";
  /** Sign patterns enumerated (exact) or drawn (Monte Carlo). */
  permutations: number;
}

export interface SignFlipOptions {
  /** Up to this many pairs every one of the 2^n sign patterns is enumerated (default 16: 65,536 patterns). */
  maxExactPairs?: number;
  /** Sign patterns drawn beyond that (default 10,000). */
  permutations?: number;
  /** Seed of the Monte-Carlo draws (default 0), so a comparison prints the same p-values every time. */
  seed?: number;
}

// Ties between a flipped statistic and the observed one are decided with this slack, so floating-point sums in
// another order do not turn an equal statistic into a smaller one.
const TIE_SLACK = 1e-9;

/**
 * Paired sign-flip permutation test of H0: the differences are symmetric around 0 (two-sided). Under H0 each
 * difference is as likely to have had the other sign, so the statistic |mean| of the observed differences is
 * compared with its distribution over sign flips. With n ≤ maxExactPairs the distribution is enumerated
 * (p = share of the 2^n patterns at least as extreme, the identity included, so p ≥ 2^(1−n) when no difference
 * is 0); otherwise `permutations` patterns are drawn and p = (1 + extreme draws) / (1 + draws). Differences
 * that are all 0 give p = 1.
 */
export function signFlipTest(differences: readonly number[], options: SignFlipOptions = {}): PairedTestResult {
  const n = differences.length;
  if (n === 0) return { pairs: 0, meanDifference: 0, pValue: 1, method: "exact", permutations: 1 };
  const sum = differences.reduce((a, b) => a + b, 0);
  const meanDifference = sum / n;
  const observed = Math.abs(sum) - TIE_SLACK;
  const maxExact = options.maxExactPairs ?? 16;
  if (n <= maxExact) {
    // Walk the patterns in Gray-code order: each next pattern flips one sign, so its sum is one update away.
    const patterns = 2 ** n;
    let current = sum;
    const signs = new Array<number>(n).fill(1);
    let extreme = Math.abs(current) >= observed ? 1 : 0;
    for (let k = 1; k < patterns; k++) {
      const bit = 31 - Math.clz32(k & -k);
      current -= 2 * (signs[bit] as number) * (differences[bit] as number);
      signs[bit] = -(signs[bit] as number);
      if (Math.abs(current) >= observed) extreme += 1;
    }
    return { pairs: n, meanDifference, pValue: Math.min(1, extreme / patterns), method: "exact", permutations: patterns };
  }
  const draws = options.permutations ?? 10_000;
  const random = SeededRandom.fromSeed(options.seed ?? 0);
  let extreme = 0;
  for (let draw = 0; draw < draws; draw++) {
    let flipped = 0;
    for (const d of differences) flipped += random.next() < 0.5 ? -d : d;
    if (Math.abs(flipped) >= observed) extreme += 1;
  }
  return { pairs: n, meanDifference, pValue: Math.min(1, (1 + extreme) / (1 + draws)), method: "monte-carlo", permutations: draws };
}

/**
 * Holm's step-down adjustment of p-values for several comparisons (controls the family-wise error rate):
 * sorted ascending, the i-th smallest (1-based, of m) becomes max over j ≤ i of min(1, (m − j + 1) · p_(j)).
 * Returned in the order given.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/** The smallest two-sided p-value an exact sign-flip test of n non-zero differences can give: 2^(1−n). */
export function smallestExactPValue(pairs: number): number {
  return pairs <= 0 ? 1 : Math.min(1, 2 ** (1 - pairs));
}
