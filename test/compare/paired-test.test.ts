// The paired sign-flip test and Holm's adjustment, against brute force and hand-worked values.
import { describe, expect, it } from "vitest";
import { holmAdjust, SeededRandom, signFlipTest, smallestExactPValue } from "../../src/index.js";

/** Two-sided p by listing every sign pattern, the obvious way. */
function bruteForce(differences: readonly number[]): number {
  const n = differences.length;
  const observed = Math.abs(differences.reduce((a, b) => a + b, 0));
  let extreme = 0;
  for (let mask = 0; mask < 2 ** n; mask++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (mask >> i) & 1 ? -(differences[i] as number) : (differences[i] as number);
    if (Math.abs(sum) >= observed - 1e-9) extreme += 1;
  }
  return extreme / 2 ** n;
}

describe("signFlipTest", () => {
  it("gives 2^(1−n) when every difference has the same sign", () => {
    expect(signFlipTest([0.1, 0.2, 0.3]).pValue).toBe(0.25);
    expect(signFlipTest([0.4, 0.1, 0.2, 0.3, 0.5, 0.2, 0.1, 0.3]).pValue).toBe(2 / 256);
    expect(smallestExactPValue(6)).toBe(1 / 32);
    expect(smallestExactPValue(5)).toBeGreaterThan(0.05);
  });

  it("matches brute-force enumeration, ties included", () => {
    const random = SeededRandom.fromSeed(7);
    for (let trial = 0; trial < 30; trial++) {
      const n = 1 + random.int(0, 11);
      // Scores on a 0.05 grid, as test means of 20 examples are: many ties between patterns.
      const differences = Array.from({ length: n }, () => (random.int(-6, 6) * 5) / 100);
      const result = signFlipTest(differences);
      expect(result.method).toBe("exact");
      expect(result.pValue).toBeCloseTo(bruteForce(differences), 12);
    }
  });

  it("says p = 1 when nothing differs, and reports the mean difference", () => {
    expect(signFlipTest([0, 0, 0, 0]).pValue).toBe(1);
    expect(signFlipTest([]).pValue).toBe(1);
    expect(signFlipTest([0.1, -0.3]).meanDifference).toBeCloseTo(-0.1, 12);
  });

  it("draws seeded random patterns beyond maxExactPairs, close to the exact value and the same every time", () => {
    const random = SeededRandom.fromSeed(3);
    const differences = Array.from({ length: 18 }, () => (random.int(-4, 8) * 5) / 100);
    const exact = signFlipTest(differences, { maxExactPairs: 18 });
    const drawn = signFlipTest(differences, { maxExactPairs: 10, permutations: 20_000, seed: 1 });
    expect(exact.method).toBe("exact");
    expect(drawn.method).toBe("monte-carlo");
    expect(drawn.permutations).toBe(20_000);
    expect(Math.abs(drawn.pValue - exact.pValue)).toBeLessThan(0.01);
    expect(signFlipTest(differences, { maxExactPairs: 10, permutations: 20_000, seed: 1 }).pValue).toBe(drawn.pValue);
    // Monte-Carlo p is never 0: (1 + extreme) / (1 + draws).
    expect(signFlipTest(Array(40).fill(0.5), { permutations: 999 }).pValue).toBe(1 / 1000);
  });
});

describe("holmAdjust", () => {
  it("multiplies the i-th smallest of m by (m − i + 1), keeps the order monotone, caps at 1, answers in the given order", () => {
    // Sorted: 0.005 ×4 = 0.02, 0.01 ×3 = 0.03, 0.03 ×2 = 0.06, 0.04 ×1 = 0.04 → raised to 0.06 (never below an earlier one).
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    expect(adjusted[0]).toBeCloseTo(0.03, 12);
    expect(adjusted[1]).toBeCloseTo(0.06, 12);
    expect(adjusted[2]).toBeCloseTo(0.06, 12);
    expect(adjusted[3]).toBeCloseTo(0.02, 12);
    expect(holmAdjust([0.5, 0.6])).toEqual([1, 1]);
    expect(holmAdjust([0.2])).toEqual([0.2]);
  });

  it("is not Bonferroni: only the smallest p is multiplied by m", () => {
    const [a, b, c] = holmAdjust([0.01, 0.02, 0.03]);
    expect(a).toBeCloseTo(0.03, 12);
    expect(b).toBeCloseTo(0.04, 12);
    expect(c).toBeCloseTo(0.04, 12); // 0.03 × 1 = 0.03, raised to the previous 0.04
  });
});
