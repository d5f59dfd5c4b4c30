import type { ProgramTrace } from "./trace.js";

/** A program's answer to an example, scored by the reward. */
export interface ScoredPrediction {
  exampleId: string;
  input: Record<string, unknown>;
  /** The program's answer as JSON; null when the run failed. */
  output: unknown;
  expected?: unknown;
  /** Reward in [0, 1]; 0 when the run failed. */
  score: number;
  /** Textual feedback from the reward (why it scored so), or the error of a failed run. */
  feedback?: string;
  /** Why the program run failed, when it did (the score is then 0 and the feedback says the same). */
  error?: string;
  /** What each trainable component saw and produced in this run, when the run was traced. */
  trace?: ProgramTrace;
  /** Set on answers an evaluator served from its cache (no program run was paid for them). */
  cached?: boolean;
}

/** Values to use for a program's variables, by variable name (the whole value of each named variable). */
export type CandidateValues = Record<string, Record<string, unknown>>;
