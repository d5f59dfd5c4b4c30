/** One candidate value an optimizer tried for a variable, as shown in leaderboards and reports. */
export interface CandidateRecord {
  /** Stable id within the optimizer's pool. */
  id: string;
  variable: string;
  optimizer: string;
  /** The candidate's value of the keys the optimizer owns. */
  value: Record<string, unknown>;
  /** Mean reward over its evaluations (training batches or gate minibatches). */
  meanScore: number;
  evaluations: number;
  /** Held-out score when finalize measured it. */
  validationScore?: number;
  /** Optimizer iteration that proposed it (0 for the seed value). */
  iteration: number;
  parents: string[];
}
