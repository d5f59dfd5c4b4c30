// The rows that flow between datasets, programs, rewards and optimizers.
export { exampleIdOf, type Example } from "./example.js";
export type { CandidateValues, ScoredPrediction } from "./scored-prediction.js";
export type {
  ComponentCall,
  ModelCallRecord,
  ProgramTrace,
  ToolCallRecord,
  ToolResultRecord,
  TraceMessage,
} from "./trace.js";
