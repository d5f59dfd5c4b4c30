import type { RunnableConfig } from "@langchain/core/runnables";
import type { JsonSchema } from "../variables/schema.js";

/** Who a model call works for; usage and budgets are kept per role. */
export type ModelRole = "task" | "optimizer" | "judge";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ModelCallOptions {
  signal?: AbortSignal;
  /** The caller's Runnable config: its callbacks make the call a child run of the caller's run. */
  config?: RunnableConfig;
  temperature?: number;
  maxOutputTokens?: number;
}

export interface TextGeneration {
  text: string;
  usage: TokenUsage;
}

export interface StructuredRequest {
  /** JSON Schema (draft 2020-12) the answer must satisfy; always validated with ajv. */
  schema: JsonSchema;
  /** A short identifier for the schema (OpenAI's `json_schema.name`). */
  name?: string;
  description?: string;
}

export interface StructuredGeneration<T> {
  /** The validated value. */
  value: T;
  /** The model's raw text of the accepted answer. */
  raw: string;
  /** Usage summed over every attempt, repairs included. */
  usage: TokenUsage;
  /** 1 when the first answer was valid; more when repair rounds were needed. */
  attempts: number;
}

/**
 * What an optimizer or judge needs from a language model. Adapters wrap a LangChain chat model or the
 * openai client; tests use scripted implementations.
 */
export interface LanguageModel {
  /** Model name, for usage ledgers and fixtures. */
  readonly modelName: string;
  generateText(messages: readonly ChatMessage[], options?: ModelCallOptions): Promise<TextGeneration>;
  generateStructured<T = Record<string, unknown>>(
    messages: readonly ChatMessage[],
    request: StructuredRequest,
    options?: ModelCallOptions,
  ): Promise<StructuredGeneration<T>>;
}

/** Calls, tokens and cost of one role (or of all roles). */
export interface UsageTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Known only when a price table covers the models used; 0 otherwise. */
  costUsd: number;
}

/** What a usage ledger reports: totals per role and overall. */
export interface UsageSummary {
  byRole: Partial<Record<ModelRole, UsageTotals>>;
  /** Totals per model name (filled by UsageLedger; optional so hand-made summaries stay valid). */
  byModel?: Record<string, UsageTotals>;
  total: UsageTotals;
}

/** Token usage plus how many model calls a ledger entry covers. */
export interface UsageRecord extends TokenUsage {
  role: ModelRole;
  /** Model name as the adapter or the LangChain run reports it. */
  model: string;
}

/**
 * Limits on what a run may spend; checked before every model call. Omitted limits do not apply. Calls in
 * flight count against maxCalls, so it is never passed; maxTokens and maxCostUsd are known only once a call
 * answers, so the calls in flight when one is reached may pass it by their own usage.
 */
export interface Budget {
  maxCalls?: number;
  maxTokens?: number;
  maxCostUsd?: number;
}

/** Price of one model in US dollars per million tokens. */
export interface ModelPrice {
  inputPerMillionUsd: number;
  outputPerMillionUsd: number;
}

/** Prices by model name; models missing from the table cost 0. */
export type PriceTable = Record<string, ModelPrice>;
