import { TunechainError } from "../errors.js";

/** A subclass of Optimizer did not implement one of its abstract methods. */
export class NotImplementedError extends TunechainError {}

/** An optimizer was called with input it cannot work with. */
export class OptimizerInputError extends TunechainError {}

/** An optimizer was constructed with an option value it cannot use (out of range, wrong type, missing model). */
export class OptimizerOptionError extends TunechainError {}
