import { TunechainError } from "../errors.js";

/** fit / evaluate were given options they cannot work with. */
export class TrainingOptionsError extends TunechainError {}

/** The dataset is empty, malformed, or has two different examples under one id. */
export class DatasetError extends TunechainError {}

/** The program failed on an example even after retries. */
export class ProgramRunError extends TunechainError {
  readonly exampleId: string;

  constructor(exampleId: string, attempts: number, cause: unknown) {
    super(
      `The program failed on example '${exampleId}' after ${attempts} attempt(s): ${(cause as Error)?.message ?? String(cause)}. ` +
        "Fix the program (run it on that example's input alone to see the error) or raise `retries` for flaky models.",
      { cause },
    );
    this.exampleId = exampleId;
  }
}

/** A checkpoint file cannot be read or does not belong to this run. Nothing was restored. */
export class CheckpointError extends TunechainError {}

/** An artifact file cannot be read or does not fit the program. Nothing was assigned. */
export class ArtifactError extends TunechainError {}
