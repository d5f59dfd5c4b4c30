import { describe, expect, it } from "vitest";
import { isRetryable, MAX_RETRY_AFTER_MS, retryAfterMs } from "../../src/models/retry-policy.js";

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
});
