import { TunechainError } from "../errors.js";

/** estimate() was given options it cannot work with; the message says what to change. */
export class EstimateOptionsError extends TunechainError {}
