import type {
  ChatMessage,
  LanguageModel,
  ModelCallOptions,
  StructuredGeneration,
  StructuredRequest,
  TextGeneration,
} from "../models/types.js";
import { StructuredOutputError } from "../models/errors.js";
import { formatIssues } from "../variables/errors.js";
import { validateAgainstSchema } from "../variables/validator.js";

/** Answers a call: text, or (for structured calls) an object or its JSON text. */
export type ScriptedResponder = (
  messages: readonly ChatMessage[],
  request: StructuredRequest | undefined,
) => string | object | Promise<string | object>;

export interface ScriptedCall {
  messages: ChatMessage[];
  request?: StructuredRequest;
}

/**
 * A LanguageModel whose answers come from a function of the prompt, for tests that must prove an optimizer
 * reacts to what it is shown. Structured answers are validated like a real adapter's. Usage counts words.
 */
export class ScriptedLanguageModel implements LanguageModel {
  readonly modelName: string;
  /** Every call, in order. */
  readonly calls: ScriptedCall[] = [];
  private readonly respond: ScriptedResponder;

  constructor(fields: { respond: ScriptedResponder; modelName?: string }) {
    this.respond = fields.respond;
    this.modelName = fields.modelName ?? "scripted";
  }

  async generateText(messages: readonly ChatMessage[], options?: ModelCallOptions): Promise<TextGeneration> {
    options?.signal?.throwIfAborted();
    this.calls.push({ messages: structuredClone([...messages]) });
    const answer = await this.respond(messages, undefined);
    const text = typeof answer === "string" ? answer : JSON.stringify(answer);
    return { text, usage: usageOf(messages, text) };
  }

  async generateStructured<T = Record<string, unknown>>(
    messages: readonly ChatMessage[],
    request: StructuredRequest,
    options?: ModelCallOptions,
  ): Promise<StructuredGeneration<T>> {
    options?.signal?.throwIfAborted();
    this.calls.push({ messages: structuredClone([...messages]), request: structuredClone(request) });
    const answer = await this.respond(messages, request);
    const raw = typeof answer === "string" ? answer : JSON.stringify(answer);
    let value: unknown;
    try {
      value = typeof answer === "string" ? JSON.parse(answer) : answer;
    } catch {
      throw new StructuredOutputError(`Scripted model answered with text that is not JSON: ${raw.slice(0, 200)}`, {
        raw,
        issues: [{ path: "", message: "not JSON" }],
        attempts: 1,
      });
    }
    const issues = validateAgainstSchema(request.schema, value);
    if (issues.length > 0) {
      throw new StructuredOutputError(`Scripted answer does not match the schema:\n${formatIssues(issues)}`, {
        raw,
        issues,
        attempts: 1,
      });
    }
    return { value: value as T, raw, usage: usageOf(messages, raw), attempts: 1 };
  }
}

function usageOf(messages: readonly ChatMessage[], answer: string) {
  const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
  return {
    inputTokens: messages.reduce((sum, m) => sum + words(m.content), 0),
    outputTokens: words(answer),
  };
}
