import { TunechainError } from "../errors.js";

/** fit / evaluate were given options they cannot work with. */
export class TrainingOptionsError extends TunechainError {}

/** The dataset is empty, malformed, or has two different examples under one id. */
export class DatasetError extends TunechainError {}

/**
 * Most of the seed validation failed: the program, its model or the dataset is broken, which no prompt search
 * can fix. Carries the first failures so the message shows what went wrong.
 */
export class SeedValidationError extends TunechainError {
  readonly failures: { exampleId: string; error: string }[];

  constructor(failed: number, total: number, failures: { exampleId: string; error: string }[]) {
    super(
      `The program failed on ${failed} of ${total} examples of the seed evaluation, before any tuning; that is a broken ` +
        `setup, not something to search over. First failures:\n${failures
          .slice(0, 3)
          .map((f) => `  - example '${f.exampleId}': ${f.error}`)
          .join("\n")}\nRun the program on one of these inputs alone to see the error, fix it, then tune.`,
    );
    this.failures = failures;
  }
}

/** An example does not give a value a prompt of the program needs. Found before any model call. */
export class MissingPromptInputError extends TunechainError {
  readonly exampleId: string;
  readonly key: string;

  constructor(exampleId: string, key: string, where: string) {
    super(
      `Example '${exampleId}' has no input '${key}', which ${where} needs. Add '${key}' to the example's \`input\` ` +
        "(every example must give every input variable of the prompts the program starts with), or remove the " +
        `{${key}} placeholder from the prompt.`,
    );
    this.exampleId = exampleId;
    this.key = key;
  }
}

/**
 * The run's metric budget (`maxMetricCalls`, program runs not served from the cache) cannot pay for an
 * evaluation. Nothing of that evaluation was run; the training loop ends the run cleanly on it.
 */
export class MetricBudgetExceededError extends TunechainError {
  readonly limit: number;
  readonly used: number;
  readonly requested: number;

  constructor(limit: number, used: number, requested: number) {
    super(
      `maxMetricCalls=${limit} reached: ${used} program runs were paid and this evaluation needs ${requested} more. ` +
        "Nothing was run. Raise maxMetricCalls to search longer.",
    );
    this.limit = limit;
    this.used = used;
    this.requested = requested;
  }
}

/** A checkpoint file cannot be read or does not belong to this run. Nothing was restored. */
export class CheckpointError extends TunechainError {}

/** An artifact file cannot be read or does not fit the program. Nothing was assigned. */
export class ArtifactError extends TunechainError {}
