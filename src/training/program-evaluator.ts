import type { RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import pLimit, { type LimitFunction } from "p-limit";
import type { CandidateValues, ScoredPrediction } from "../data/scored-prediction.js";
import type { Example } from "../data/example.js";
import type { ProgramTrace } from "../data/trace.js";
import type { EvaluationPhase } from "../optimizers/context.js";
import { withVariableOverrides } from "../prompts/overrides.js";
import { scoreWith, type Reward } from "../rewards/reward.js";
import { withCallbackHandler } from "../traces/callbacks.js";
import { ComponentTraceCollector } from "../traces/component-trace-collector.js";
import { clipText, contentText, isMessage, plainJson, toolCallsOf } from "../traces/plain-json.js";
import type { Variable } from "../variables/variable.js";
import type { IdentifiedExample } from "./dataset.js";
import { MetricBudgetExceededError, MissingPromptInputError, TrainingOptionsError } from "./errors.js";
import { hashJson } from "./files.js";
import { isFinalError, isTransient, withRetries, type RetryOptions } from "./retry.js";

/** How the evaluation cache served requests. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries held now (bounded by `cacheSize`). */
  size: number;
}

/** Program runs paid for (cache misses), in all and by what they were for. */
export interface MetricCallStats {
  used: number;
  /** The run's limit, when one is set. */
  limit?: number;
  byPhase: Partial<Record<EvaluationPhase, number>>;
}

/**
 * What fit, evaluate and the artifact functions accept as a program: anything with a LangChain-style
 * `invoke(input, config)` — a Runnable, a compiled LangGraph graph (whose `stream` differs from a Runnable's).
 */
export interface Program<Input = never, Output = unknown> {
  invoke(input: Input, config?: RunnableConfig): Promise<Output>;
}

export interface ProgramEvaluatorOptions<Output = unknown> extends RetryOptions {
  /** The program; its input is each example's `input`. */
  program: Program<never, Output>;
  reward: Reward<Output>;
  variables: readonly Variable<object>[];
  /** Examples evaluated at once (default 4). */
  concurrency?: number;
  /** Config of every program run (callbacks, tags…); overrides are added to it. */
  config?: RunnableConfig;
  /** Most (values, example) results kept; the oldest go first (default 4096). */
  cacheSize?: number;
  /** Program runs (cache misses) this evaluator may pay for, whoever asks; unlimited when omitted. */
  maxMetricCalls?: number;
  /**
   * Called before each program run (not for cache hits); what it throws stops the evaluation. fit checks the
   * usage budget here, so a spent budget stops runs before their model call is refused inside LangChain.
   */
  beforeRun?: () => void;
  /**
   * Run each program run inside LangChain's async local storage with its config (default true). Trainable tools
   * need it to read their candidate description where a model builds its request; without any, fit turns it
   * off, since it costs a run-tree object per run.
   */
  configInAsyncContext?: boolean;
  /** Sees every prediction it returns with the values that earned it (fit keeps its validation ledger so). */
  onPrediction?: (values: CandidateValues, valuesKey: string, prediction: ScoredPrediction) => void;
}

/** Options of one `evaluate` call. */
export interface EvaluateCallOptions {
  signal?: AbortSignal;
  /** What the evaluation is for: tags, metadata and per-phase counts (default "evaluate"). */
  phase?: EvaluationPhase;
  /** The caller's run config: its callbacks make the program runs child runs of the caller's run. */
  config?: RunnableConfig;
  /** Outside the metric budget (a final test set). */
  unbudgeted?: boolean;
  /** The optimizer iteration asking, for run metadata. */
  iteration?: number;
}

/**
 * Runs the program on examples with given variable values and scores the answers. Results are cached by
 * (every variable's value, example id), so an optimizer re-checking a candidate on seen examples is free.
 * Candidates travel in the run config, never through the shared variables, so evaluations may overlap.
 *
 * It counts what it pays: every program run not served from the cache is a metric call, refused up front
 * (for the whole request) when `maxMetricCalls` cannot cover it. A run that fails after its retries is a
 * score of 0 with the error as feedback; only aborts, spent budgets and setup errors are thrown. Each run
 * carries a component-trace collector, so predictions say what every TrainablePrompt saw and produced.
 */
export class ProgramEvaluator<Output = unknown> {
  readonly stats: CacheStats = { hits: 0, misses: 0, size: 0 };
  private readonly cache = new Map<string, ScoredPrediction>();
  private readonly inFlight = new Map<string, Promise<{ prediction: ScoredPrediction; cacheable: boolean }>>();
  private readonly limit: LimitFunction;
  private readonly options: ProgramEvaluatorOptions<Output>;
  private paid = 0;
  private reserved = 0;
  private readonly paidByPhase: Partial<Record<EvaluationPhase, number>> = {};

  constructor(options: ProgramEvaluatorOptions<Output>) {
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TrainingOptionsError(`concurrency must be a positive integer, got ${String(concurrency)}.`);
    }
    const max = options.maxMetricCalls;
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new TrainingOptionsError(`maxMetricCalls must be a positive integer (program runs), got ${String(max)}.`);
    }
    this.options = options;
    this.limit = pLimit(concurrency);
  }

  /** The current value of every variable, by name. */
  currentValues(): CandidateValues {
    return Object.fromEntries(this.options.variables.map((v) => [v.name, v.json() as Record<string, unknown>]));
  }

  /** The whole program values `candidate` stands for: the current values with the candidate's in place. */
  resolve(candidate: CandidateValues): CandidateValues {
    return { ...this.currentValues(), ...structuredClone(candidate) };
  }

  /** Program runs paid so far, and the limit. */
  get metricCalls(): MetricCallStats {
    return {
      used: this.paid,
      ...(this.options.maxMetricCalls !== undefined ? { limit: this.options.maxMetricCalls } : {}),
      byPhase: { ...this.paidByPhase },
    };
  }

  /** Metric calls left under `maxMetricCalls` (Infinity without one), minus what is held in reserve. */
  remaining(): number {
    const max = this.options.maxMetricCalls;
    return max === undefined ? Number.POSITIVE_INFINITY : Math.max(0, max - this.paid - this.reserved);
  }

  /**
   * Holds `count` metric calls back from everyone until `releaseReserve()` (fit keeps the cost of one final
   * validation so a run never ends with its best program unmeasured).
   */
  reserve(count: number): void {
    this.reserved = Math.max(0, count);
  }

  releaseReserve(): void {
    this.reserved = 0;
  }

  /** Program runs that evaluating `candidate` on `examples` would pay for now (known answers are free). */
  costOf(candidate: CandidateValues, examples: readonly Example[]): number {
    return this.missingKeys(hashJson(this.resolve(candidate)), examples).size;
  }

  /**
   * Scores the program on `examples` with `candidate` in place of the named variables (others: current). The
   * predictions' nested parts (trace, input, output) are shared with the cache: treat them as read-only.
   */
  evaluate = async (
    candidate: CandidateValues,
    examples: readonly Example[],
    callOptions: EvaluateCallOptions = {},
  ): Promise<ScoredPrediction[]> => {
    const values = this.resolve(candidate);
    const valuesKey = hashJson(values);
    const phase = callOptions.phase ?? "evaluate";
    // Reserve the whole request's runs at once, before any runs: a request the budget cannot pay runs nothing.
    const missing = this.missingKeys(valuesKey, examples);
    const max = this.options.maxMetricCalls;
    if (!callOptions.unbudgeted && max !== undefined && this.paid + missing.size > max - this.reserved) {
      throw new MetricBudgetExceededError(max, this.paid, missing.size);
    }
    if (!callOptions.unbudgeted) {
      this.paid += missing.size;
      this.paidByPhase[phase] = (this.paidByPhase[phase] ?? 0) + missing.size;
    }
    const predictions = await Promise.all(
      examples.map((example) => this.evaluateOne(values, valuesKey, example as IdentifiedExample, callOptions, phase)),
    );
    for (const prediction of predictions) this.options.onPrediction?.(values, valuesKey, prediction);
    return predictions;
  };

  /** Puts back the counts of program runs a checkpointed run had paid. */
  restoreMetricCalls(saved: { used: number; byPhase: Partial<Record<EvaluationPhase, number>> }): void {
    this.paid = saved.used;
    Object.assign(this.paidByPhase, saved.byPhase);
  }

  /** Waits for every program run still going (e.g. siblings of a run that hit the budget), ignoring their results. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  private missingKeys(valuesKey: string, examples: readonly Example[]): Set<string> {
    const missing = new Set<string>();
    for (const example of examples) {
      const key = `${valuesKey}:${idOf(example)}`;
      if (!this.cache.has(key) && !this.inFlight.has(key)) missing.add(key);
    }
    return missing;
  }

  private async evaluateOne(
    values: CandidateValues,
    valuesKey: string,
    example: IdentifiedExample,
    callOptions: EvaluateCallOptions,
    phase: EvaluationPhase,
  ): Promise<ScoredPrediction> {
    const id = idOf(example);
    const key = `${valuesKey}:${id}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.stats.hits += 1;
      // Refresh its place: the cache drops the least recently used entries first.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return { ...cached, cached: true };
    }
    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      this.stats.hits += 1;
      return { ...(await pending).prediction, cached: true };
    }
    this.stats.misses += 1;
    const run = this.limit(() => this.runAndScore(values, valuesKey, { ...example, id }, callOptions, phase));
    this.inFlight.set(key, run);
    try {
      const { prediction, cacheable } = await run;
      if (cacheable) this.remember(key, prediction);
      // Predictions are shared with the cache (copying traces on every hit was the evaluator's main cost):
      // callers read them and build new objects, never change them in place.
      return { ...prediction };
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async runAndScore(
    values: CandidateValues,
    valuesKey: string,
    example: IdentifiedExample,
    callOptions: EvaluateCallOptions,
    phase: EvaluationPhase,
  ): Promise<{ prediction: ScoredPrediction; cacheable: boolean }> {
    const signal = callOptions.signal;
    signal?.throwIfAborted();
    this.options.beforeRun?.();
    let collector = new ComponentTraceCollector({ values });
    const base: ScoredPrediction = { exampleId: example.id, input: example.input, output: null, score: 0 };
    if (example.expected !== undefined) base.expected = example.expected;
    let output: Output;
    try {
      output = await withRetries(
        () => {
          // Each attempt traces afresh: the trace of a prediction is the attempt that produced it.
          collector = new ComponentTraceCollector({ values });
          const config = this.runConfig(values, valuesKey, example.id, callOptions, phase, collector);
          const invoke = () => this.options.program.invoke(example.input as never, config);
          // The run's config is also visible through LangChain's async local storage, to code that is not handed
          // it: a trainable tool's description is read where a model builds its request.
          if (this.options.configInAsyncContext === false) return invoke();
          return AsyncLocalStorageProviderSingleton.runWithConfig(config, invoke);
        },
        {
          retries: this.options.retries,
          retryDelayMs: this.options.retryDelayMs,
          signal,
          transient: (error) => isTransient(error, { modelCallFailed: collector.modelCallFailed() }),
        },
      );
    } catch (error) {
      if (isFinalError(error, signal)) throw error;
      if ((error as { lc_error_code?: unknown }).lc_error_code === "INVALID_PROMPT_INPUT") {
        throw new MissingPromptInputError(example.id, missingKeyOf(error), "a prompt of the program");
      }
      // A failure is the candidate's score: 0, with the error (and what the model last said) as feedback.
      const message = clipText(errorMessage(error));
      const trace = collector.trace();
      const lastAnswer = lastModelText(trace);
      const prediction: ScoredPrediction = {
        ...base,
        error: message,
        feedback: `The program failed: ${message}` + (lastAnswer ? `\nThe model's last answer was: ${clipText(lastAnswer, 500)}` : ""),
      };
      if (Object.keys(trace).length > 0) prediction.trace = trace;
      // A transient failure (after its retries) says nothing about the candidate: ask again next time.
      return { prediction, cacheable: !isTransient(error, { modelCallFailed: collector.modelCallFailed() }) };
    }
    const { score, feedback } = await scoreWith(this.options.reward, output, example, {
      signal,
      config: this.options.config,
    });
    const prediction: ScoredPrediction = { ...base, output: jsonOutput(output), score };
    if (feedback !== undefined) prediction.feedback = feedback;
    const trace = collector.trace();
    if (Object.keys(trace).length > 0) prediction.trace = trace;
    return { prediction, cacheable: true };
  }

  /** The config of one program run: overrides, the trace collector, and tags/metadata saying why it ran. */
  private runConfig(
    values: CandidateValues,
    valuesKey: string,
    exampleId: string,
    callOptions: EvaluateCallOptions,
    phase: EvaluationPhase,
    collector: ComponentTraceCollector,
  ): RunnableConfig {
    const base = this.options.config ?? {};
    const caller = callOptions.config;
    const callbacks = withCallbackHandler(caller?.callbacks ?? base.callbacks, collector);
    const metadata: Record<string, unknown> = {
      ...base.metadata,
      tunechain_phase: phase,
      tunechain_candidate: valuesKey,
      tunechain_example: exampleId,
      ...(callOptions.iteration !== undefined ? { tunechain_iteration: callOptions.iteration } : {}),
    };
    const config: RunnableConfig = {
      ...base,
      callbacks,
      metadata,
      tags: [...(base.tags ?? []), `tunechain:${phase}`],
      ...(callOptions.signal ? { signal: callOptions.signal } : {}),
    };
    return withVariableOverrides(config, values);
  }

  /** The `limit` most recently used cache entries, oldest first, without inputs (a checkpoint re-joins them). */
  cacheEntries(maxBytes: number): [string, ScoredPrediction][] {
    const kept: [string, ScoredPrediction][] = [];
    let bytes = 0;
    for (const [key, prediction] of [...this.cache.entries()].reverse()) {
      const { input: _input, expected: _expected, cached: _cached, ...compact } = prediction;
      const size = key.length + JSON.stringify(compact).length;
      if (bytes + size > maxBytes) break;
      bytes += size;
      kept.push([key, compact as ScoredPrediction]);
    }
    return kept.reverse();
  }

  /** Puts checkpointed entries back (oldest first), re-joining each with its example's input and expected. */
  restoreCache(entries: readonly [string, ScoredPrediction][], examples: ReadonlyMap<string, Example>): void {
    for (const [key, prediction] of entries) {
      const example = examples.get(prediction.exampleId);
      if (!example) continue;
      const restored: ScoredPrediction = { ...structuredClone(prediction), input: example.input };
      if (example.expected !== undefined) restored.expected = example.expected;
      this.remember(key, restored);
    }
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

function idOf(example: Example): string {
  return (example as IdentifiedExample).id ?? hashJson(example.input);
}

function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  const name = (error as { name?: unknown } | null)?.name;
  const text = typeof message === "string" && message.length > 0 ? message : String(error);
  return typeof name === "string" && name !== "Error" && !text.startsWith(name) ? `${name}: ${text}` : text;
}

/** The text of the last model call recorded in a trace (what a failing parser was given). */
function lastModelText(trace: ProgramTrace): string | undefined {
  const calls = Object.values(trace).flat();
  const outputs = calls.flatMap((call) => call.outputs);
  return outputs.at(-1)?.text || undefined;
}

/** The variable LangChain's "Missing value for input variable `x`" names. */
function missingKeyOf(error: unknown): string {
  const match = /input variable `([^`]+)`/.exec(String((error as Error)?.message ?? ""));
  return match?.[1] ?? "(unknown)";
}

/**
 * The output as plain JSON, for optimizer memory and checkpoints: a chat message becomes its text (with its
 * tool calls when it made some), messages inside state objects become trace messages, anything else a JSON
 * copy. The reward has already seen the raw output.
 */
export function jsonOutput(output: unknown): unknown {
  if (output === undefined || output === null) return null;
  if (typeof output === "string") return output;
  if (isMessage(output)) {
    const text = contentText(output.content);
    const toolCalls = toolCallsOf(output);
    return toolCalls.length > 0 ? { content: text, tool_calls: toolCalls } : text;
  }
  return plainJson(output);
}

/** Mean score of predictions; 0 for none. */
export function meanScore(predictions: readonly { score: number }[]): number {
  if (predictions.length === 0) return 0;
  return predictions.reduce((sum, p) => sum + p.score, 0) / predictions.length;
}
