import type { HistoryEntry } from "./run-record.js";

/** What a training callback learns about the run at each point. */
export interface TrainBeginInfo {
  epochs: number;
  batchesPerEpoch: number;
  trainSize: number;
  valSize: number;
  /** Where a resumed run starts (epoch 0, batch 0 for a fresh run). */
  startEpoch: number;
  startBatch: number;
  initialValScore?: number;
}

export interface EpochEndInfo {
  epoch: number;
  valReward?: number;
  /** True when early stopping ends training after this epoch. */
  stopping: boolean;
}

export interface TrainEndInfo {
  status: "completed" | "early-stopped" | "budget-exhausted" | "aborted";
  history: HistoryEntry[];
  finalValScore?: number;
}

/** Hooks called by fit, Keras-style. Each may be async; fit waits for it. Errors thrown stop training. */
export interface TrainingCallbacks {
  onTrainBegin?(info: TrainBeginInfo): void | Promise<void>;
  onTrainEnd?(info: TrainEndInfo): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onEpochEnd?(info: EpochEndInfo): void | Promise<void>;
  onBatchBegin?(info: { epoch: number; batch: number; step: number }): void | Promise<void>;
  onBatchEnd?(entry: HistoryEntry): void | Promise<void>;
}

/** Calls one hook on every callback object, in order. */
export async function notify<K extends keyof TrainingCallbacks>(
  callbacks: readonly TrainingCallbacks[],
  hook: K,
  ...args: Parameters<NonNullable<TrainingCallbacks[K]>>
): Promise<void> {
  for (const callback of callbacks) {
    const fn = callback[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (fn) await fn.apply(callback, args);
  }
}
