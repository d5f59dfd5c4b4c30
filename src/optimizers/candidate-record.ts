import type { CandidateValues } from "../data/scored-prediction.js";

/** One program candidate an optimizer tried, as shown in leaderboards and reports. */
export interface CandidateRecord {
  /** Stable id within the optimizer's pool. */
  id: string;
  optimizer: string;
  /** The candidate's values of the keys the optimizer owns, by variable name. */
  values: CandidateValues;
  /** Mean reward over the training examples it was run on (batches or gate minibatches). */
  meanScore: number;
  /** Training examples behind meanScore. */
  evaluations: number;
  /** Mean over the whole validation set, when measured. */
  validationScore?: number;
  /** Optimizer iteration that proposed it (0 for the seed values). */
  iteration: number;
  parents: string[];
  /** How it was made: "seed", "in place", "proposal", "merge", "crossover", "demos". */
  origin: string;
  /** Components it rewrote relative to its first parent. */
  changed: string[];
}
