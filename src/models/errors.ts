import { TunechainError } from "../errors.js";
import type { ValidationIssue } from "../variables/errors.js";

/** The model never produced JSON that validates against the requested schema, repairs included. */
export class StructuredOutputError extends TunechainError {
  /** The last raw text the model returned. */
  readonly raw: string;
  readonly issues: ValidationIssue[];
  readonly attempts: number;

  constructor(message: string, details: { raw: string; issues: ValidationIssue[]; attempts: number }) {
    super(message);
    this.raw = details.raw;
    this.issues = details.issues;
    this.attempts = details.attempts;
  }
}
