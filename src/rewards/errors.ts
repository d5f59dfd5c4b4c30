import { TunechainError } from "../errors.js";

/** A reward returned something that is not a score in [0, 1]. */
export class RewardError extends TunechainError {
  readonly exampleId: string;

  constructor(message: string, exampleId: string) {
    super(message);
    this.exampleId = exampleId;
  }
}
