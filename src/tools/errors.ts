import { TunechainError } from "../errors.js";

/** A tool given to trainableTool cannot carry a trainable description (see the message). */
export class ToolConfigurationError extends TunechainError {}

/** A per-call value given through `config.configurable.tunechain` does not fit the tool's variable. */
export class ToolOverrideError extends TunechainError {}
