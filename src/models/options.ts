import { rejectUnknownArguments } from "../errors.js";
import { ModelOptionsError } from "./errors.js";
import type { Budget, ModelRole } from "./types.js";
import { assertValidBudget, UsageLedger } from "./usage-ledger.js";

/** How an adapter calls its model: role for usage, limits, budget and structured-output repairs. */
export interface LanguageModelOptions {
  /** Whose usage this is in the ledger. Default "optimizer". */
  role?: ModelRole;
  /** Most calls of this model in flight at once. Default 4. */
  concurrency?: number;
  /** Retries after 429, 408, 5xx and network errors (not other 4xx). Default 3. */
  maxRetries?: number;
  /** Per-attempt timeout in ms, combined with the caller's signal. Default 120000. */
  timeoutMs?: number;
  /** Where calls and tokens are recorded; share one ledger across models to enforce one budget. */
  ledger?: UsageLedger;
  /** Checked before every call (repairs included) against the ledger. */
  budget?: Budget;
  /** Default sampling temperature (a call's own `temperature` wins). */
  temperature?: number;
  /** Extra rounds that show the model its validation errors before StructuredOutputError. Default 2. */
  maxRepairs?: number;
  /** First backoff delay in ms; later ones double, with jitter. Default 500. */
  retryDelayMs?: number;
}

export const LANGUAGE_MODEL_OPTION_KEYS = [
  "role",
  "concurrency",
  "maxRetries",
  "timeoutMs",
  "ledger",
  "budget",
  "temperature",
  "maxRepairs",
  "retryDelayMs",
] as const;

/** Options with every default filled in. */
export interface ResolvedModelOptions {
  role: ModelRole;
  concurrency: number;
  maxRetries: number;
  timeoutMs: number;
  ledger: UsageLedger;
  budget: Budget | undefined;
  temperature: number | undefined;
  maxRepairs: number;
  retryDelayMs: number;
}

function integerAtLeast(owner: string, key: string, value: number | undefined, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new ModelOptionsError(`${owner}: ${key} must be an integer >= ${min}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function positiveNumber(owner: string, key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ModelOptionsError(`${owner}: ${key} must be a positive number of milliseconds, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Validates options (unknown keys included) and fills defaults. `extraKeys` are the adapter's own keys. */
export function resolveModelOptions(
  owner: string,
  options: LanguageModelOptions,
  extraKeys: readonly string[] = [],
): ResolvedModelOptions {
  rejectUnknownArguments(owner, options, [...LANGUAGE_MODEL_OPTION_KEYS, ...extraKeys]);
  const role = options.role ?? "optimizer";
  if (!["task", "optimizer", "judge"].includes(role)) {
    throw new ModelOptionsError(`${owner}: role must be "task", "optimizer" or "judge", got ${JSON.stringify(role)}.`);
  }
  if (options.budget) assertValidBudget(options.budget);
  if (options.ledger !== undefined && !(options.ledger instanceof UsageLedger)) {
    throw new ModelOptionsError(`${owner}: ledger must be a UsageLedger (new UsageLedger()).`);
  }
  if (options.temperature !== undefined && !(options.temperature >= 0 && options.temperature <= 2)) {
    throw new ModelOptionsError(`${owner}: temperature must be between 0 and 2, got ${JSON.stringify(options.temperature)}.`);
  }
  return {
    role,
    concurrency: integerAtLeast(owner, "concurrency", options.concurrency, 1, 4),
    maxRetries: integerAtLeast(owner, "maxRetries", options.maxRetries, 0, 3),
    timeoutMs: positiveNumber(owner, "timeoutMs", options.timeoutMs, 120_000),
    ledger: options.ledger ?? new UsageLedger(),
    budget: options.budget,
    temperature: options.temperature,
    maxRepairs: integerAtLeast(owner, "maxRepairs", options.maxRepairs, 0, 2),
    retryDelayMs: positiveNumber(owner, "retryDelayMs", options.retryDelayMs, 500),
  };
}
