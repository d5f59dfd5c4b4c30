import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import { MANAGED_RUN_METADATA_KEY } from "./llm-run.js";
import { resolveModelOptions } from "./options.js";
import type { Budget, ModelRole, TokenUsage } from "./types.js";
import { STAND_IN_FINGERPRINT, UsageLedger, type BookedUsage, type UsageReservation } from "./usage-ledger.js";
import { rejectUnknownArguments } from "../errors.js";
import { ModelOptionsError } from "./errors.js";

export interface UsageHandlerOptions {
  ledger: UsageLedger;
  /** Checked before every chat model / LLM start; past it the run fails with BudgetExceededError. */
  budget?: Budget;
  /** Role the recorded calls are booked under. Default "task". */
  role?: ModelRole;
}

type ExtraParams = Record<string, unknown> | undefined;

function modelNameOf(llm: Serialized, extraParams: ExtraParams, metadata: Record<string, unknown> | undefined): string {
  const fromMetadata = metadata?.ls_model_name;
  if (typeof fromMetadata === "string" && fromMetadata) return fromMetadata;
  const params = extraParams?.invocation_params as Record<string, unknown> | undefined;
  const fromParams = params?.model ?? params?.model_name ?? params?.modelName;
  if (typeof fromParams === "string" && fromParams) return fromParams;
  return llm.id.at(-1) ?? "unknown";
}

function usageOf(output: LLMResult): TokenUsage {
  const tokenUsage = output.llmOutput?.tokenUsage as { promptTokens?: number; completionTokens?: number } | undefined;
  if (tokenUsage && (tokenUsage.promptTokens !== undefined || tokenUsage.completionTokens !== undefined)) {
    return { inputTokens: tokenUsage.promptTokens ?? 0, outputTokens: tokenUsage.completionTokens ?? 0 };
  }
  // Streaming runs and many providers report usage only on the message.
  const usage = { inputTokens: 0, outputTokens: 0 };
  for (const generations of output.generations) {
    for (const generation of generations) {
      const metadata = (generation as { message?: { usage_metadata?: { input_tokens?: number; output_tokens?: number } } })
        .message?.usage_metadata;
      usage.inputTokens += metadata?.input_tokens ?? 0;
      usage.outputTokens += metadata?.output_tokens ?? 0;
    }
  }
  return usage;
}

/**
 * Whether tunechain's loopback stand-in server wrote the answer: its `system_fingerprint` reaches the message's
 * response metadata (JSON answers) or the generation info (streamed answers).
 */
function servedByStandIn(output: LLMResult): boolean {
  for (const generations of output.generations) {
    for (const generation of generations) {
      const info = generation.generationInfo as { system_fingerprint?: unknown } | undefined;
      const metadata = (generation as { message?: { response_metadata?: { system_fingerprint?: unknown } } }).message
        ?.response_metadata;
      if (info?.system_fingerprint === STAND_IN_FINGERPRINT || metadata?.system_fingerprint === STAND_IN_FINGERPRINT) return true;
    }
  }
  return false;
}

/** What to book for a finished run: its tokens, and whether a stand-in answered. */
function bookedUsageOf(output: LLMResult): BookedUsage {
  return { ...usageOf(output), ...(servedByStandIn(output) ? { standIn: true } : {}) };
}

/**
 * Records the token usage of the LLM runs it sees (e.g. the task model inside a user's chain) and refuses to
 * start one past the budget, before anything is sent.
 *
 * Where the refusal is thrown matters. LangChain's CallbackManager runs each handler's handleLLMStart /
 * handleChatModelStart inside a try/catch that prints "Error in handler …" (console.error with `raiseError`)
 * before rethrowing, so refusing there printed one line per refused call. For handlers that look like
 * tracers (they have `_addRunToRunMap`), it first calls `_createRunForLLMStart` / `_createRunForChatModelStart`
 * synchronously, outside that try/catch; an error thrown there fails the model call without a word. So the
 * reservation happens there: a budget stop is expected, not an error to print. The other `_createRunFor…`
 * hooks the manager calls on a "tracer" are no-ops. Should a LangChain version stop calling these hooks,
 * handleChatModelStart / handleLLMStart still reserve (and refuse, loudly) — `raiseError` makes LangChain
 * await them and fail the model call with our error.
 */
export class UsageCallbackHandler extends BaseCallbackHandler {
  name = "tunechain_usage";
  readonly ledger: UsageLedger;
  readonly budget: Budget | undefined;
  readonly role: ModelRole;
  /** Shared with copies LangChain makes of this handler, so a run's end finds its start. */
  readonly reservations: Map<string, UsageReservation>;

  constructor(options: UsageHandlerOptions & { reservations?: Map<string, UsageReservation> }) {
    super({ raiseError: true });
    this.ledger = options.ledger;
    this.budget = options.budget;
    this.role = options.role ?? "task";
    this.reservations = options.reservations ?? new Map();
  }

  private start(runId: string, llm: Serialized, extraParams: ExtraParams, metadata: Record<string, unknown> | undefined) {
    // Calls made by tunechain's own adapters are already in their ledger.
    if (metadata?.[MANAGED_RUN_METADATA_KEY] === true) return;
    // Reserved already by the synchronous hook below (the usual case).
    if (this.reservations.has(runId)) return;
    const reservation = this.ledger.reserve(this.budget, this.role, modelNameOf(llm, extraParams, metadata));
    this.reservations.set(runId, reservation);
  }

  // Called by LangChain's CallbackManager, synchronously and outside its logging try/catch, for handlers that
  // have `_addRunToRunMap` (see the class comment). Names and argument order are LangChain's BaseTracer's.

  /** Marks this handler as one the CallbackManager calls the `_createRunFor…` hooks of. Keeps no runs. */
  _addRunToRunMap<T>(run: T): T {
    return run;
  }

  _createRunForChatModelStart(
    llm: Serialized,
    _messages: BaseMessage[][],
    runId: string,
    _parentRunId?: string,
    extraParams?: ExtraParams,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    this.start(runId, llm, extraParams, metadata);
  }

  _createRunForLLMStart(
    llm: Serialized,
    _prompts: string[],
    runId: string,
    _parentRunId?: string,
    extraParams?: ExtraParams,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    this.start(runId, llm, extraParams, metadata);
  }

  _createRunForChainStart(): void {}

  _createRunForToolStart(): void {}

  _createRunForRetrieverStart(): void {}

  override async handleChatModelStart(
    llm: Serialized,
    _messages: BaseMessage[][],
    runId: string,
    _parentRunId?: string,
    extraParams?: ExtraParams,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): Promise<void> {
    this.start(runId, llm, extraParams, metadata);
  }

  override async handleLLMStart(
    llm: Serialized,
    _prompts: string[],
    runId: string,
    _parentRunId?: string,
    extraParams?: ExtraParams,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): Promise<void> {
    this.start(runId, llm, extraParams, metadata);
  }

  override async handleLLMEnd(output: LLMResult, runId: string): Promise<void> {
    const reservation = this.reservations.get(runId);
    if (!reservation) return;
    this.reservations.delete(runId);
    reservation.commit(bookedUsageOf(output));
  }

  override async handleLLMError(_error: unknown, runId: string): Promise<void> {
    this.reservations.get(runId)?.release();
    this.reservations.delete(runId);
  }
}

/** A callback handler for `chain.invoke(input, { callbacks: [handler] })` that books usage and enforces a budget. */
export function createUsageHandler(options: UsageHandlerOptions): UsageCallbackHandler {
  rejectUnknownArguments("createUsageHandler", options ?? {}, ["ledger", "budget", "role"]);
  if (!(options?.ledger instanceof UsageLedger)) {
    throw new ModelOptionsError(
      "createUsageHandler: options.ledger must be a UsageLedger, e.g. createUsageHandler({ ledger: new UsageLedger() }).",
    );
  }
  const { ledger, budget, role = "task" } = options;
  // Reuse the adapters' validation so a bad role or budget fails the same way everywhere.
  resolveModelOptions("createUsageHandler", { ledger, ...(budget ? { budget } : {}), role });
  return new UsageCallbackHandler({ ledger, ...(budget ? { budget } : {}), role });
}
