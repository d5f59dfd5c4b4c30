import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/random/seeded-random.js";
import { poisson, plannedMinibatch, quantile } from "../../src/optimizers/search-state.js";
import { suggestTpe, type TpeTrial } from "../../src/optimizers/tpe.js";

describe("TPE over categorical parameters", () => {
  it("draws uniformly during the startup trials", () => {
    const random = SeededRandom.fromSeed(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[suggestTpe([4], [], random)[0] as number]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(60);
  });

  it("then suggests what good trials share and bad trials lack, per parameter", () => {
    // Parameter 0 decides the score (category 2 is good); parameter 1 does not matter.
    const trials: TpeTrial[] = [];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 3; b++) trials.push({ params: [a, b], score: a === 2 ? 0.9 : 0.2 + 0.01 * b });
    const random = SeededRandom.fromSeed(7);
    const picks = Array.from({ length: 50 }, () => suggestTpe([4, 3], trials, random, { startupTrials: 4 }));
    expect(picks.filter((p) => p[0] === 2).length).toBeGreaterThan(45);
    expect(new Set(picks.map((p) => p[1])).size).toBeGreaterThan(1);
  });

  it("is reproducible from the generator's state", () => {
    const trials: TpeTrial[] = [
      { params: [0, 1], score: 0.3 },
      { params: [1, 0], score: 0.6 },
      { params: [2, 2], score: 0.1 },
      { params: [1, 1], score: 0.7 },
    ];
    const a = SeededRandom.fromSeed(3);
    const b = SeededRandom.fromSeed(3);
    const run = (random: SeededRandom) => Array.from({ length: 10 }, () => suggestTpe([3, 3], trials, random, { startupTrials: 2 }));
    expect(run(a)).toEqual(run(b));
  });
});

describe("search helpers", () => {
  it("plans a minibatch within the trainset, the budget and the floor", () => {
    expect(plannedMinibatch({ preferred: 35, trainSize: 20, remaining: Number.POSITIVE_INFINITY, batches: 10, floor: 5 })).toBe(20);
    expect(plannedMinibatch({ preferred: 35, trainSize: 40, remaining: 220, batches: 11, fixed: 60, floor: 5 })).toBe(14);
    expect(plannedMinibatch({ preferred: 35, trainSize: 40, remaining: 10, batches: 11, floor: 5 })).toBe(5);
    expect(plannedMinibatch({ preferred: 35, trainSize: 3, remaining: 10, batches: 11, floor: 5 })).toBe(3);
  });

  it("quantiles interpolate like numpy; Poisson draws have the asked mean", () => {
    expect(quantile([0, 1, 1, 1, 0.5], 0.1)).toBeCloseTo(0.2);
    expect(quantile([0, 1, 1, 1, 0.5], 0.9)).toBe(1);
    const random = SeededRandom.fromSeed(5);
    const draws = Array.from({ length: 4000 }, () => poisson(0.75, () => random.next()));
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeCloseTo(0.75, 1);
    expect(poisson(0, () => random.next())).toBe(0);
  });
});
