import type { JsonSchema } from "../variables/schema.js";
import type { ScoredPrediction } from "./context.js";

/** One (example, score) pair a candidate earned; kept as a list so example ids never get reordered. */
export interface InstanceScore {
  exampleId: string;
  score: number;
}

/** A candidate as the optimizer stores it (plain JSON, so it persists with saveOwnVariables). */
export interface StoredCandidate {
  id: string;
  /** The candidate's value of the optimizer's own keys. */
  value: Record<string, unknown>;
  /** Running mean of every per-example score credited to it. */
  meanScore: number;
  /** Number of example scores behind meanScore. */
  evaluations: number;
  parents: string[];
  /** Optimizer iteration that produced it (0 for a value found in the variable before any step). */
  iteration: number;
  /** Mean score on the validation set, once measured. */
  validationScore?: number;
  /** Latest score per example (bounded), for per-instance Pareto fronts and to avoid paying twice. */
  instanceScores: InstanceScore[];
}

/** A prediction remembered for exemplars, few-shot demonstrations and reflection: a scored prediction as given. */
export type RememberedPrediction = ScoredPrediction;

/** A proposal that was refused (invalid JSON, schema, placeholders, model error). */
export interface RejectedProposal {
  iteration: number;
  reason: string;
}

export interface VariablePool {
  nextId: number;
  candidates: StoredCandidate[];
  predictions: RememberedPrediction[];
  rejected: RejectedProposal[];
  /** Merges attempted so far (GEPA caps them). */
  merges: number;
}

/** Everything an LLM-driven optimizer remembers, in one Variable. */
export interface OptimizerState {
  /** State of the seeded generator, so a resumed run draws the same numbers. */
  random: number[];
  /** Example evaluations paid so far (GEPA's budget). */
  metricCalls: number;
  /** One pool per variable, by variable name. */
  pools: Record<string, VariablePool>;
}

const CANDIDATE_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    value: { type: "object" },
    meanScore: { type: "number" },
    evaluations: { type: "integer", minimum: 0 },
    parents: { type: "array", items: { type: "string" } },
    iteration: { type: "integer", minimum: 0 },
    validationScore: { type: "number" },
    instanceScores: {
      type: "array",
      items: {
        type: "object",
        properties: { exampleId: { type: "string" }, score: { type: "number" } },
        required: ["exampleId", "score"],
      },
    },
  },
  required: ["id", "value", "meanScore", "evaluations", "parents", "iteration", "instanceScores"],
};

const POOL_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    nextId: { type: "integer", minimum: 0 },
    candidates: { type: "array", items: CANDIDATE_SCHEMA },
    predictions: {
      type: "array",
      items: {
        type: "object",
        properties: { exampleId: { type: "string" }, input: { type: "object" }, score: { type: "number" } },
        required: ["exampleId", "input", "score"],
      },
    },
    rejected: {
      type: "array",
      items: {
        type: "object",
        properties: { iteration: { type: "integer" }, reason: { type: "string" } },
        required: ["iteration", "reason"],
      },
    },
    merges: { type: "integer", minimum: 0 },
  },
  required: ["nextId", "candidates", "predictions", "rejected", "merges"],
};

export const OPTIMIZER_STATE_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    random: { type: "array", items: { type: "number" }, minItems: 1 },
    metricCalls: { type: "integer", minimum: 0 },
    pools: { type: "object", additionalProperties: POOL_SCHEMA },
  },
  required: ["random", "metricCalls", "pools"],
  additionalProperties: false,
};

export function emptyPool(): VariablePool {
  return { nextId: 0, candidates: [], predictions: [], rejected: [], merges: 0 };
}
