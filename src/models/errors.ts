import { MustSurfaceError, TunechainError } from "../errors.js";
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

/** Which limit of a Budget a call would pass. */
export type BudgetLimit = "maxCalls" | "maxTokens" | "maxCostUsd";

/**
 * A model call was refused before it was sent because the budget is spent. Nothing was sent, so a run
 * can stop here and keep everything it has so far. A MustSurfaceError: no retry or fallback tries again.
 */
export class BudgetExceededError extends MustSurfaceError {
  readonly limit: BudgetLimit;
  /** The configured limit. */
  readonly max: number;
  /** What was used (calls include those in flight). */
  readonly used: number;

  constructor(limit: BudgetLimit, max: number, used: number, detail: string) {
    super(
      `Budget exhausted: ${limit}=${max} reached (${detail}). The call was not sent. ` +
        `Raise budget.${limit} (or remove it) to allow more, or resume from the last checkpoint with a larger budget.`,
    );
    this.limit = limit;
    this.max = max;
    this.used = used;
  }
}

/** An option given to a model adapter, ledger or budget is out of range. */
export class ModelOptionsError extends TunechainError {}

/** The model server answered with an error, or could not be reached, after every allowed attempt. */
export class ModelRequestError extends TunechainError {
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  readonly attempts: number;

  constructor(message: string, details: { status?: number; attempts: number; cause: unknown }) {
    super(message, { cause: details.cause });
    this.status = details.status;
    this.attempts = details.attempts;
  }
}

/** A model call took longer than its per-call timeout on every allowed attempt. */
export class ModelTimeoutError extends TunechainError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, attempts: number) {
    super(
      `The model call did not finish within timeoutMs=${timeoutMs} ms (${attempts} attempt(s)). ` +
        "Raise the timeoutMs option if the model is slow, or check that the server is reachable and not overloaded.",
    );
    this.timeoutMs = timeoutMs;
  }
}
