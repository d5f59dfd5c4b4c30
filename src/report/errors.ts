import { TunechainError } from "../errors.js";

/** A file given as a run record is not one: unreadable, not JSON, or missing what a report needs. */
export class RunRecordError extends TunechainError {
  readonly file: string;

  constructor(file: string, problem: string, options?: ErrorOptions) {
    super(
      `${file}: ${problem}. Pass the run record that \`tunechain tune\` or fit wrote (a JSON file with ` +
        `version 2, status, metricCalls, history, leaderboard, proposals, models and usage).`,
      options,
    );
    this.file = file;
  }
}
