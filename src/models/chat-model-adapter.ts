import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { CallLimiter } from "./call-limiter.js";
import { ModelOptionsError } from "./errors.js";
import { MANAGED_RUN_METADATA_KEY, toLangChainMessages } from "./llm-run.js";
import type { ManagedLanguageModel } from "./managed-language-model.js";
import { resolveModelOptions, type LanguageModelOptions, type ResolvedModelOptions } from "./options.js";
import { fromStrict, toStrictSchema } from "./strict-schema.js";
import { STAND_IN_FINGERPRINT, type BookedUsage } from "./usage-ledger.js";
import { runStructured, withJsonInstruction, type Completion } from "./structured-loop.js";
import type {
  ChatMessage,
  ModelCallOptions,
  StructuredGeneration,
  StructuredRequest,
  TextGeneration,
} from "./types.js";

function textOf(message: BaseMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  return content
    .map((part) => (typeof part === "string" ? part : part.type === "text" && typeof part.text === "string" ? part.text : ""))
    .join("");
}

function usageOf(message: BaseMessage | undefined): BookedUsage {
  const usage = (message as { usage_metadata?: { input_tokens?: number; output_tokens?: number } } | undefined)
    ?.usage_metadata;
  const fingerprint = (message as { response_metadata?: { system_fingerprint?: unknown } } | undefined)?.response_metadata
    ?.system_fingerprint;
  return {
    inputTokens: usage?.input_tokens ?? 0,
    outputTokens: usage?.output_tokens ?? 0,
    // A stand-in server marks its answers; the run record then says a stand-in served the run.
    ...(fingerprint === STAND_IN_FINGERPRINT ? { standIn: true } : {}),
  };
}

/** Model name for ledgers: what the provider reports, else the class name. */
function nameOf(model: BaseChatModel): string {
  const fields = model as unknown as { model?: unknown; modelName?: unknown };
  if (typeof fields.model === "string" && fields.model) return fields.model;
  if (typeof fields.modelName === "string" && fields.modelName) return fields.modelName;
  return model._llmType?.() ?? "chat-model";
}

/**
 * The structured runnable could not parse the model's answer: the openai SDK's "invalid structured output JSON"
 * SyntaxError, a JSON.parse failure, or LangChain's OutputParserException. (A malformed HTTP body looks the same
 * from here; the prompted rounds that follow recover from it too.)
 */
function isRejectedJson(error: unknown): boolean {
  return error instanceof SyntaxError || (error instanceof Error && error.name === "OutputParserException");
}

function isRawAndParsed(output: unknown): output is StructuredRunnableOutput {
  return typeof output === "object" && output !== null && "raw" in output && "parsed" in output;
}

type StructuredRunnableOutput = { raw: BaseMessage; parsed: Record<string, unknown> | null };

class ChatModelLanguageModel implements ManagedLanguageModel {
  readonly modelName: string;
  readonly role;
  readonly ledger;
  private readonly limiter: CallLimiter;

  constructor(
    private readonly model: BaseChatModel,
    private readonly settings: ResolvedModelOptions,
  ) {
    this.modelName = nameOf(model);
    this.role = settings.role;
    this.ledger = settings.ledger;
    this.limiter = new CallLimiter(this.modelName, settings);
  }

  get activeCalls(): number {
    return this.limiter.activeCount;
  }

  /** The caller's config with our signal and a marker that keeps the usage handler from double counting. */
  private callConfig(options: ModelCallOptions, signal: AbortSignal | undefined): RunnableConfig {
    const config = options.config ?? {};
    return { ...config, ...(signal ? { signal } : {}), metadata: { ...config.metadata, [MANAGED_RUN_METADATA_KEY]: true } };
  }

  async generateText(messages: readonly ChatMessage[], options: ModelCallOptions = {}): Promise<TextGeneration> {
    const { text, usage } = await this.completePlain(messages, options);
    return { text, usage };
  }

  async generateStructured<T = Record<string, unknown>>(
    messages: readonly ChatMessage[],
    request: StructuredRequest,
    options: ModelCallOptions = {},
  ): Promise<StructuredGeneration<T>> {
    const strict = toStrictSchema(request.schema);
    const structured = strict ? this.bindStructured(strict, request) : undefined;
    if (!structured) {
      // No native structured output for this schema or model: ask for JSON in the prompt.
      return runStructured<T>({
        messages: withJsonInstruction(messages, request),
        request,
        maxRepairs: this.settings.maxRepairs,
        modelName: this.modelName,
        complete: (conversation) => this.completePlain(conversation, options),
      });
    }
    // Some providers (ChatOpenAI's strict json_schema path) throw on a non-JSON answer without its text;
    // after that, the remaining rounds ask for JSON in the prompt so the model's text stays visible.
    let prompted = false;
    const complete = async (conversation: readonly ChatMessage[]): Promise<Completion> => {
      if (prompted) return this.completePlain(withJsonInstruction(conversation, request), options);
      return this.limiter.run(async (signal): Promise<Completion> => {
        let result: unknown;
        try {
          result = await structured.invoke(toLangChainMessages(conversation), this.callConfig(options, signal));
        } catch (error) {
          if (!isRejectedJson(error)) throw error;
          prompted = true;
          return { text: "", usage: { inputTokens: 0, outputTokens: 0 }, parseFailure: "the answer was not valid JSON" };
        }
        // Some models (test fakes among them) ignore includeRaw and return the parsed value alone.
        if (!isRawAndParsed(result)) return { text: JSON.stringify(result) ?? "", usage: { inputTokens: 0, outputTokens: 0 }, value: result };
        const output = result;
        const usage = usageOf(output.raw);
        if (output.parsed !== null && output.parsed !== undefined) {
          return { text: JSON.stringify(output.parsed), usage, value: output.parsed };
        }
        // Parsing failed inside LangChain: hand the raw text to our parser (fences, prose) and the repair loop.
        return { text: output.raw ? textOf(output.raw) : "", usage };
      }, options.signal ?? options.config?.signal);
    };
    return runStructured<T>({
      messages,
      request,
      maxRepairs: this.settings.maxRepairs,
      modelName: this.modelName,
      normalize: (value) => fromStrict(value, request.schema),
      complete,
    });
  }

  private bindStructured(strictSchema: Record<string, unknown>, request: StructuredRequest) {
    if (typeof this.model.withStructuredOutput !== "function") return undefined;
    try {
      return this.model.withStructuredOutput(strictSchema, {
        includeRaw: true,
        name: (request.name ?? "answer").replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64) || "answer",
        strict: true,
      });
    } catch {
      // Models without tool calling or JSON modes throw here; the prompted path works with any model.
      return undefined;
    }
  }

  private completePlain(messages: readonly ChatMessage[], options: ModelCallOptions): Promise<Completion> {
    return this.limiter.run(async (signal) => {
      const message = await this.model.invoke(toLangChainMessages(messages), this.callConfig(options, signal));
      return { text: textOf(message), usage: usageOf(message) };
    }, options.signal ?? options.config?.signal);
  }
}

/**
 * A LanguageModel over any LangChain chat model. Structured output uses the model's `withStructuredOutput`
 * (strict JSON schema, raw message kept for usage) when the schema allows, else a prompted JSON answer;
 * the answer is always validated with ajv. Calls run as child runs of `options.config`'s callbacks.
 *
 * Set the chat model's own `maxRetries: 0`: this adapter retries (429/5xx/network) itself, and two retry
 * layers multiply attempts. `temperature` is a property of the chat model here, not of each call.
 */
export function fromChatModel(model: BaseChatModel, options: LanguageModelOptions = {}): ManagedLanguageModel {
  if (typeof (model as { invoke?: unknown } | undefined)?.invoke !== "function") {
    throw new ModelOptionsError(
      "fromChatModel: the first argument must be a LangChain chat model (e.g. new ChatOpenAI({ model: \"gpt-4o-mini\" })).",
    );
  }
  const settings = resolveModelOptions("fromChatModel", options);
  warnOnDoubleRetries(model, settings.maxRetries);
  return new ChatModelLanguageModel(model, settings);
}

/** Two retry layers multiply attempts (and hide them from the ledger): say so once per adapter. */
function warnOnDoubleRetries(model: BaseChatModel, ourRetries: number): void {
  const theirs = (model.caller as unknown as { maxRetries?: unknown } | undefined)?.maxRetries;
  if (ourRetries === 0 || typeof theirs !== "number" || theirs === 0) return;
  process.emitWarning(
    `fromChatModel: the chat model '${nameOf(model)}' retries failed calls by itself (maxRetries=${theirs}) and ` +
      `tunechain retries them too (maxRetries=${ourRetries}), so one call can become ${(theirs + 1) * (ourRetries + 1)} ` +
      "requests. Create the chat model with maxRetries: 0, or pass maxRetries: 0 to fromChatModel.",
    { code: "TUNECHAIN_DOUBLE_RETRY" },
  );
}
