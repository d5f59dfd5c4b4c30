import { TunechainError } from "../errors.js";

/** The command line itself is wrong: unknown command or flag, missing argument, bad flag value. */
export class UsageError extends TunechainError {}

/** A problem located in a file; the message starts with `file:line:` (or `file:` when the line is unknown). */
export class FileProblemError extends TunechainError {
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, problem: string, options?: ErrorOptions) {
    super(`${line === undefined ? file : `${file}:${line}`}: ${problem}`, options);
    this.file = file;
    this.line = line;
  }
}

/** A config file cannot be loaded or does not export what the command needs. */
export class ConfigError extends FileProblemError {}

/** A dataset file cannot be read or one of its records is not an example. */
export class DatasetFileError extends FileProblemError {}
