import { xoroshiro128plus, xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import type { JumpableRandomGenerator } from "pure-rand/types/JumpableRandomGenerator";

/**
 * Every random choice of tunechain comes from one of these, so a run with the same seed and replayed
 * fixtures is identical. The state is a short array of numbers: checkpoints store it to resume exactly.
 */
export class SeededRandom {
  private generator: JumpableRandomGenerator;

  private constructor(generator: JumpableRandomGenerator) {
    this.generator = generator;
  }

  static fromSeed(seed: number): SeededRandom {
    if (!Number.isInteger(seed)) {
      throw new RangeError(`A seed must be an integer, got ${String(seed)}.`);
    }
    return new SeededRandom(xoroshiro128plus(seed));
  }

  static fromState(state: readonly number[]): SeededRandom {
    return new SeededRandom(xoroshiro128plusFromState(state));
  }

  /** The generator's state, to put in a checkpoint. */
  getState(): number[] {
    return [...this.generator.getState()];
  }

  setState(state: readonly number[]): void {
    this.generator = xoroshiro128plusFromState(state);
  }

  /** A float in [0, 1). */
  next(): number {
    return uniformFloat64(this.generator);
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.generator, min, max);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Cannot pick from an empty list.");
    return items[this.int(0, items.length - 1)] as T;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** k distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.shuffle(items).slice(0, Math.max(0, k));
  }

  /** An index drawn with probability proportional to its (non-negative) weight. */
  weightedIndex(weights: readonly number[]): number {
    const total = weights.reduce((sum, w) => sum + Math.max(0, w), 0);
    if (!(total > 0)) return this.int(0, weights.length - 1);
    let threshold = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      threshold -= Math.max(0, weights[i] as number);
      if (threshold < 0) return i;
    }
    return weights.length - 1;
  }
}
