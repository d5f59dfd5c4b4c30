import { APIConnectionError } from "openai";
import { describe, expect, it } from "vitest";
import { findMustSurfaceError, MustSurfaceError, TunechainError } from "../../src/errors.js";
import { BudgetExceededError } from "../../src/models/errors.js";
import { isRetryable, MAX_RETRY_AFTER_MS, retryAfterMs } from "../../src/models/retry-policy.js";
import { FixtureConfigError, FixtureMissError } from "../../src/testing/errors.js";
import { isFinalError, withRetries } from "../../src/training/retry.js";

const withHeaders = (status: number, headers: Record<string, string>) => ({ status, headers: new Headers(headers) });

describe("retry policy", () => {
  it("retries 429, 408, 5xx and network failures, not other 4xx", () => {
    expect([429, 408, 500, 503].map((status) => isRetryable({ status }))).toEqual([true, true, true, true]);
    expect([400, 401, 403, 404, 422].map((status) => isRetryable({ status }))).toEqual([false, false, false, false, false]);
    expect(isRetryable(new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "ECONNRESET" }) }))).toBe(true);
    expect(isRetryable(new TypeError("Cannot read properties of undefined"))).toBe(false);
  });

  it("reads retry-after-ms, retry-after in seconds or as a date, and caps it", () => {
    expect(retryAfterMs(withHeaders(429, { "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMs(withHeaders(429, { "retry-after": "2" }))).toBe(2000);
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(retryAfterMs(withHeaders(429, { "retry-after": "Wed, 25 Nov 2026 12:00:03 GMT" }), now)).toBe(3000);
    expect(retryAfterMs(withHeaders(429, { "retry-after": "3600" }))).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs(withHeaders(429, {}))).toBeUndefined();
    expect(retryAfterMs({ status: 429, headers: { "retry-after": "1" } })).toBe(1000);
  });

  it("never retries a MustSurfaceError, however deep the HTTP client and LangChain wrapped it", () => {
    const miss = new FixtureMissError("test/fixtures/run.json", "POST /v1/chat/completions", "nothing like it was recorded");
    const connection = new APIConnectionError({ cause: miss }); // what the openai client makes of a fetch that threw
    expect(connection.message).toBe("Connection error.");
    expect(isRetryable(new TypeError("fetch failed"))).toBe(true);
    expect(isRetryable(connection)).toBe(false);
    expect(isRetryable(new Error("wrapped again", { cause: connection }))).toBe(false);
  });
});

describe("findMustSurfaceError", () => {
  it("finds the marked error along the cause chain, and nothing in unmarked or cyclic chains", () => {
    const miss = new FixtureMissError("c.json", "GET /", "reason");
    expect(findMustSurfaceError(miss)).toBe(miss);
    expect(findMustSurfaceError(new Error("outer", { cause: new APIConnectionError({ cause: miss }) }))).toBe(miss);
    expect(findMustSurfaceError(new FixtureConfigError("bad cassette"))).toBeInstanceOf(FixtureConfigError);
    expect(findMustSurfaceError(new BudgetExceededError("maxCalls", 1, 1, "1 call made"))).toBeInstanceOf(MustSurfaceError);
    // An ordinary TunechainError is final for retries but may be reported as a result: not marked.
    expect(findMustSurfaceError(new TunechainError("user mistake"))).toBeUndefined();
    expect(findMustSurfaceError("a string")).toBeUndefined();
    const cyclic: Error & { cause?: unknown } = new Error("a");
    cyclic.cause = new Error("b", { cause: cyclic });
    expect(findMustSurfaceError(cyclic)).toBeUndefined();
  });

  it("recognises the marker of another copy of tunechain (a Symbol.for key, not the class)", () => {
    const foreign = Object.assign(new Error("stale cassette (other copy)"), { [Symbol.for("tunechain.mustSurface")]: true });
    expect(findMustSurfaceError(new Error("wrapper", { cause: foreign }))).toBe(foreign);
  });

  it("makes the program-run retries rethrow the marked error itself, on the first attempt", async () => {
    const miss = new FixtureMissError("c.json", "POST /v1/chat/completions", "reason");
    let attempts = 0;
    const error = await withRetries(
      async () => {
        attempts += 1;
        throw new APIConnectionError({ cause: miss });
      },
      { retries: 3, retryDelayMs: 0 },
    ).catch((e: unknown) => e);
    expect(error).toBe(miss);
    expect(attempts).toBe(1);
    expect(isFinalError(new APIConnectionError({ cause: miss }))).toBe(true);
    expect(isFinalError(new APIConnectionError({ cause: new Error("ECONNRESET") }))).toBe(false);
  });
});
