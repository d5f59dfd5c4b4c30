import type { Runnable, RunnableConfig } from "@langchain/core/runnables";
import pLimit, { type LimitFunction } from "p-limit";
import type { CandidateValues, Example, ScoredPrediction } from "../optimizers/context.js";
import { withVariableOverrides } from "../prompts/overrides.js";
import { scoreWith, type Reward } from "../rewards/reward.js";
import type { Variable } from "../variables/variable.js";
import type { IdentifiedExample } from "./dataset.js";
import { ProgramRunError, TrainingOptionsError } from "./errors.js";
import { hashJson } from "./files.js";
import { isFinalError, withRetries, type RetryOptions } from "./retry.js";

/** How the evaluation cache served requests. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries held now (bounded by `cacheSize`). */
  size: number;
}

export interface ProgramEvaluatorOptions<Output = unknown> extends RetryOptions {
  /** The program; its input is each example's `input`. */
  program: Runnable<never, Output>;
  reward: Reward<Output>;
  variables: readonly Variable<object>[];
  /** Examples evaluated at once (default 4). */
  concurrency?: number;
  /** Config of every program run (callbacks, tags…); overrides are added to it. */
  config?: RunnableConfig;
  /** Most (values, example) results kept; the oldest go first (default 4096). */
  cacheSize?: number;
  /**
   * Called before each program run (not for cache hits); what it throws stops the evaluation. fit checks the
   * budget here, so a spent budget stops runs before their model call is refused inside LangChain.
   */
  beforeRun?: () => void;
}

/**
 * Runs the program on examples with given variable values and scores the answers. Results are cached by
 * (every variable's value, example id), so an optimizer re-checking a candidate on seen examples is free.
 * Candidates travel in the run config, never through the shared variables, so evaluations may overlap.
 */
export class ProgramEvaluator<Output = unknown> {
  readonly stats: CacheStats = { hits: 0, misses: 0, size: 0 };
  private readonly cache = new Map<string, ScoredPrediction>();
  private readonly inFlight = new Map<string, Promise<ScoredPrediction>>();
  private readonly limit: LimitFunction;
  private readonly options: ProgramEvaluatorOptions<Output>;

  constructor(options: ProgramEvaluatorOptions<Output>) {
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TrainingOptionsError(`concurrency must be a positive integer, got ${String(concurrency)}.`);
    }
    this.options = options;
    this.limit = pLimit(concurrency);
  }

  /** The current value of every variable, by name. */
  currentValues(): CandidateValues {
    return Object.fromEntries(this.options.variables.map((v) => [v.name, v.json() as Record<string, unknown>]));
  }

  /** Scores the program on `examples` with `candidate` in place of the named variables (others: current). */
  evaluate = async (
    candidate: CandidateValues,
    examples: readonly Example[],
    runOptions: { signal?: AbortSignal } = {},
  ): Promise<ScoredPrediction[]> => {
    const values = { ...this.currentValues(), ...structuredClone(candidate) };
    const valuesKey = hashJson(values);
    return Promise.all(
      examples.map((example) => this.evaluateOne(values, valuesKey, example as IdentifiedExample, runOptions.signal)),
    );
  };

  private async evaluateOne(
    values: CandidateValues,
    valuesKey: string,
    example: IdentifiedExample,
    signal: AbortSignal | undefined,
  ): Promise<ScoredPrediction> {
    const id = example.id ?? hashJson(example.input);
    const key = `${valuesKey}:${id}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.stats.hits += 1;
      // Refresh its place: the cache drops the least recently used entries first.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return structuredClone(cached);
    }
    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      this.stats.hits += 1;
      return structuredClone(await pending);
    }
    this.stats.misses += 1;
    const run = this.limit(() => this.runAndScore(values, { ...example, id }, signal));
    this.inFlight.set(key, run);
    try {
      const prediction = await run;
      this.remember(key, prediction);
      return structuredClone(prediction);
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async runAndScore(
    values: CandidateValues,
    example: IdentifiedExample,
    signal: AbortSignal | undefined,
  ): Promise<ScoredPrediction> {
    signal?.throwIfAborted();
    this.options.beforeRun?.();
    const config = withVariableOverrides({ ...this.options.config, ...(signal ? { signal } : {}) }, values);
    let output: Output;
    try {
      output = await withRetries(() => this.options.program.invoke(example.input as never, config), {
        retries: this.options.retries,
        retryDelayMs: this.options.retryDelayMs,
        signal,
      });
    } catch (error) {
      if (isFinalError(error, signal)) throw error;
      throw new ProgramRunError(example.id, (error as { attempts?: number }).attempts ?? 1, error);
    }
    const { score, feedback } = await scoreWith(this.options.reward, output, example, {
      signal,
      config: this.options.config,
    });
    const prediction: ScoredPrediction = { exampleId: example.id, input: example.input, output: jsonOutput(output), score };
    if (example.expected !== undefined) prediction.expected = example.expected;
    if (feedback !== undefined) prediction.feedback = feedback;
    return prediction;
  }

  /** The `limit` most recently used cache entries, oldest first, for a checkpoint. */
  cacheEntries(limit: number): [string, ScoredPrediction][] {
    const entries = [...this.cache.entries()];
    return entries.slice(Math.max(0, entries.length - limit));
  }

  /** Puts checkpointed entries back (oldest first), so a resumed run does not pay for them again. */
  restoreCache(entries: readonly [string, ScoredPrediction][]): void {
    for (const [key, prediction] of entries) this.remember(key, structuredClone(prediction));
  }

  private remember(key: string, prediction: ScoredPrediction): void {
    const capacity = this.options.cacheSize ?? 4096;
    if (capacity <= 0) return;
    this.cache.set(key, prediction);
    while (this.cache.size > capacity) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    this.stats.size = this.cache.size;
  }
}

/**
 * The output as plain JSON, for optimizer memory and checkpoints: a chat message becomes its text (or its
 * content parts), anything else a JSON copy. The reward has already seen the raw output.
 */
export function jsonOutput(output: unknown): unknown {
  if (output === undefined) return null;
  const message = output as { content?: unknown; getType?: unknown };
  const value = typeof message === "object" && message !== null && typeof message.getType === "function" ? message.content : output;
  if (typeof value === "string") return value;
  try {
    return JSON.parse(JSON.stringify(value) ?? "null") as unknown;
  } catch {
    return String(value);
  }
}

/** Mean score of predictions; 0 for none. */
export function meanScore(predictions: readonly ScoredPrediction[]): number {
  if (predictions.length === 0) return 0;
  return predictions.reduce((sum, p) => sum + p.score, 0) / predictions.length;
}
