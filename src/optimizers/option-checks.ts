import type { LanguageModel } from "../models/types.js";
import { schemaKeys, type JsonSchema } from "../variables/schema.js";
import { OptimizerOptionError } from "./errors.js";

/** Constructor option checks: a bad value fails at construction with the option's name and what it accepts. */
export function integerOption(owner: string, name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new OptimizerOptionError(`${owner}: \`${name}\` must be an integer >= ${min}, got ${String(value)}.`);
  }
  return value;
}

export function numberOption(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  range: { min?: number; max?: number; exclusiveMin?: boolean },
): number {
  if (value === undefined) return fallback;
  const min = range.min ?? Number.NEGATIVE_INFINITY;
  const max = range.max ?? Number.POSITIVE_INFINITY;
  const tooLow = range.exclusiveMin ? (value as number) <= min : (value as number) < min;
  if (typeof value !== "number" || !Number.isFinite(value) || tooLow || value > max) {
    const lower = range.min === undefined ? "" : `${range.exclusiveMin ? ">" : ">="} ${min}`;
    const upper = range.max === undefined ? "" : `<= ${max}`;
    throw new OptimizerOptionError(
      `${owner}: \`${name}\` must be a number ${[lower, upper].filter(Boolean).join(" and ")}, got ${String(value)}.`,
    );
  }
  return value;
}

export function choiceOption<T extends string>(
  owner: string,
  name: string,
  value: unknown,
  fallback: T,
  choices: readonly T[],
): T {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    throw new OptimizerOptionError(
      `${owner}: \`${name}\` must be one of ${choices.map((c) => `"${c}"`).join(", ")}, got ${JSON.stringify(value)}.`,
    );
  }
  return value as T;
}

/** Throws when `model` does not look like a LanguageModel, naming the option. */
export function requireLanguageModel(owner: string, model: unknown, option = "languageModel"): LanguageModel {
  const candidate = model as Partial<LanguageModel> | undefined;
  if (!candidate || typeof candidate.generateStructured !== "function") {
    throw new OptimizerOptionError(
      `${owner} needs \`${option}\`: a LanguageModel that writes the proposals, e.g. fromChatModel(new ChatOpenAI({ model })) ` +
        "or fromOpenAI(new OpenAI(), { model }).",
    );
  }
  return candidate as LanguageModel;
}

/** Throws unless every key of the optimizer's schema holds text (these optimizers rewrite strings). */
export function requireStringKeys(owner: string, schema: JsonSchema): void {
  const keys = schemaKeys(schema);
  const nonText = keys.filter((key) => schema.properties?.[key]?.type !== "string");
  if (keys.length === 0 || nonText.length > 0) {
    throw new OptimizerOptionError(
      `${owner} rewrites text: every property of its schema must be {"type": "string"}` +
        (nonText.length > 0 ? `, but ${nonText.map((k) => `'${k}'`).join(", ")} is not` : ", and it has none") +
        ". Use FewShotOptimizer for example lists.",
    );
  }
}

/**
 * The keys of a schema made of one string property (the instructions) and at most one array property (the
 * demonstrations), as MIPROv2 and SIMBA need; throws naming the owner otherwise.
 */
export function textAndDemoKeys(owner: string, schema: JsonSchema): { textKey: string; demosKey: string | undefined } {
  const keys = schemaKeys(schema);
  const properties = schema.properties ?? {};
  const texts = keys.filter((key) => properties[key]?.type === "string");
  const lists = keys.filter((key) => properties[key]?.type === "array");
  if (texts.length !== 1 || lists.length > 1 || texts.length + lists.length !== keys.length) {
    throw new OptimizerOptionError(
      `${owner} needs a schema with one string property (the instructions) and at most one array property (the ` +
        "demonstrations); the default is PROMPT_VARIABLE_SCHEMA, { instructions, examples }.",
    );
  }
  return { textKey: texts[0] as string, demosKey: lists[0] };
}
