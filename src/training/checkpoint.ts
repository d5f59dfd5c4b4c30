import { readFile } from "node:fs/promises";
import stringify from "safe-stable-stringify";
import type { CandidateValues, ScoredPrediction } from "../data/scored-prediction.js";
import { CheckpointError } from "./errors.js";
import { writeFileAtomic } from "./files.js";
import type { HistoryEntry } from "./run-record.js";

/** What a checkpoint must match to be resumed: same variables, optimizers, data and batching. */
export interface CheckpointFingerprint {
  variables: { name: string; schemaHash: string }[];
  optimizers: { name: string; className: string; stateSize: number }[];
  trainset: string;
  valset: string;
  batchSize: number;
  seed: number;
}

export interface EarlyStoppingState {
  /** Best validation mean so far (the seed's included), null before any. */
  best: number | null;
  bestStep: number;
  bestValues: CandidateValues | null;
  /** Epochs since the best one. */
  waited: number;
}

/** Everything needed to continue a run exactly where it stopped. Written after every step. */
export interface CheckpointState {
  format: "tunechain-checkpoint";
  version: 2;
  fingerprint: CheckpointFingerprint;
  startedAt: string;
  position: {
    epoch: number;
    /** The next batch to run in `epoch`; equal to the batch count when the epoch is done. */
    nextBatch: number;
    /** Trainset indices in this epoch's shuffled order. */
    order: number[];
    /** Batches done since the start of the run. */
    step: number;
    /** Training is over (early stop); only finalization remains. */
    stopped: boolean;
    /** Steps in a row that paid no program run (the run ends when nothing can progress). */
    stalled: number;
  };
  values: CandidateValues;
  initialValues: CandidateValues;
  initialValScore?: number;
  /** Each optimizer's saveOwnVariables store, by optimizer name. */
  optimizers: Record<string, Record<string, unknown>>;
  random: number[];
  history: HistoryEntry[];
  usage?: unknown;
  /**
   * Cache counters, and its most recent entries (without inputs, bounded in bytes) so a resumed run does not
   * pay for them again.
   */
  cache: { hits: number; misses: number; entries?: [string, ScoredPrediction][] };
  /** Program runs paid so far, by phase. */
  metricCalls: { used: number; byPhase: Record<string, number> };
  /** Validation scores of the programs measured so far (the final choice is made over them). */
  ledger: { nextOrder: number; entries: [string, { values: CandidateValues; scores: Record<string, number>; order: number }][] };
  earlyStopping: EarlyStoppingState;
}

export async function writeCheckpoint(path: string, state: CheckpointState): Promise<void> {
  await writeFileAtomic(path, stringify(state) ?? "");
}

/** The checkpoint at `path`, or undefined when there is none. A file that is not one is an error. */
export async function readCheckpoint(path: string): Promise<CheckpointState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CheckpointError(`Cannot read the checkpoint ${path}: ${(error as Error).message}.`, { cause: error });
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(
      `The checkpoint ${path} is corrupt (not valid JSON: ${(error as Error).message}). Nothing was resumed. ` +
        "Delete it to start over, or restore a good copy.",
      { cause: error },
    );
  }
  const problem = shapeProblem(state);
  if (problem !== undefined) {
    throw new CheckpointError(
      `The file ${path} is not a tunechain checkpoint this version can resume (${problem}). Nothing was resumed. ` +
        "Delete it to start over.",
    );
  }
  return state as CheckpointState;
}

function shapeProblem(state: unknown): string | undefined {
  if (typeof state !== "object" || state === null) return "not an object";
  const s = state as Partial<CheckpointState>;
  if (s.format !== "tunechain-checkpoint") return "missing format 'tunechain-checkpoint'";
  if (s.version !== 2) return `version ${String(s.version)}, expected 2`;
  const p = s.position;
  if (
    typeof p !== "object" ||
    p === null ||
    ![p.epoch, p.nextBatch, p.step].every((n) => Number.isInteger(n) && (n as number) >= 0) ||
    !Array.isArray(p.order) ||
    !p.order.every((n) => Number.isInteger(n) && n >= 0)
  ) {
    return "bad position";
  }
  if (typeof s.values !== "object" || s.values === null) return "missing variable values";
  if (typeof s.optimizers !== "object" || s.optimizers === null) return "missing optimizer states";
  if (!Array.isArray(s.random) || !s.random.every((n) => typeof n === "number")) return "bad random state";
  if (!Array.isArray(s.history)) return "missing history";
  if (typeof s.fingerprint !== "object" || s.fingerprint === null) return "missing fingerprint";
  if (typeof s.earlyStopping !== "object" || s.earlyStopping === null) return "missing early-stopping state";
  if (typeof s.metricCalls !== "object" || s.metricCalls === null || !Number.isInteger(s.metricCalls.used)) return "bad metric-call counts";
  if (typeof s.ledger !== "object" || s.ledger === null || !Array.isArray(s.ledger.entries)) return "bad validation ledger";
  const entries = (s.cache as { entries?: unknown } | undefined)?.entries;
  if (entries !== undefined && !(Array.isArray(entries) && entries.every(isCacheEntry))) return "bad evaluation cache";
  return undefined;
}

function isCacheEntry(entry: unknown): boolean {
  if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== "string") return false;
  const prediction = entry[1] as Partial<ScoredPrediction> | null;
  return (
    typeof prediction === "object" &&
    prediction !== null &&
    typeof prediction.exampleId === "string" &&
    typeof prediction.score === "number"
  );
}

/** Throws CheckpointError naming every way the checkpoint's run differs from this one. */
export function assertSameRun(path: string, saved: CheckpointFingerprint, current: CheckpointFingerprint): void {
  const differences: string[] = [];
  const same = (a: unknown, b: unknown) => stringify(a) === stringify(b);
  if (!same(saved.variables, current.variables)) {
    differences.push(
      `variables: checkpoint has ${describeList(saved.variables)}, the program has ${describeList(current.variables)}`,
    );
  }
  if (!same(saved.optimizers, current.optimizers)) {
    differences.push(
      `optimizers: checkpoint has ${describeList(saved.optimizers)}, this run has ${describeList(current.optimizers)}`,
    );
  }
  if (saved.trainset !== current.trainset) differences.push("the training set differs");
  if (saved.valset !== current.valset) differences.push("the validation set differs");
  if (saved.batchSize !== current.batchSize) differences.push(`batchSize ${saved.batchSize} ≠ ${current.batchSize}`);
  if (saved.seed !== current.seed) differences.push(`seed ${saved.seed} ≠ ${current.seed}`);
  if (differences.length > 0) {
    throw new CheckpointError(
      `The checkpoint ${path} belongs to another run, so it cannot be resumed:\n  - ${differences.join("\n  - ")}\n` +
        "Nothing was restored. Resume with the same program, optimizers, data, batchSize and seed, or use another checkpoint path.",
    );
  }
}

function describeList(items: readonly object[]): string {
  return items.length === 0 ? "none" : items.map((item) => stringify(item)).join(", ");
}
