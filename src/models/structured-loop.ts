import { formatIssues, type ValidationIssue } from "../variables/errors.js";
import type { JsonSchema } from "../variables/schema.js";
import { validateAgainstSchema } from "../variables/validator.js";
import { StructuredOutputError } from "./errors.js";
import { parseModelJson } from "./json-answer.js";
import type { ChatMessage, StructuredGeneration, StructuredRequest, TokenUsage } from "./types.js";

/** One model answer during a structured call. `value` is set when the backend already parsed the JSON. */
export interface Completion {
  text: string;
  usage: TokenUsage;
  value?: unknown;
  /** Set when the provider rejected the answer as non-JSON without returning its text. */
  parseFailure?: string;
}

/** The instruction that asks for JSON when the server cannot enforce a schema itself. */
export function jsonInstruction(request: StructuredRequest): string {
  const about = request.description ? `It describes: ${request.description}\n` : "";
  return (
    "Answer with a single JSON value that matches this JSON Schema, and nothing else (no prose, no code fence).\n" +
    about +
    JSON.stringify(request.schema)
  );
}

/** Adds the JSON instruction to the first system message, or as a new leading system message. */
export function withJsonInstruction(messages: readonly ChatMessage[], request: StructuredRequest): ChatMessage[] {
  const instruction = jsonInstruction(request);
  const copy = messages.map((message) => ({ ...message }));
  const system = copy.find((message) => message.role === "system");
  if (system) system.content = `${system.content}\n\n${instruction}`;
  else copy.unshift({ role: "system", content: instruction });
  return copy;
}

function repairPrompt(issues: readonly ValidationIssue[]): string {
  return (
    "Your previous answer was not accepted:\n" +
    formatIssues(issues) +
    "\nAnswer again with only the corrected JSON value, matching the schema exactly."
  );
}

export interface StructuredLoopParams {
  messages: readonly ChatMessage[];
  request: StructuredRequest;
  maxRepairs: number;
  modelName: string;
  /** One model round; goes through the limiter, so the budget is checked before every repair too. */
  complete: (messages: readonly ChatMessage[]) => Promise<Completion>;
  /** Maps the parsed value before validation (e.g. strict-mode nulls back to absent keys). */
  normalize?: (value: unknown) => unknown;
}

/**
 * Asks, parses, validates with ajv; on failure shows the model its errors and asks again, up to
 * `maxRepairs` times, then throws StructuredOutputError with the last raw answer.
 */
export async function runStructured<T>(params: StructuredLoopParams): Promise<StructuredGeneration<T>> {
  const { request, maxRepairs, complete, normalize = (value) => value } = params;
  let conversation: ChatMessage[] = [...params.messages];
  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  const attemptsAllowed = maxRepairs + 1;
  for (let attempt = 1; ; attempt++) {
    const completion = await complete(conversation);
    usage.inputTokens += completion.usage.inputTokens;
    usage.outputTokens += completion.usage.outputTokens;
    const parsed =
      completion.parseFailure !== undefined
        ? { ok: false as const, reason: completion.parseFailure }
        : completion.value !== undefined
          ? { ok: true as const, value: completion.value }
          : parseModelJson(completion.text);
    let issues: ValidationIssue[];
    let value: unknown;
    if (parsed.ok) {
      value = normalize(parsed.value);
      issues = validateAgainstSchema(request.schema as JsonSchema, value);
    } else {
      issues = [{ path: "", message: `not JSON: ${parsed.reason}` }];
    }
    if (issues.length === 0) return { value: value as T, raw: completion.text, usage, attempts: attempt };
    if (attempt >= attemptsAllowed) {
      throw new StructuredOutputError(
        `Model '${params.modelName}' gave no valid answer for schema '${request.name ?? "answer"}' after ` +
          `${attempt} attempt(s) (${maxRepairs} repair round(s)). Last problems:\n${formatIssues(issues)}\n` +
          `Last raw answer: ${completion.text.slice(0, 500)}\n` +
          "Use a more capable model, simplify the schema, or raise maxRepairs.",
        { raw: completion.text, issues, attempts: attempt },
      );
    }
    conversation = [
      ...conversation,
      { role: "assistant", content: completion.text || "(an answer that was not valid JSON)" },
      { role: "user", content: repairPrompt(issues) },
    ];
  }
}
