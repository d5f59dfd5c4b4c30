import type OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { CallLimiter } from "./call-limiter.js";
import { ModelOptionsError, ModelRequestError } from "./errors.js";
import { startLlmRun } from "./llm-run.js";
import { resolveModelOptions, type LanguageModelOptions, type ResolvedModelOptions } from "./options.js";
import { fromStrict, toStrictSchema } from "./strict-schema.js";
import { runStructured, withJsonInstruction, type Completion } from "./structured-loop.js";
import type { ManagedLanguageModel } from "./managed-language-model.js";
import { STAND_IN_FINGERPRINT } from "./usage-ledger.js";
import type {
  ChatMessage,
  ModelCallOptions,
  StructuredGeneration,
  StructuredRequest,
  TextGeneration,
} from "./types.js";

/**
 * How structured answers are requested from the server:
 * - "auto": strict `json_schema` when the schema can be made strict-compatible, else `json_object` + instruction;
 *   a server that answers 400/422 about response_format is asked the next simpler way from then on;
 * - "jsonSchema" / "jsonMode": force one of those; "prompted": only the instruction (servers without response_format).
 * Every mode parses JSON out of fenced blocks too and validates with ajv.
 */
export type StructuredOutputMode = "auto" | "jsonSchema" | "jsonMode" | "prompted";

export interface OpenAIModelOptions extends LanguageModelOptions {
  /** Model name sent to the server. */
  model: string;
  structuredOutput?: StructuredOutputMode;
}

const MODES: readonly StructuredOutputMode[] = ["auto", "jsonSchema", "jsonMode", "prompted"];

/** A 400/422 whose message is about response_format: the server does not support that way of asking. */
function refusedResponseFormat(error: unknown): boolean {
  return (
    error instanceof ModelRequestError &&
    (error.status === 400 || error.status === 422) &&
    /response_format|json_schema|json_object/i.test(error.message)
  );
}

function schemaName(request: StructuredRequest): string {
  const cleaned = (request.name ?? "answer").replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
  return cleaned || "answer";
}

class OpenAILanguageModel implements ManagedLanguageModel {
  readonly modelName: string;
  readonly role;
  readonly ledger;
  private readonly limiter: CallLimiter;
  /** Set when the server refused a response_format in "auto" mode. */
  private fallback: "jsonMode" | "prompted" | undefined;

  constructor(
    private readonly client: OpenAI,
    private readonly settings: ResolvedModelOptions,
    private readonly mode: StructuredOutputMode,
    model: string,
  ) {
    this.modelName = model;
    this.role = settings.role;
    this.ledger = settings.ledger;
    this.limiter = new CallLimiter(model, settings, true);
  }

  get activeCalls(): number {
    return this.limiter.activeCount;
  }

  async generateText(messages: readonly ChatMessage[], options: ModelCallOptions = {}): Promise<TextGeneration> {
    const { text, usage } = await this.complete(messages, {}, options);
    return { text, usage };
  }

  async generateStructured<T = Record<string, unknown>>(
    messages: readonly ChatMessage[],
    request: StructuredRequest,
    options: ModelCallOptions = {},
  ): Promise<StructuredGeneration<T>> {
    const format = this.formatFor(request);
    try {
      return await runStructured<T>({
        messages: format === "jsonSchema" ? [...messages] : withJsonInstruction(messages, request),
        request,
        maxRepairs: this.settings.maxRepairs,
        modelName: this.modelName,
        complete: (conversation) => this.complete(conversation, this.responseFormat(format, request), options),
        ...(format === "jsonSchema" ? { normalize: (value: unknown) => fromStrict(value, request.schema) } : {}),
      });
    } catch (error) {
      // In "auto" mode, a server that refuses the response_format (older OpenAI-compatible servers do) gets
      // the next simpler way of asking, for this call and the ones after it.
      if (this.mode !== "auto" || format === "prompted" || !refusedResponseFormat(error)) throw error;
      this.fallback = format === "jsonSchema" ? "jsonMode" : "prompted";
      return this.generateStructured<T>(messages, request, options);
    }
  }

  /** How to ask for this request: the configured mode, lowered by what the server refused, and by the schema. */
  private formatFor(request: StructuredRequest): "jsonSchema" | "jsonMode" | "prompted" {
    const mode = this.mode === "auto" ? (this.fallback ?? "auto") : this.mode;
    if (mode === "jsonMode" || mode === "prompted") return mode;
    if (toStrictSchema(request.schema)) return "jsonSchema";
    if (mode === "jsonSchema") {
      throw new ModelOptionsError(
        `structuredOutput "jsonSchema" needs a schema that can be made strict (an object root, no ` +
          `patternProperties/additionalProperties schemas/if-then-else/allOf); schema '${schemaName(request)}' ` +
          `cannot. Use structuredOutput "auto" or "jsonMode".`,
      );
    }
    return "jsonMode";
  }

  private responseFormat(
    format: "jsonSchema" | "jsonMode" | "prompted",
    request: StructuredRequest,
  ): Partial<ChatCompletionCreateParamsNonStreaming> {
    if (format === "prompted") return {};
    if (format === "jsonMode") return { response_format: { type: "json_object" } };
    const schema = toStrictSchema(request.schema) as Record<string, unknown>;
    return { response_format: { type: "json_schema", json_schema: { name: schemaName(request), schema, strict: true } } };
  }

  private complete(
    messages: readonly ChatMessage[],
    extra: Partial<ChatCompletionCreateParamsNonStreaming>,
    options: ModelCallOptions,
  ): Promise<Completion> {
    const temperature = options.temperature ?? this.settings.temperature;
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.modelName,
      messages: messages.map((message) => ({ role: message.role, content: message.content })),
      ...(temperature === undefined ? {} : { temperature }),
      ...(options.maxOutputTokens === undefined ? {} : { max_completion_tokens: options.maxOutputTokens }),
      ...extra,
    };
    return this.limiter.run(async (signal) => {
      const run = await startLlmRun(options.config, messages, {
        provider: "openai",
        modelName: this.modelName,
        temperature,
        invocationParams: () => ({ ...body, messages: undefined }),
      });
      try {
        // maxRetries 0: our limiter owns retries, so the counts in the ledger and the server logs are ours.
        // The client arms its own timer for `timeout` anyway; we use it rather than adding a second one.
        const completion = await this.client.chat.completions.create(body, {
          maxRetries: 0,
          timeout: this.settings.timeoutMs,
          ...(signal ? { signal } : {}),
        });
        const message = completion.choices[0]?.message;
        const text = message?.content ?? message?.refusal ?? "";
        const usage = {
          inputTokens: completion.usage?.prompt_tokens ?? 0,
          outputTokens: completion.usage?.completion_tokens ?? 0,
          // A stand-in server marks its answers; the run record then says a stand-in served the run.
          ...(completion.system_fingerprint === STAND_IN_FINGERPRINT ? { standIn: true } : {}),
        };
        await run.end(text, usage);
        return { text, usage };
      } catch (error) {
        await run.fail(error);
        throw error;
      }
    }, options.signal ?? options.config?.signal);
  }
}

/**
 * A LanguageModel over the openai client: OpenAI itself or any OpenAI-compatible server (Ollama, vLLM,
 * llama.cpp, LM Studio) through the client's `baseURL`. Calls are limited, retried, budgeted and traced.
 */
export function fromOpenAI(client: OpenAI, options: OpenAIModelOptions): ManagedLanguageModel {
  const { model, structuredOutput = "auto", ...rest } = options ?? ({} as OpenAIModelOptions);
  if (typeof model !== "string" || model === "") {
    throw new ModelOptionsError('fromOpenAI: options.model is required, e.g. fromOpenAI(client, { model: "gpt-4o-mini" }).');
  }
  if (!MODES.includes(structuredOutput)) {
    throw new ModelOptionsError(
      `fromOpenAI: structuredOutput must be one of ${MODES.join(", ")}, got ${JSON.stringify(structuredOutput)}.`,
    );
  }
  if (typeof client?.chat?.completions?.create !== "function") {
    throw new ModelOptionsError("fromOpenAI: the first argument must be an openai client (new OpenAI({ apiKey, baseURL })).");
  }
  const settings = resolveModelOptions("fromOpenAI", rest);
  return new OpenAILanguageModel(client, settings, structuredOutput, model);
}
