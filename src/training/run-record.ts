import type { ScoredPrediction } from "../data/scored-prediction.js";
import type { UsageSummary } from "../models/types.js";
import type { CandidateRecord } from "../optimizers/candidate-record.js";
import type { ProposalStats } from "../optimizers/optimizer.js";
import type { MetricCallStats } from "./program-evaluator.js";

/** One point of the run's curve: after each optimization step. */
export interface HistoryEntry {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  /** Global step count (steps done since the start of the run). */
  step: number;
  /**
   * Mean reward of this step's training batch with the values in place before the step. Batches differ from
   * step to step, so the curve of these means is noisy by nature; absent when no optimizer needed the batch run.
   */
  trainReward?: number;
  /** Validation mean of the values in place after the step, when measured (end of each epoch). */
  valReward?: number;
  /** Program runs paid so far in the run (all phases). */
  metricCalls: number;
}

/** Why a run ended. */
export type RunStatus = "completed" | "early-stopped" | "budget-exhausted" | "aborted";

/** What ended the run, in words, and which limit or optimizer it was. */
export interface StopCause {
  reason: string;
  /** The limit reached: fit's metric budget or a usage budget limit. */
  limit?: "maxMetricCalls" | "maxCalls" | "maxTokens" | "maxCostUsd" | "epochs" | "earlyStopping";
  /** The optimizer that said it was done. */
  optimizer?: string;
}

/** A model that served the run, under which role, and whether it was a scripted stand-in. */
export interface ModelRecord {
  role: string;
  model: string;
  standIn: boolean;
}

/**
 * Everything a report needs about one finished (or interrupted) run. `fit` writes it as JSON next to the
 * artifact; `tunechain report <run.json>` renders it.
 */
export interface RunRecord {
  version: 2;
  startedAt: string;
  finishedAt: string;
  status: RunStatus;
  stoppedBy?: StopCause;
  settings: Record<string, unknown>;
  /** Variable values before training, by variable name. */
  initialValues: Record<string, Record<string, unknown>>;
  /** Variable values at the end (the final choice), by variable name. */
  finalValues: Record<string, Record<string, unknown>>;
  /** Validation mean of the initial and of the final values, when a valset exists. */
  initialValScore?: number;
  finalValScore?: number;
  /** How the final values were chosen ("best full validation", "finalize", …). */
  finalChoice?: string;
  /** Mean on the test set (scored once, outside the metric budget), when a testset was given. */
  testScore?: number;
  /** Program runs paid, by phase, and the limit. */
  metricCalls: MetricCallStats;
  history: HistoryEntry[];
  /** Every optimizer's program candidates, best first per optimizer (parents give the lineage). */
  leaderboard: CandidateRecord[];
  /** How each optimizer's proposals fared, refusals counted by reason. */
  proposals: ProposalStats[];
  /** The final values' answer on each validation example (failures first), when a valset exists. */
  finalValidation?: ScoredPrediction[];
  /** The models that served the run. */
  models: ModelRecord[];
  usage: UsageSummary;
}
