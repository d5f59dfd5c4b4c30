import { TunechainError } from "../errors.js";

/** compare() was given options it cannot work with; the message says what to change. */
export class CompareOptionsError extends TunechainError {}

/**
 * One run of a comparison failed (the error is its `cause`); the program's variables were put back to their
 * initial values before it was thrown.
 */
export class CompareRunError extends TunechainError {
  readonly optimizer: string;
  readonly seed: number;

  constructor(optimizer: string, seed: number, cause: unknown) {
    super(`The run of '${optimizer}' with seed ${seed} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.optimizer = optimizer;
    this.seed = seed;
  }
}
