import { setTimeout as sleep } from "node:timers/promises";
import { findMustSurfaceError, TunechainError } from "../errors.js";
import { isRetryable } from "../models/retry-policy.js";

export interface RetryOptions {
  /** Extra attempts after a transient failure (429, 408, 5xx, network, timeout) of a program run (default 3). */
  retries?: number;
  /** Wait before the first retry, doubled for each next one (default 250 ms). */
  retryDelayMs?: number;
}

/**
 * Errors that end the evaluation instead of becoming a score: the caller aborted, a budget is spent, or the
 * user's setup is wrong (every TunechainError that a candidate cannot cause). Matched by name so two copies
 * of a module still agree.
 */
export function isFinalError(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "BudgetExceededError" || name === "MetricBudgetExceededError") return true;
  if (findMustSurfaceError(error) !== undefined) return true;
  return error instanceof TunechainError && !CANDIDATE_ERRORS.has(String(name));
}

/** tunechain errors a candidate value can cause inside a program run: they are the candidate's score, not a stop. */
const CANDIDATE_ERRORS = new Set(["PromptPlaceholderError", "StructuredOutputError", "ModelRequestError", "ModelTimeoutError"]);

/**
 * Failures another attempt may fix: rate limits, server errors, network faults and timeouts. A SyntaxError is
 * a malformed server answer only when a model call failed with it; thrown after the model answered, it is the
 * program's parser refusing the answer — the candidate's doing, not the network's.
 */
export function isTransient(error: unknown, options: { modelCallFailed?: boolean } = {}): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "SyntaxError" && options.modelCallFailed === false) return false;
  if (isRetryable(error)) return true;
  return name === "TimeoutError" || name === "AbortError" || name === "ModelTimeoutError";
}

/** Runs `task`, retrying transient failures; every other failure is thrown at once with the attempts used. */
export async function withRetries<T>(
  task: () => Promise<T>,
  options: RetryOptions & { signal?: AbortSignal; transient?: (error: unknown) => boolean },
): Promise<T> {
  const retries = options.retries ?? 3;
  const delay = options.retryDelayMs ?? 250;
  for (let attempt = 0; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      const done = attempt >= retries || isFinalError(error, options.signal) || !(options.transient ?? isTransient)(error);
      // An error that must surface (a stale fixture, a spent budget) is thrown as itself, unwrapped.
      if (done) throw Object.assign(wrap(findMustSurfaceError(error) ?? error), { attempts: attempt + 1 });
      if (delay > 0) await sleep(delay * 2 ** attempt, undefined, { signal: options.signal });
    }
  }
}

function wrap(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
