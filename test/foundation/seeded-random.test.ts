import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/index.js";

describe("SeededRandom", () => {
  it("repeats a sequence for one seed, differs for another, and resumes from a saved state", () => {
    const draw = (random: SeededRandom) => Array.from({ length: 5 }, () => random.next());
    expect(draw(SeededRandom.fromSeed(7))).toEqual(draw(SeededRandom.fromSeed(7)));
    expect(draw(SeededRandom.fromSeed(7))).not.toEqual(draw(SeededRandom.fromSeed(8)));

    const original = SeededRandom.fromSeed(42);
    draw(original);
    const resumed = SeededRandom.fromState(JSON.parse(JSON.stringify(original.getState())));
    expect(draw(resumed)).toEqual(draw(original));
  });

  it("samples within range and honours weights", () => {
    const random = SeededRandom.fromSeed(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[random.weightedIndex([0, 1, 3])]! += 1;
    expect(counts[0]).toBe(0);
    expect(counts[2]! / counts[1]!).toBeGreaterThan(2);
    expect(random.sample([1, 2, 3, 4], 2)).toHaveLength(2);
    expect(new Set(random.shuffle([1, 2, 3, 4]))).toEqual(new Set([1, 2, 3, 4]));
    expect(() => SeededRandom.fromSeed(1.5)).toThrow(/must be an integer/);
  });
});
