import type { BaseMessage } from "@langchain/core/messages";
import type { Example } from "../data/example.js";
import type { TrainablePrompt } from "../prompts/trainable-prompt.js";

/**
 * Tokens of a text, estimated as one token per four characters (rounded up, at least 1) — the rule of thumb
 * for English with OpenAI's tokenizers, and the count tunechain's loopback stand-in server reports, so an
 * estimate and a stand-in run agree on what a token is. No tokenizer is loaded.
 */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Tokens of a list of chat messages: each message's text counted on its own (no per-message overhead). */
export function messageTokens(messages: readonly { content: unknown }[]): number {
  return messages.reduce((sum, message) => sum + estimateTokens(textOf(message.content)), 0);
}

/** The text of a value as a model would read it: strings as they are, anything else as JSON. */
export function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    return value.map((part) => (typeof part === "object" && part !== null && "text" in part ? String(part.text) : textOf(part))).join("");
  }
  return value === undefined || value === null ? "" : (JSON.stringify(value) ?? "");
}

/**
 * Input tokens of `prompt` rendered with its current values on `example`. An input variable the example does not
 * give (the output of an earlier step of the chain, say) is filled with the example's expected answer, an
 * answer-sized stand-in for what the step before would produce.
 */
export async function renderedPromptTokens(prompt: TrainablePrompt, example: Example): Promise<number> {
  const values: Record<string, unknown> = {};
  for (const name of prompt.inputVariables as string[]) {
    values[name] = name in example.input ? example.input[name] : textOf(example.expected ?? "");
  }
  let messages: BaseMessage[];
  try {
    messages = await prompt.formatMessages(values as never);
  } catch {
    // A prompt that cannot render this example (e.g. a message placeholder given text) is counted from its parts.
    return estimateTokens(prompt.variable.get("instructions") ?? "") + estimateTokens(textOf(example.input));
  }
  return messageTokens(messages);
}
