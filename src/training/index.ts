// Public API of src/training, re-exported by src/index.ts.
export type { HistoryEntry, ModelRecord, RunRecord, RunStatus, StopCause } from "./run-record.js";
export { fit, type EarlyStoppingOptions, type FitOptions, type FitResult } from "./fit.js";
export { evaluate, type EvaluateOptions, type EvaluationResult } from "./evaluate.js";
export {
  loadVariables,
  saveVariables,
  schemaHash,
  type LoadVariablesOptions,
  type SaveVariablesMeta,
  type VariablesArtifact,
} from "./artifacts.js";
export type { EpochEndInfo, TrainBeginInfo, TrainEndInfo, TrainingHooks } from "./hooks.js";
export { progressBar } from "./progress.js";
export {
  ProgramEvaluator,
  type CacheStats,
  type EvaluateCallOptions,
  type MetricCallStats,
  type Program,
  type ProgramEvaluatorOptions,
} from "./program-evaluator.js";
export type { CheckpointState, CheckpointFingerprint } from "./checkpoint.js";
export type { RetryOptions } from "./retry.js";
export { hashJson, redactSecrets } from "./files.js";
export {
  ArtifactError,
  CheckpointError,
  DatasetError,
  MetricBudgetExceededError,
  MissingPromptInputError,
  SeedValidationError,
  TrainingOptionsError,
} from "./errors.js";
