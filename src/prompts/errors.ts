import { TunechainError } from "../errors.js";

/** Instructions use a placeholder the prompt has no input variable for (or a template that does not parse). */
export class PromptPlaceholderError extends TunechainError {
  readonly unknownPlaceholders: string[];

  constructor(message: string, unknownPlaceholders: string[] = []) {
    super(message);
    this.unknownPlaceholders = unknownPlaceholders;
  }
}

/** A TrainablePrompt was built from parts it cannot use. */
export class PromptConfigurationError extends TunechainError {}

/** A per-call value given through `config.configurable.tunechain` does not fit the prompt's variable. */
export class PromptOverrideError extends TunechainError {}

/** Two different variables in one program share a name: artifacts and checkpoints could not tell them apart. */
export class DuplicateVariableNameError extends TunechainError {
  readonly variableName: string;

  constructor(variableName: string) {
    super(
      `The program holds two different trainable variables named '${variableName}'. Names key artifacts, ` +
        "checkpoints and per-call overrides, so they must be unique: give each TrainablePrompt its own `name` " +
        "(or pass the same `variable` to both prompts if they are meant to share it).",
    );
    this.variableName = variableName;
  }
}
