import type { UsageSummary } from "../models/types.js";
import type { CandidateRecord } from "../optimizers/candidate-record.js";

/** One point of the reward curve: after each optimization step (batch). */
export interface HistoryEntry {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  /** Global step count (batches done since the start of the run). */
  step: number;
  /** Mean reward of the batch with the values in place before the step. */
  trainReward: number;
  /** Validation mean after the step, when measured (end of each epoch). */
  valReward?: number;
}

/**
 * Everything a report needs about one finished (or interrupted) run. `fit` writes it as JSON next to the
 * artifact; `tunechain report <run.json>` renders it.
 */
export interface RunRecord {
  version: 1;
  startedAt: string;
  finishedAt: string;
  /** Why the run ended. */
  status: "completed" | "early-stopped" | "budget-exhausted" | "aborted";
  settings: Record<string, unknown>;
  /** Variable values before training, by variable name. */
  initialValues: Record<string, Record<string, unknown>>;
  /** Variable values after finalize, by variable name. */
  finalValues: Record<string, Record<string, unknown>>;
  /** Validation mean of the initial and of the final values, when a valset exists. */
  initialValScore?: number;
  finalValScore?: number;
  history: HistoryEntry[];
  /** Every optimizer's candidates, best first per optimizer. */
  leaderboard: CandidateRecord[];
  usage: UsageSummary;
}
