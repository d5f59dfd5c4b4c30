import type { Example } from "../data/example.js";
import type { IdentifiedExample } from "./dataset.js";
import { MissingPromptInputError } from "./errors.js";

type Node = Record<string, unknown>;

function className(value: Node): string | undefined {
  try {
    return (value.constructor as { lc_name?: () => string } | undefined)?.lc_name?.();
  } catch {
    return undefined;
  }
}

interface EntryPrompt {
  name: string;
  /** Inputs the prompt needs from the example (partials and optional placeholders left out). */
  needs: string[];
}

/**
 * The prompts the program's input reaches directly: the first step of a sequence, every branch of a map,
 * the wrapped runnable of a binding or a fallback. Prompts after a model are filled by earlier steps.
 */
function entryPrompts(node: unknown, seen = new Set<unknown>()): EntryPrompt[] {
  if (typeof node !== "object" || node === null || seen.has(node)) return [];
  seen.add(node);
  const value = node as Node;
  const name = className(value);
  if (name === "RunnableSequence") return entryPrompts(value.first, seen);
  if (name === "RunnableMap" || name === "RunnableParallel") {
    const steps = (typeof value.steps === "object" && value.steps !== null ? value.steps : {}) as Node;
    return Object.values(steps).flatMap((step) => entryPrompts(step, seen));
  }
  if (name === "RunnableWithFallbacks") return entryPrompts(value.runnable, seen);
  if (name === "RunnableAssign") return [];
  if (Array.isArray(value.inputVariables) && (name?.endsWith("PromptTemplate") || name === "TrainablePrompt")) {
    const partials = Object.keys((value.partialVariables as Node | undefined) ?? {});
    const optional = optionalPlaceholders(value);
    const needs = (value.inputVariables as string[]).filter((v) => !partials.includes(v) && !optional.has(v));
    const variable = (value.variable as { name?: string } | undefined)?.name;
    return [{ name: variable ? `prompt '${variable}'` : `the program's first prompt (${name})`, needs }];
  }
  if ("bound" in value && className(value) !== "RunnableLambda") return entryPrompts(value.bound, seen);
  return [];
}

/** Names of optional messages placeholders (they may be absent from the input). */
function optionalPlaceholders(prompt: Node): Set<string> {
  const messages = [
    ...((prompt.promptMessages as unknown[]) ?? []),
    ...(((prompt.userMessages as Node | undefined)?.promptMessages as unknown[]) ?? []),
  ];
  const names = new Set<string>();
  for (const message of messages) {
    const m = message as { variableName?: unknown; optional?: unknown };
    if (typeof m.variableName === "string" && m.optional === true) names.add(m.variableName);
  }
  return names;
}

/**
 * Checks, before any model call is paid, that every example gives each prompt the program's input reaches
 * directly all of its input variables. Throws MissingPromptInputError naming the example and the key.
 */
export function checkPromptInputs(program: unknown, datasets: readonly (readonly Example[])[]): void {
  const prompts = entryPrompts(program);
  if (prompts.length === 0) return;
  for (const dataset of datasets) {
    for (const example of dataset) {
      for (const prompt of prompts) {
        const missing = prompt.needs.find((key) => !(key in example.input));
        if (missing !== undefined) throw new MissingPromptInputError((example as IdentifiedExample).id ?? "?", missing, prompt.name);
      }
    }
  }
}
