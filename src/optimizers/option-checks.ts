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
