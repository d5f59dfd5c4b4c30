import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Runnable } from "@langchain/core/runnables";
import type { Example } from "../data/example.js";
import type { Optimizer } from "../optimizers/optimizer.js";
import type { Reward } from "../rewards/reward.js";
import type { OptimizerFactory, Pairing } from "../compare/compare-options.js";
import type { Budget, PriceTable } from "../models/types.js";
import { UsageLedger } from "../models/usage-ledger.js";
import { BUDGET_PRESETS, isBudgetPreset, type BudgetPreset } from "../training/budget-presets.js";
import { ConfigError } from "./errors.js";
import { loadDataset } from "./load-dataset.js";
import { errorLineIn, keyLineIn } from "./source-location.js";

/** Keys a config may export (named exports, or properties of the default export). */
export const CONFIG_KEYS = [
  "program",
  "reward",
  "optimizers",
  "trainset",
  "valset",
  "testset",
  "dataset",
  "fit",
  "usage",
  "prices",
  "compare",
] as const;

/** The `compare` export: the contenders and how to compare them (flags override seeds, budget and pairing). */
export interface CompareConfig {
  optimizers: Record<string, OptimizerFactory>;
  seeds?: number | number[];
  maxMetricCalls?: number | BudgetPreset;
  pairing?: Pairing;
}

/** A config file after loading: datasets read, every value checked. */
export interface LoadedConfig {
  file: string;
  program: Runnable;
  reward: Reward;
  optimizers: Optimizer[];
  trainset?: Example[];
  valset?: Example[];
  /** Held-out examples scored once after tuning (tune) and the examples a comparison is judged on (compare). */
  testset?: Example[];
  dataset?: Example[];
  /** Prices per model, for `--dry-run` estimates and the ledger `tune` makes when the config exports no `usage`. */
  prices?: PriceTable;
  /** compare: the contenders and settings. */
  compare?: CompareConfig;
  /** Extra options for fit (epochs, batchSize, validationSplit, …); command-line flags override them. */
  fit: Record<string, unknown>;
  /** The UsageLedger the config's models record into (so budgets and the report count optimizer calls). */
  usage?: UsageLedger;
}

/** What a config's default function is called with. */
export interface ConfigContext {
  command: "tune" | "eval" | "compare";
  /** The budget given on the command line; pass it to your models so they refuse calls past it. */
  budget?: Budget;
}

export interface ConfigNeeds {
  /** `tune` needs optimizers and training data; `eval` needs only a dataset; `compare` needs `compare` and a testset. */
  command: "tune" | "eval" | "compare";
  /** Command-line budget, handed to a default-function config. */
  budget?: Budget;
  /** eval was given --dataset, so the config need not hold data. */
  hasDataset?: boolean;
}

/**
 * Imports a TS or JS config file (TypeScript through tsx, so no build step) and checks it. A config exports
 * `program`, `reward`, `optimizers` and data (`trainset` / `valset` arrays or dataset paths, or `dataset`),
 * as named exports or as one default object; a default function (sync or async) returning that object also
 * works, for configs that must start something first — it receives a ConfigContext (the command and the
 * command-line budget).
 */
export async function loadConfig(path: string, needs: ConfigNeeds): Promise<LoadedConfig> {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new ConfigError(file, undefined, "no such config file; pass the path of a .ts or .js file");
  }
  await enableTypeScriptImports(file);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n").filter(Boolean).slice(-1)[0] ?? error.message : String(error);
    throw new ConfigError(file, errorLineIn(file, error), `the config failed to load: ${reason}`, { cause: error });
  }
  const context: ConfigContext = { command: needs.command, ...(needs.budget ? { budget: needs.budget } : {}) };
  const exported = await configObject(file, module, context);
  const at = (key: string) => keyLineIn(file, key);

  const program = exported.program;
  if (!isRunnableLike(program)) {
    throw new ConfigError(
      file,
      at("program"),
      program === undefined
        ? "exports no `program`; export the chain to tune (a LangChain Runnable holding TrainablePrompts)"
        : "`program` must be a LangChain Runnable (something with an invoke method), e.g. prompt.pipe(model).pipe(parser)",
    );
  }
  const reward = exported.reward;
  if (typeof reward !== "function") {
    throw new ConfigError(
      file,
      at("reward"),
      reward === undefined
        ? "exports no `reward`; export one, e.g. `export const reward = exactMatch()` or a function (prediction, example) => number"
        : "`reward` must be a function (prediction, example) => number | { score, feedback }",
    );
  }

  let optimizers: Optimizer[] = [];
  if (needs.command === "tune" || (exported.optimizers !== undefined && needs.command !== "compare")) {
    const given = exported.optimizers;
    if (!Array.isArray(given) || given.length === 0 || !given.every(isOptimizerLike)) {
      throw new ConfigError(
        file,
        at("optimizers"),
        given === undefined
          ? "exports no `optimizers`; export a non-empty array, e.g. [new InstructionOptimizer({ languageModel })]"
          : "`optimizers` must be a non-empty array of tunechain optimizers (InstructionOptimizer, FewShotOptimizer, …)",
      );
    }
    optimizers = given as Optimizer[];
  }

  const fitOptions = exported.fit ?? {};
  if (typeof fitOptions !== "object" || fitOptions === null || Array.isArray(fitOptions)) {
    throw new ConfigError(file, at("fit"), "`fit` must be an object of fit options, e.g. { epochs: 2, batchSize: 8 }");
  }

  const config: LoadedConfig = {
    file,
    program: program as Runnable,
    reward: reward as Reward,
    optimizers,
    fit: fitOptions as Record<string, unknown>,
  };
  if (exported.usage !== undefined) {
    if (!(exported.usage instanceof UsageLedger)) {
      throw new ConfigError(
        file,
        at("usage"),
        "`usage` must be the UsageLedger your models record into, e.g. `export const usage = new UsageLedger()` " +
          "passed as `ledger` to fromOpenAI / fromChatModel",
      );
    }
    config.usage = exported.usage;
  }
  for (const key of ["trainset", "valset", "testset", "dataset"] as const) {
    const examples = await examplesOf(file, key, exported[key]);
    if (examples !== undefined) config[key] = examples;
  }
  if (exported.prices !== undefined) config.prices = pricesOf(file, exported.prices);
  if (needs.command === "compare" || exported.compare !== undefined) {
    config.compare = compareOf(file, exported.compare);
    if (needs.command === "compare" && !config.testset) {
      throw new ConfigError(
        file,
        undefined,
        "has no `testset`; compare judges the optimizers on held-out examples: export `testset` (an array or a .jsonl/.json path)",
      );
    }
  }
  if ((needs.command === "tune" || needs.command === "compare") && !config.trainset && !config.dataset) {
    throw new ConfigError(
      file,
      undefined,
      "has no training data; export `trainset` (an array of examples or a .jsonl/.json path) or `dataset`",
    );
  }
  if (needs.command === "eval" && !needs.hasDataset && !config.valset && !config.dataset && !config.trainset) {
    throw new ConfigError(file, undefined, "has no data to evaluate on; export `valset` or `dataset`, or pass --dataset");
  }
  return config;
}

let typeScriptEnabled = false;

/**
 * Lets `import()` load TypeScript through tsx, for the whole process. Not tsx's namespaced `tsImport`: that
 * would give the config its own copy of tunechain's modules, and objects made by one copy (a UsageLedger, an
 * optimizer) fail the other copy's instanceof checks. tsx is an optional peer dependency, so that a library
 * install does not carry it (and its esbuild binary): it is imported here, when a config is loaded, and only
 * a TypeScript config needs it.
 */
async function enableTypeScriptImports(file: string): Promise<void> {
  if (typeScriptEnabled) return;
  let tsx: typeof import("tsx/esm/api");
  try {
    tsx = await import("tsx/esm/api");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw error;
    if (!/\.[cm]?tsx?$/i.test(file)) return; // a JavaScript config loads without it
    throw new ConfigError(
      file,
      undefined,
      "a TypeScript config is loaded through tsx, which is not installed: run `npm install --save-dev tsx` (or write the config in JavaScript)",
      { cause: error },
    );
  }
  tsx.register();
  typeScriptEnabled = true;
}

async function configObject(
  file: string,
  module: Record<string, unknown>,
  context: ConfigContext,
): Promise<Record<string, unknown>> {
  let exported: unknown = module;
  const fallback = module.default;
  if (CONFIG_KEYS.every((key) => module[key] === undefined) && fallback !== undefined) {
    try {
      exported = typeof fallback === "function" ? await (fallback as (context: ConfigContext) => unknown)(context) : fallback;
    } catch (error) {
      throw new ConfigError(file, errorLineIn(file, error), `the config's default function threw: ${String(error)}`, {
        cause: error,
      });
    }
    if (typeof exported !== "object" || exported === null) {
      throw new ConfigError(file, keyLineIn(file, "default"), "the default export must be an object (or a function returning one)");
    }
    const unknown = Object.keys(exported).filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      throw new ConfigError(
        file,
        keyLineIn(file, unknown[0]!),
        `unknown key(s) ${unknown.map((k) => `'${k}'`).join(", ")} in the default export; known keys: ${CONFIG_KEYS.join(", ")}`,
      );
    }
  }
  return exported as Record<string, unknown>;
}

async function examplesOf(file: string, key: string, value: unknown): Promise<Example[] | undefined> {
  if (value === undefined) return undefined;
  if (typeof value === "string") {
    // Dataset paths are relative to the config, so a config and its data move together.
    return loadDataset(resolve(dirname(file), value));
  }
  if (Array.isArray(value)) {
    value.forEach((example, index) => {
      const ok = typeof example === "object" && example !== null && typeof (example as Example).input === "object";
      if (!ok) {
        throw new ConfigError(file, keyLineIn(file, key), `\`${key}\`[${index}] must be an example { input: {...}, expected }`);
      }
    });
    return value as Example[];
  }
  throw new ConfigError(file, keyLineIn(file, key), `\`${key}\` must be an array of examples or the path of a .jsonl/.json file`);
}

function pricesOf(file: string, value: unknown): PriceTable {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(
      file,
      keyLineIn(file, "prices"),
      "`prices` must be an object of model prices, e.g. { \"gpt-4o-mini\": { inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 } }",
    );
  }
  try {
    new UsageLedger({ prices: value as PriceTable });
  } catch (error) {
    throw new ConfigError(file, keyLineIn(file, "prices"), `\`prices\`: ${(error as Error).message}`, { cause: error });
  }
  return value as PriceTable;
}

function compareOf(file: string, value: unknown): CompareConfig {
  const at = (key: string) => keyLineIn(file, key);
  if (value === undefined) {
    throw new ConfigError(
      file,
      undefined,
      "exports no `compare`; export `compare = { optimizers: { name: ({ seed }) => new …Optimizer({ …, seed }), … }, seeds: 6, " +
        "maxMetricCalls: \"light\" }` — a factory per contender, so every run gets fresh optimizers",
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(file, at("compare"), "`compare` must be an object { optimizers, seeds?, maxMetricCalls?, pairing? }");
  }
  const given = value as Record<string, unknown>;
  const unknown = Object.keys(given).filter((key) => !["optimizers", "seeds", "maxMetricCalls", "pairing"].includes(key));
  if (unknown.length > 0) {
    throw new ConfigError(
      file,
      at(unknown[0]!),
      `unknown key(s) ${unknown.map((k) => `'${k}'`).join(", ")} in \`compare\`; known keys: optimizers, seeds, maxMetricCalls, pairing ` +
        "(fit options go in `fit`)",
    );
  }
  const optimizers = given.optimizers;
  if (typeof optimizers !== "object" || optimizers === null || Array.isArray(optimizers) || Object.keys(optimizers).length < 2) {
    throw new ConfigError(
      file,
      at("optimizers") ?? at("compare"),
      "`compare.optimizers` must be an object of at least two factories, e.g. { opro: ({ seed }) => new InstructionOptimizer({ languageModel, seed }), " +
        "gepa: ({ seed }) => new ReflectiveOptimizer({ languageModel, seed }) }",
    );
  }
  for (const [name, factory] of Object.entries(optimizers)) {
    if (typeof factory !== "function") {
      throw new ConfigError(
        file,
        at(name),
        `\`compare.optimizers.${name}\` must be a function returning fresh optimizers, e.g. ({ seed }) => new ReflectiveOptimizer({ languageModel, seed }); ` +
          "an optimizer instance cannot be shared by runs (it keeps state)",
      );
    }
  }
  const config: CompareConfig = { optimizers: optimizers as Record<string, OptimizerFactory> };
  if (given.seeds !== undefined) {
    const seeds = given.seeds;
    const ok =
      (typeof seeds === "number" && Number.isInteger(seeds) && seeds >= 1) ||
      (Array.isArray(seeds) && seeds.length > 0 && seeds.every((s) => Number.isInteger(s)) && new Set(seeds).size === seeds.length);
    if (!ok) throw new ConfigError(file, at("seeds"), "`compare.seeds` must be a count (e.g. 6) or a list of distinct integers (e.g. [1, 2, 3])");
    config.seeds = seeds as number | number[];
  }
  if (given.maxMetricCalls !== undefined) {
    const budget = given.maxMetricCalls;
    if (!isBudgetPreset(budget) && !(typeof budget === "number" && Number.isInteger(budget) && budget >= 1)) {
      throw new ConfigError(
        file,
        at("maxMetricCalls"),
        `\`compare.maxMetricCalls\` must be a positive integer or one of ${BUDGET_PRESETS.map((p) => `"${p}"`).join(", ")}`,
      );
    }
    config.maxMetricCalls = budget as number | BudgetPreset;
  }
  if (given.pairing !== undefined) {
    if (given.pairing !== "seeds" && given.pairing !== "examples") {
      throw new ConfigError(file, at("pairing"), '`compare.pairing` must be "seeds" or "examples"');
    }
    config.pairing = given.pairing;
  }
  return config;
}

function isRunnableLike(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { invoke?: unknown }).invoke === "function";
}

function isOptimizerLike(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { applyOptimization?: unknown }).applyOptimization === "function"
  );
}

