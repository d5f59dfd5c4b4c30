import { setTimeout as sleep } from "node:timers/promises";
import pLimit, { type LimitFunction } from "p-limit";
import pRetry, { AbortError } from "p-retry";
import { TunechainError } from "../errors.js";
import { ModelRequestError, ModelTimeoutError } from "./errors.js";
import type { ResolvedModelOptions } from "./options.js";
import { isRetryable, retryAfterMs, statusOf } from "./retry-policy.js";
import type { TokenUsage } from "./types.js";

/** Marks a failed attempt whose own timeout fired (as opposed to the caller aborting). */
class AttemptTimeout extends Error {
  override readonly name = "AttemptTimeout";
}

/** A TunechainError the HTTP client wrapped (e.g. openai's APIConnectionError around our fetch's error). */
function tunechainCause(error: unknown): TunechainError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof TunechainError) return current;
  }
  return undefined;
}

/**
 * Everything between "call the model" and the HTTP request: the concurrency slot, the budget reservation,
 * the per-attempt timeout and the retries. One limiter per adapter, so each model has its own concurrency.
 */
export class CallLimiter {
  private readonly limit: LimitFunction;

  constructor(
    private readonly modelName: string,
    private readonly options: ResolvedModelOptions,
  ) {
    this.limit = pLimit(options.concurrency);
  }

  /** Calls running now (holding a concurrency slot). */
  get activeCount(): number {
    return this.limit.activeCount;
  }

  /**
   * Runs one model request: waits for a slot, reserves budget, then sends with retries. `send` receives the
   * signal of the attempt (caller's signal + timeout) and must pass it to the HTTP client.
   */
  run<T extends { usage: TokenUsage }>(send: (signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): Promise<T> {
    callerSignal?.throwIfAborted();
    return this.limit(async () => {
      callerSignal?.throwIfAborted();
      const { ledger, budget, role } = this.options;
      const reservation = ledger.reserve(budget, role, this.modelName);
      try {
        const result = await this.withRetries(send, callerSignal);
        reservation.commit(result.usage);
        return result;
      } catch (error) {
        reservation.release();
        throw error;
      }
    });
  }

  private async withRetries<T>(send: (signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): Promise<T> {
    const { maxRetries, timeoutMs, retryDelayMs } = this.options;
    let attempts = 0;
    try {
      return await pRetry(
        async () => {
          attempts += 1;
          const timeout = AbortSignal.timeout(timeoutMs);
          const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
          try {
            return await send(signal);
          } catch (error) {
            if (timeout.aborted && !callerSignal?.aborted) throw new AttemptTimeout("attempt timed out", { cause: error });
            // Our own errors (a fixture miss inside a custom fetch, a budget refusal) are final and surface as is.
            const ours = tunechainCause(error);
            if (ours) throw new AbortError(ours);
            throw error;
          }
        },
        {
          retries: maxRetries,
          factor: 2,
          minTimeout: retryDelayMs,
          maxTimeout: 30_000,
          randomize: true,
          signal: callerSignal,
          shouldRetry: ({ error }) => error instanceof AttemptTimeout || isRetryable(error),
          // Honour Retry-After: p-retry waits `retryDelay` after this hook, so wait the rest here.
          onFailedAttempt: async ({ error, retryDelay, retriesLeft }) => {
            if (retriesLeft === 0 || !isRetryable(error)) return;
            const asked = retryAfterMs(error);
            if (asked !== undefined && asked > retryDelay) {
              await sleep(asked - retryDelay, undefined, callerSignal ? { signal: callerSignal } : undefined);
            }
          },
        },
      );
    } catch (error) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      throw this.describeFailure(error, attempts);
    }
  }

  private describeFailure(error: unknown, attempts: number): unknown {
    if (error instanceof TunechainError) return error;
    if (error instanceof AttemptTimeout) return new ModelTimeoutError(this.options.timeoutMs, attempts);
    const status = statusOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (status !== undefined && !isRetryable(error)) {
      return new ModelRequestError(
        `Model '${this.modelName}' refused the request with HTTP ${status}: ${message}. ` +
          "Not retried: a 4xx answer other than 408/429 means the request itself is wrong " +
          "(check the model name, the API key, and that the server supports the requested options).",
        { status, attempts, cause: error },
      );
    }
    if (isRetryable(error)) {
      return new ModelRequestError(
        `Model '${this.modelName}' failed after ${attempts} attempt(s)` +
          `${status === undefined ? "" : ` (last answer HTTP ${status})`}: ${message}. ` +
          "The server is overloaded or unreachable; raise maxRetries / retryDelayMs, lower concurrency, or check the server.",
        { ...(status === undefined ? {} : { status }), attempts, cause: error },
      );
    }
    return error;
  }
}
