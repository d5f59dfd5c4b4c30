import type { Example } from "../data/example.js";
import type { Optimizer } from "../optimizers/optimizer.js";
import { BUDGET_PRESETS, isBudgetPreset, type BudgetPreset } from "../training/budget-presets.js";
import type { FitOptions } from "../training/fit-options.js";
import { CompareOptionsError } from "./errors.js";

/** What a factory is told when it builds the optimizers of one run. */
export interface OptimizerFactoryContext {
  /** The run's seed (fit's `seed`); give it to the optimizers so each seed is its own run. */
  seed: number;
  /** The entry's name in `optimizers`. */
  name: string;
}

/** Builds fresh optimizers for one run (a new instance every call: optimizers keep state). */
export type OptimizerFactory = (context: OptimizerFactoryContext) => Optimizer | readonly Optimizer[];

/** How the paired test pairs the scores of two optimizers. */
export type Pairing = "seeds" | "examples";

/** fit's options that compare passes to every run unchanged. */
type SharedFitOptions<Output, Expected> = Omit<
  FitOptions<Output, Expected>,
  "optimizers" | "seed" | "maxMetricCalls" | "testset" | "checkpoint" | "resume" | "recordPath" | "budget" | "hooks" | "progress"
>;

export interface CompareOptions<Output = unknown, Expected = unknown> extends SharedFitOptions<Output, Expected> {
  /** The contenders: name → factory of fresh optimizers (one optimizer or several in one fit). At least two. */
  optimizers: Readonly<Record<string, OptimizerFactory>>;
  /** Held-out examples every run's final program is scored on (fit's testScore, outside the budget). */
  testset: readonly Example<Record<string, unknown>, Expected>[];
  /** Seeds: a count n (seeds 0 … n−1) or the list (default 6, the fewest whose sign-flip test can reach p < 0.05). */
  seeds?: number | readonly number[];
  /** The metric budget of every run: a number, or a preset resolved once for all (the largest over the contenders). */
  maxMetricCalls: number | BudgetPreset;
  /**
   * "seeds" (default): one pair per seed, the two test means of that seed — the seed is the unit a rerun varies.
   * "examples": one pair per (seed, test example) — also counts how the test examples vary, treating them as
   * independent (see docs/training.md).
   */
  pairing?: Pairing;
  /** Sign patterns drawn when there are too many to enumerate (default 10,000). */
  permutations?: number;
  /** Writes the HTML comparison report here. */
  reportPath?: string;
  /** Called after each run (progress lines, logs). */
  onRun?: (run: { optimizer: string; seed: number; testScore: number; index: number; total: number }) => void;
}

/** The settings compare derives from its options. */
export interface CompareSettings {
  names: string[];
  seeds: number[];
  pairing: Pairing;
  permutations: number;
}

const OWN_KEYS = ["optimizers", "testset", "seeds", "maxMetricCalls", "pairing", "permutations", "reportPath", "onRun"];
const PASSED_TO_FIT = [
  "trainset",
  "valset",
  "validationSplit",
  "reward",
  "prompts",
  "epochs",
  "batchSize",
  "concurrency",
  "signal",
  "config",
  "earlyStopping",
  "usage",
  "restoreBest",
  "cacheSize",
  "retries",
  "retryDelayMs",
];
const REFUSED: Record<string, string> = {
  seed: "compare sets each run's seed from `seeds`",
  checkpoint: "a comparison is many runs; checkpoints are per fit",
  resume: "a comparison is many runs; checkpoints are per fit",
  recordPath: "use `reportPath` for the comparison report",
  budget:
    "a usage budget is shared by the runs, so the runs after it ran out would stop at once and lose unfairly; " +
    "bound each run with `maxMetricCalls` (give your models their own budget if you must cap spending)",
  hooks: "use `onRun` to follow the runs",
  progress: "compare draws no progress bar; use `onRun`",
};

export const DEFAULT_SEEDS = 6;

/** Checks compare's options before anything runs; every problem is a CompareOptionsError saying how to fix it. */
export function checkCompareOptions(options: CompareOptions<unknown, unknown>): CompareSettings {
  if (typeof options !== "object" || options === null) {
    throw new CompareOptionsError("compare(program, options) needs options: { optimizers: { name: () => optimizer, … }, trainset, testset, maxMetricCalls, … }.");
  }
  for (const [key, why] of Object.entries(REFUSED)) {
    if (key in options) throw new CompareOptionsError(`compare does not take \`${key}\`: ${why}.`);
  }
  const unknown = Object.keys(options).filter((key) => !OWN_KEYS.includes(key) && !PASSED_TO_FIT.includes(key));
  if (unknown.length > 0) {
    throw new CompareOptionsError(
      `compare does not know the option(s) ${unknown.map((k) => `'${k}'`).join(", ")}. Known options: ${[...OWN_KEYS, ...PASSED_TO_FIT].join(", ")}.`,
    );
  }
  const factories = options.optimizers;
  if (typeof factories !== "object" || factories === null || Array.isArray(factories)) {
    throw new CompareOptionsError(
      "compare needs `optimizers`: an object of factories, e.g. { opro: ({ seed }) => new InstructionOptimizer({ languageModel, seed }), " +
        "gepa: ({ seed }) => new ReflectiveOptimizer({ languageModel, seed }) } (a factory, so every run gets fresh optimizers).",
    );
  }
  const names = Object.keys(factories);
  if (names.length < 2) {
    throw new CompareOptionsError(`compare needs at least two entries in \`optimizers\` to compare, got ${names.length}. Use fit for one.`);
  }
  for (const name of names) {
    if (typeof factories[name] !== "function") {
      throw new CompareOptionsError(
        `optimizers.${name} must be a function returning fresh optimizers (e.g. ({ seed }) => new ReflectiveOptimizer({ languageModel, seed })), ` +
          `got ${typeof factories[name]}. An optimizer instance cannot be reused: it keeps state from run to run.`,
      );
    }
  }
  if (!Array.isArray(options.testset) || options.testset.length === 0) {
    throw new CompareOptionsError("compare needs a non-empty `testset`: every run's final program is scored on it, and the comparison is made on those scores.");
  }
  const budget = options.maxMetricCalls;
  if (budget === undefined) {
    throw new CompareOptionsError(
      `compare gives every optimizer the same metric budget: pass \`maxMetricCalls\` (a positive integer, or ${BUDGET_PRESETS.map((p) => `"${p}"`).join(" | ")}).`,
    );
  }
  if (!isBudgetPreset(budget) && !(Number.isInteger(budget) && (budget as number) > 0)) {
    throw new CompareOptionsError(
      `maxMetricCalls must be a positive integer or one of ${BUDGET_PRESETS.map((p) => `"${p}"`).join(", ")}, got ${JSON.stringify(budget)}.`,
    );
  }
  const seeds = checkSeeds(options.seeds);
  const pairing = options.pairing ?? "seeds";
  if (pairing !== "seeds" && pairing !== "examples") {
    throw new CompareOptionsError(`pairing must be "seeds" or "examples", got ${JSON.stringify(pairing)}.`);
  }
  const permutations = options.permutations ?? 10_000;
  if (!Number.isInteger(permutations) || permutations < 100) {
    throw new CompareOptionsError(`permutations must be an integer ≥ 100 (sign patterns drawn for the Monte-Carlo test), got ${String(permutations)}.`);
  }
  if (options.onRun !== undefined && typeof options.onRun !== "function") {
    throw new CompareOptionsError("onRun must be a function called after each run.");
  }
  return { names, seeds, pairing, permutations };
}

function checkSeeds(given: number | readonly number[] | undefined): number[] {
  if (given === undefined) return Array.from({ length: DEFAULT_SEEDS }, (_, i) => i);
  if (typeof given === "number") {
    if (!Number.isInteger(given) || given < 1) {
      throw new CompareOptionsError(`seeds must be a positive integer (a count) or a list of integers, got ${String(given)}.`);
    }
    return Array.from({ length: given }, (_, i) => i);
  }
  if (!Array.isArray(given) || given.length === 0 || !given.every((s) => Number.isInteger(s))) {
    throw new CompareOptionsError(`seeds must be a positive integer (a count) or a non-empty list of integers, got ${JSON.stringify(given)}.`);
  }
  const duplicate = given.find((s, i) => given.indexOf(s) !== i);
  if (duplicate !== undefined) {
    throw new CompareOptionsError(`seeds lists ${duplicate} twice; a seed repeated is the same run again, which the paired test would count twice.`);
  }
  return [...given];
}

/** The optimizers a factory built, checked: optimizers, fresh (never seen in an earlier run). */
export function checkFactoryResult(name: string, built: unknown, seen: WeakSet<object>): Optimizer[] {
  const list = Array.isArray(built) ? built : [built];
  const isOptimizer = (value: unknown) =>
    typeof value === "object" && value !== null && typeof (value as { applyOptimization?: unknown }).applyOptimization === "function";
  if (list.length === 0 || !list.every(isOptimizer)) {
    throw new CompareOptionsError(
      `optimizers.${name} must return an Optimizer or a non-empty array of them (e.g. new InstructionOptimizer({ languageModel, seed })), ` +
        `got ${list.length === 0 ? "an empty array" : typeof built}.`,
    );
  }
  for (const optimizer of list as Optimizer[]) {
    if (seen.has(optimizer)) {
      throw new CompareOptionsError(
        `optimizers.${name} returned the same optimizer object as an earlier run. Build it inside the factory ` +
          `(() => new …Optimizer({ … })): an optimizer keeps its candidates and counters, so a reused one carries a run into the next.`,
      );
    }
    seen.add(optimizer);
  }
  return list as Optimizer[];
}
