// Which failed model calls are worth another attempt, and how long the server asked us to wait.
import { findMustSurfaceError } from "../errors.js";

/** The longest server-requested wait we honour; a longer Retry-After is capped so a run cannot stall. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Network failures Node reports by code (fetch wraps them in `cause`). */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** HTTP status carried by an error from the openai client or a LangChain chat model, if any. */
export function statusOf(error: unknown): number | undefined {
  const status = field(error, "status") ?? field(field(error, "response"), "status");
  return typeof status === "number" ? status : undefined;
}

function isNetworkError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = field(current, "cause"), depth++) {
    const code = field(current, "code");
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    const name = field(current, "name");
    // openai's APIConnectionError (not its user-abort subclass) means the request never got an answer.
    if (name === "APIConnectionError" || name === "APIConnectionTimeoutError") return true;
    const constructorName = (current as { constructor?: { name?: string } }).constructor?.name;
    if (constructorName === "APIConnectionError" || constructorName === "APIConnectionTimeoutError") return true;
    if (name === "TypeError" && /fetch failed|terminated|network/i.test(String(field(current, "message")))) {
      return true;
    }
    // A body that is not JSON, or a stream cut short, is a server fault like a 5xx.
    // (The SDK's "invalid structured output JSON" is the model's answer, not a transport fault.)
    if (name === "SyntaxError" && !/structured output/i.test(String(field(current, "message")))) return true;
  }
  return false;
}

/**
 * 429, 408 and 5xx answers and network failures are transient; every other 4xx means the request is wrong.
 * Never a MustSurfaceError, however it was wrapped: a FixtureMissError thrown by a custom fetch reaches us
 * as the openai client's "Connection error." (a network failure by every other sign).
 */
export function isRetryable(error: unknown): boolean {
  if (findMustSurfaceError(error)) return false;
  const status = statusOf(error);
  if (status !== undefined) return status === 429 || status === 408 || status >= 500;
  return isNetworkError(error);
}

function headerOf(error: unknown, name: string): string | undefined {
  const headers = field(error, "headers") ?? field(field(error, "response"), "headers");
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

/** The wait the server asked for (`retry-after-ms`, or `retry-after` in seconds or as a date), capped. */
export function retryAfterMs(error: unknown, now: number = Date.now()): number | undefined {
  const ms = headerOf(error, "retry-after-ms");
  if (ms !== undefined && Number.isFinite(Number(ms)) && Number(ms) >= 0) {
    return Math.min(Number(ms), MAX_RETRY_AFTER_MS);
  }
  const after = headerOf(error, "retry-after");
  if (after === undefined) return undefined;
  const seconds = Number(after);
  if (after.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) {
    return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  }
  const date = Date.parse(after);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}
