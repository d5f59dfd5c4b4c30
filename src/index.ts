// Public API of tunechain. Everything a user imports comes from here (test helpers: "tunechain/testing").
export { findMustSurfaceError, MustSurfaceError, TunechainError, UnknownArgumentError } from "./errors.js";
export type { JsonObject, JsonPrimitive, JsonValue } from "./json.js";
export { SeededRandom } from "./random/seeded-random.js";

export { Variable, type SerializedVariable, type VariableFields } from "./variables/variable.js";
export {
  containsSchema,
  restrictSchema,
  schemaFromDataModel,
  schemaKeys,
  standardizeSchema,
  type JsonSchema,
} from "./variables/schema.js";
export { SchemaError, VariableValidationError, type ValidationIssue } from "./variables/errors.js";

export {
  Optimizer,
  type OptimizerConfig,
  type OptimizerFields,
  type OptimizerInput,
  type OptimizerOutput,
  type ProposalStats,
  type RunShape,
  type StepCost,
} from "./optimizers/optimizer.js";
export type {
  CandidateEvaluator,
  CandidateValues,
  Example,
  OptimizationContext,
  ScoredPrediction,
} from "./optimizers/context.js";
export { NotImplementedError, OptimizerInputError } from "./optimizers/errors.js";
export type { CandidateRecord } from "./optimizers/candidate-record.js";

export type {
  ChatMessage,
  LanguageModel,
  ModelCallOptions,
  ModelRole,
  StructuredGeneration,
  StructuredRequest,
  TextGeneration,
  TokenUsage,
  UsageSummary,
  UsageTotals,
} from "./models/types.js";
export { StructuredOutputError } from "./models/errors.js";

// Each concept folder keeps its own barrel; this file re-exports them so the public API has one entry point.
export * from "./models/index.js";
export * from "./optimizers/index.js";
export * from "./prompts/index.js";
export * from "./tools/index.js";
export * from "./training/index.js";
export * from "./rewards/index.js";
export * from "./report/index.js";
export * from "./compare/index.js";
export * from "./estimate/index.js";
export {
  BUDGET_PRESETS,
  budgetForSteps,
  PRESET_STEPS_PER_COMPONENT,
  planStep,
  resolveBudgetPreset,
  type BudgetPreset,
  type BudgetShape,
  type ResolvedBudget,
  type StepPlan,
} from "./training/budget-presets.js";
