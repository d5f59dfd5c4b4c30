import type { Example } from "../data/example.js";
import type { ScoredPrediction } from "../data/scored-prediction.js";
import type { Optimizer } from "../optimizers/optimizer.js";
import type { Variable } from "../variables/variable.js";
import type { IdentifiedExample } from "./dataset.js";
import { MissingPromptInputError, SeedValidationError, TrainingOptionsError } from "./errors.js";

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

/** Refuses a program with nothing trainable, or optimizers that act on none of its variables. */
export function checkRouting(variables: readonly Variable<object>[], optimizers: readonly Optimizer[]): void {
  const trainable = variables.filter((v) => v.trainable);
  if (trainable.length === 0) {
    throw new TrainingOptionsError(
      "The program has no TrainablePrompt that fit can see: nothing to tune. Build the chain with a TrainablePrompt " +
        "(e.g. TrainablePrompt.fromChatPromptTemplate(prompt, { name })). fit walks sequences, bindings, maps, branches " +
        "and LangGraph graphs; a prompt used inside a function, a RunnableLambda or a graph node given as a function is " +
        "out of its reach: pass it as `prompts: [prompt]` (to fit, evaluate, saveVariables and loadVariables).",
    );
  }
  if (!trainable.some((v) => optimizers.some((o) => o.matches(v)))) {
    throw new TrainingOptionsError(
      `None of the optimizers (${optimizers.map((o) => o.name).join(", ")}) acts on the program's variables ` +
        `(${trainable.map((v) => v.name).join(", ")}): their schemas do not fit. Use optimizers made for prompt ` +
        "variables (instructions / examples) or give them a schema the variables contain.",
    );
  }
}

/** More than half of the seed evaluation failing is a broken setup: stop with the first failures. */
export function assertSeedWorks(predictions: readonly ScoredPrediction[]): void {
  const failed = predictions.filter((p) => p.error !== undefined);
  if (failed.length * 2 > predictions.length) {
    throw new SeedValidationError(
      failed.length,
      predictions.length,
      failed.map((p) => ({ exampleId: p.exampleId, error: p.error ?? "" })),
    );
  }
}

