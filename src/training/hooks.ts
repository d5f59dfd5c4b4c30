import type { HistoryEntry, RunStatus, StopCause } from "./run-record.js";

/** What a training hook learns about the run at each point. */
export interface TrainBeginInfo {
  /** Epoch cap (Infinity when the metric budget drives the run). */
  epochs: number;
  batchesPerEpoch: number;
  trainSize: number;
  valSize: number;
  /** Where a resumed run starts (epoch 0, batch 0 for a fresh run). */
  startEpoch: number;
  startBatch: number;
  initialValScore?: number;
  /** The run's metric budget, when set. */
  maxMetricCalls?: number;
}

export interface EpochEndInfo {
  epoch: number;
  valReward?: number;
  /** True when early stopping ends training after this epoch. */
  stopping: boolean;
}

export interface TrainEndInfo {
  status: RunStatus;
  stoppedBy?: StopCause;
  history: HistoryEntry[];
  finalValScore?: number;
  testScore?: number;
}

/**
 * Hooks called by fit, Keras-style (`fit({ hooks })`). Each may be async; fit waits for it. Errors thrown stop
 * training. LangChain callback handlers are another thing: they go in `fit({ config: { callbacks } })`.
 */
export interface TrainingHooks {
  onTrainBegin?(info: TrainBeginInfo): void | Promise<void>;
  onTrainEnd?(info: TrainEndInfo): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onEpochEnd?(info: EpochEndInfo): void | Promise<void>;
  onBatchBegin?(info: { epoch: number; batch: number; step: number }): void | Promise<void>;
  onBatchEnd?(entry: HistoryEntry): void | Promise<void>;
}

/** Calls one hook on every hook object, in order. */
export async function notify<K extends keyof TrainingHooks>(
  hooks: readonly TrainingHooks[],
  hook: K,
  ...args: Parameters<NonNullable<TrainingHooks[K]>>
): Promise<void> {
  for (const target of hooks) {
    const fn = target[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (fn) await fn.apply(target, args);
  }
}
