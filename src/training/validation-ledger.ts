import type { CandidateValues, ScoredPrediction } from "../data/scored-prediction.js";

/** One program's scores on validation examples, as the run measured them. */
export interface LedgerEntry {
  values: CandidateValues;
  /** Score per validation example id. */
  scores: Record<string, number>;
  /** Order in which programs were first measured (the seed is 0): earlier wins ties. */
  order: number;
}

/** The chosen program and how it was measured. */
export interface LedgerChoice {
  values: CandidateValues;
  /** Mean over the examples it was scored on. */
  mean: number;
  /** Validation examples behind the mean. */
  count: number;
  /** True when it was scored on every validation example. */
  complete: boolean;
}

/** Programs kept in checkpoints: the best ones and the seed are what a final choice can need. */
const MAX_ENTRIES = 32;
const Z = 1.96;

/**
 * Every program the run scored on validation examples — whoever asked (seed, optimizer validations,
 * finalize) — so the final choice is made over the measured held-out scores of whole programs, also when
 * a budget or an abort ends the run early.
 */
export class ValidationLedger {
  private readonly entries = new Map<string, LedgerEntry>();
  private nextOrder = 0;

  constructor(private readonly valIds: ReadonlySet<string>) {}

  /** Records a prediction of the program `values` (identified by `valuesKey`) when it is a validation example. */
  record(values: CandidateValues, valuesKey: string, prediction: ScoredPrediction): void {
    if (!this.valIds.has(prediction.exampleId)) return;
    let entry = this.entries.get(valuesKey);
    if (!entry) {
      entry = { values: structuredClone(values), scores: {}, order: this.nextOrder++ };
      this.entries.set(valuesKey, entry);
    }
    entry.scores[prediction.exampleId] = prediction.score;
  }

  /** Mean over the whole validation set of the program `valuesKey`, when every example was scored. */
  completeMean(valuesKey: string): number | undefined {
    const entry = this.entries.get(valuesKey);
    if (!entry || Object.keys(entry.scores).length < this.valIds.size) return undefined;
    return meanOf(entry);
  }

  /**
   * The program with the highest mean over the whole validation set (earliest measured on ties). A program
   * scored on part of it wins only when the lower end of its 95% Wilson interval is above that mean.
   */
  best(): LedgerChoice | undefined {
    let best: (LedgerChoice & { order: number }) | undefined;
    for (const entry of this.entries.values()) {
      const count = Object.keys(entry.scores).length;
      if (count < this.valIds.size) continue;
      const mean = meanOf(entry);
      if (!best || mean > best.mean || (mean === best.mean && entry.order < best.order)) {
        best = { values: entry.values, mean, count, complete: true, order: entry.order };
      }
    }
    for (const entry of this.entries.values()) {
      const count = Object.keys(entry.scores).length;
      if (count === 0 || count >= this.valIds.size) continue;
      const mean = meanOf(entry);
      if (wilsonLower(mean, count) > (best?.mean ?? Number.NEGATIVE_INFINITY)) {
        best = { values: entry.values, mean, count, complete: false, order: entry.order };
      }
    }
    if (!best) return undefined;
    const { order: _order, ...choice } = best;
    return { ...choice, values: structuredClone(choice.values) };
  }

  /** The entries for a checkpoint: the best and earliest ones, bounded. */
  toJSON(): { nextOrder: number; entries: [string, LedgerEntry][] } {
    const ranked = [...this.entries.entries()].sort(
      ([, a], [, b]) => (a.order === 0 ? -1 : b.order === 0 ? 1 : meanOf(b) - meanOf(a) || a.order - b.order),
    );
    return { nextOrder: this.nextOrder, entries: ranked.slice(0, MAX_ENTRIES) };
  }

  restore(saved: { nextOrder: number; entries: [string, LedgerEntry][] }): void {
    this.entries.clear();
    for (const [key, entry] of saved.entries) this.entries.set(key, structuredClone(entry));
    this.nextOrder = saved.nextOrder;
  }
}

function meanOf(entry: LedgerEntry): number {
  const scores = Object.values(entry.scores);
  return scores.length === 0 ? 0 : scores.reduce((sum, s) => sum + s, 0) / scores.length;
}

/** Lower end of the Wilson score interval of a mean of scores in [0, 1] over `n` examples. */
export function wilsonLower(mean: number, n: number): number {
  const z2 = Z * Z;
  const centre = mean + z2 / (2 * n);
  const spread = Z * Math.sqrt((mean * (1 - mean)) / n + z2 / (4 * n * n));
  return (centre - spread) / (1 + z2 / n);
}
