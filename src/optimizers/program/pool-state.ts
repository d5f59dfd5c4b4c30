import type { CandidateValues, ScoredPrediction } from "../../data/scored-prediction.js";
import type { JsonSchema } from "../../variables/schema.js";

/** One (example, score) pair a candidate earned; kept as a list so example ids never get reordered. */
export interface InstanceScore {
  exampleId: string;
  score: number;
  /** Earned on a validation example: held-out evidence, not training evidence. */
  validation?: boolean;
}

/**
 * A program candidate as an optimizer stores it (plain JSON, so it persists with saveOwnVariables): the values
 * of the optimizer's keys in every variable it acts on. Scores belong to the whole candidate.
 */
export interface StoredCandidate {
  id: string;
  /** The candidate's values of the optimizer's keys, by variable name. */
  values: CandidateValues;
  parents: string[];
  /** Optimizer iteration that produced it (0 for the values found in the program). */
  iteration: number;
  /** How it was made: "seed" (found in the program), "proposal", "merge", "crossover", "demos". */
  origin: string;
  /** Components (see program/components.ts) it rewrote relative to its first parent. */
  changed: string[];
  /** Latest score per example (training and validation examples), bounded. */
  instanceScores: InstanceScore[];
  /** Mean over the whole validation set, once measured. */
  validationScore?: number;
}

/** A prediction kept for exemplars, demonstrations and reflection (inputs and traces clipped). */
export type RememberedPrediction = ScoredPrediction;

/**
 * Why a proposal could not be used. model-error, not-json, schema and placeholders are failures of the
 * optimizer model; a duplicate repeats a candidate already tried; the others are measured or budget refusals.
 */
export type RejectionReason =
  | "model-error"
  | "not-json"
  | "schema"
  | "placeholders"
  | "duplicate"
  | "budget"
  | "below-parent"
  | "no-evidence";

/** Reasons that mean the optimizer model failed to give a usable proposal. */
export const FAILURE_REASONS: readonly RejectionReason[] = ["model-error", "not-json", "schema", "placeholders"];

/** A proposal that was refused, with the optimizer iteration and what was wrong. */
export interface RejectedProposal {
  iteration: number;
  reason: RejectionReason;
  message: string;
}

export interface ProgramPoolState {
  nextId: number;
  candidates: StoredCandidate[];
  predictions: RememberedPrediction[];
  /** The latest refusals (bounded); the counts are in OptimizerState.rejections. */
  rejected: RejectedProposal[];
  /** Merges attempted so far (GEPA caps them). */
  merges: number;
}

/** Everything a pool optimizer remembers, in one Variable. */
export interface OptimizerState {
  /** State of the seeded generator, so a resumed run draws the same numbers. */
  random: number[];
  /** Program runs this optimizer's evaluations paid for (answers not served from a cache). */
  metricCalls: number;
  /** Proposals asked for so far (model calls, or drawn demonstration sets). */
  proposals: number;
  /** Refused proposals by reason. */
  rejections: Partial<Record<RejectionReason, number>>;
  /** Round-robin position over the components. */
  cursor: number;
  /** Single-component iterations since a child was last accepted (drives the joint rewrite). */
  sinceAccepted: number;
  /** Why the optimizer has nothing more to do, once it says so. */
  done?: string;
  pool: ProgramPoolState;
}

const SCORE_SCHEMA: JsonSchema = {
  type: "object",
  properties: { exampleId: { type: "string" }, score: { type: "number" }, validation: { type: "boolean" } },
  required: ["exampleId", "score"],
};

const CANDIDATE_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    values: { type: "object", additionalProperties: { type: "object" } },
    parents: { type: "array", items: { type: "string" } },
    iteration: { type: "integer", minimum: 0 },
    origin: { type: "string" },
    changed: { type: "array", items: { type: "string" } },
    instanceScores: { type: "array", items: SCORE_SCHEMA },
    validationScore: { type: "number" },
  },
  required: ["id", "values", "parents", "iteration", "origin", "changed", "instanceScores"],
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
        properties: { iteration: { type: "integer" }, reason: { type: "string" }, message: { type: "string" } },
        required: ["iteration", "reason", "message"],
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
    proposals: { type: "integer", minimum: 0 },
    rejections: { type: "object", additionalProperties: { type: "integer", minimum: 0 } },
    cursor: { type: "integer", minimum: 0 },
    sinceAccepted: { type: "integer", minimum: 0 },
    done: { type: "string" },
    pool: POOL_SCHEMA,
  },
  required: ["random", "metricCalls", "proposals", "rejections", "cursor", "sinceAccepted", "pool"],
  additionalProperties: false,
};

export function emptyPool(): ProgramPoolState {
  return { nextId: 0, candidates: [], predictions: [], rejected: [], merges: 0 };
}
