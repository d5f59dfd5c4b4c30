import { setTimeout as sleep } from "node:timers/promises";
import { findMustSurfaceError, TunechainError } from "../errors.js";

export interface RetryOptions {
  /** Extra attempts after the first failure (default 3). */
  retries?: number;
  /** Wait before the first retry, doubled for each next one (default 250 ms). */
  retryDelayMs?: number;
}

/**
 * Errors that another attempt cannot fix: the caller aborted, the budget is spent, or the user's own
 * setup is wrong (every TunechainError). Matched by name so two copies of a module still agree. An
 * AbortError without our signal aborted is a client timeout: worth another attempt.
 */
export function isFinalError(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return error instanceof TunechainError || name === "BudgetExceededError" || findMustSurfaceError(error) !== undefined;
}

/** Runs `task` until it succeeds, retrying transient failures; returns its result and the attempts used. */
export async function withRetries<T>(
  task: () => Promise<T>,
  options: RetryOptions & { signal?: AbortSignal },
): Promise<T> {
  const retries = options.retries ?? 3;
  const delay = options.retryDelayMs ?? 250;
  for (let attempt = 0; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= retries || isFinalError(error, options.signal)) throw Object.assign(wrap(findMustSurfaceError(error) ?? error), { attempts: attempt + 1 });
      if (delay > 0) await sleep(delay * 2 ** attempt, undefined, { signal: options.signal });
    }
  }
}

function wrap(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
