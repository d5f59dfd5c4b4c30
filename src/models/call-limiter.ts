import { setTimeout as sleep } from "node:timers/promises";
import pLimit, { type LimitFunction } from "p-limit";
import pRetry, { AbortError } from "p-retry";
import { findInCauseChain, findMustSurfaceError, TunechainError } from "../errors.js";
import { ModelRequestError, ModelTimeoutError } from "./errors.js";
import type { ResolvedModelOptions } from "./options.js";
import { isRetryable, retryAfterMs, statusOf } from "./retry-policy.js";
import type { TokenUsage } from "./types.js";

/** Marks a failed attempt whose own timeout fired (as opposed to the caller aborting). */
class AttemptTimeout extends Error {
  override readonly name = "AttemptTimeout";
}

const isTunechainError = (candidate: unknown): candidate is TunechainError => candidate instanceof TunechainError;

/**
 * Our own errors (a fixture miss inside a custom fetch, a budget refusal) are final and surface as
 * themselves, unwrapped from the HTTP client's error (e.g. openai's APIConnectionError around our fetch's).
 */
function finalIfOurs(error: unknown): unknown {
  const ours = findMustSurfaceError(error) ?? findInCauseChain(error, isTunechainError);
  return ours ? new AbortError(ours) : error;
}

/** The HTTP client gave up waiting (openai's APIConnectionTimeoutError, or LangChain's TimeoutError). */
function isClientTimeout(error: unknown): boolean {
  const name = (error as { constructor?: { name?: string } } | undefined)?.constructor?.name;
  return name === "APIConnectionTimeoutError" || (error instanceof Error && error.name === "TimeoutError");
}

/**
 * Everything between "call the model" and the HTTP request: the concurrency slot, the budget reservation,
 * the per-attempt timeout and the retries. One limiter per adapter, so each model has its own concurrency.
 */
export class CallLimiter {
  private readonly limit: LimitFunction;

  /**
   * `clientEnforcesTimeout`: the HTTP client applies `timeoutMs` itself (the openai client's per-request
   * `timeout`, which it arms anyway), so the limiter adds no timer of its own; a per-call timer costs
   * measurable CPU at high call rates.
   */
  constructor(
    private readonly modelName: string,
    private readonly options: ResolvedModelOptions,
    private readonly clientEnforcesTimeout = false,
  ) {
    this.limit = pLimit(options.concurrency);
  }

  /** Calls running now (holding a concurrency slot). */
  get activeCount(): number {
    return this.limit.activeCount;
  }

  /**
   * Runs one model request: waits for a slot, reserves budget, then sends with retries. `send` receives the
   * signal of the attempt (caller's signal, plus the timeout unless the client enforces it) and must pass it
   * to the HTTP client.
   */
  run<T extends { usage: TokenUsage }>(
    send: (signal: AbortSignal | undefined) => Promise<T>,
    callerSignal?: AbortSignal,
  ): Promise<T> {
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

  private async withRetries<T>(
    send: (signal: AbortSignal | undefined) => Promise<T>,
    callerSignal?: AbortSignal,
  ): Promise<T> {
    const { maxRetries, timeoutMs, retryDelayMs } = this.options;
    let attempts = 0;
    try {
      return await pRetry(
        async () => {
          attempts += 1;
          if (this.clientEnforcesTimeout) {
            try {
              return await send(callerSignal);
            } catch (error) {
              if (isClientTimeout(error) && !callerSignal?.aborted) throw new AttemptTimeout("attempt timed out", { cause: error });
              throw finalIfOurs(error);
            }
          }
          // A cleared timer per attempt instead of AbortSignal.timeout: the latter keeps a live timer (and its
          // signal) for the whole timeout after the call is done, which costs GC time at high call rates.
          const controller = new AbortController();
          let timedOut = false;
          const timer = setTimeout(() => {
            timedOut = true;
            controller.abort(new DOMException(`Model call exceeded ${timeoutMs} ms`, "TimeoutError"));
          }, timeoutMs);
          const forwardAbort = () => controller.abort(callerSignal?.reason);
          callerSignal?.addEventListener("abort", forwardAbort, { once: true });
          try {
            return await send(controller.signal);
          } catch (error) {
            if (timedOut && !callerSignal?.aborted) throw new AttemptTimeout("attempt timed out", { cause: error });
            throw finalIfOurs(error);
          } finally {
            clearTimeout(timer);
            callerSignal?.removeEventListener("abort", forwardAbort);
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
    const mustSurface = findMustSurfaceError(error);
    if (mustSurface) return mustSurface;
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
