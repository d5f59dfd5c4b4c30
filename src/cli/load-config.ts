import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Runnable } from "@langchain/core/runnables";
import type { Example } from "../data/example.js";
import type { Optimizer } from "../optimizers/optimizer.js";
import type { Reward } from "../rewards/reward.js";
import type { Budget } from "../models/types.js";
import { UsageLedger } from "../models/usage-ledger.js";
import { ConfigError } from "./errors.js";
import { loadDataset } from "./load-dataset.js";
import { errorLineIn, keyLineIn } from "./source-location.js";

/** Keys a config may export (named exports, or properties of the default export). */
export const CONFIG_KEYS = ["program", "reward", "optimizers", "trainset", "valset", "dataset", "fit", "usage"] as const;

/** A config file after loading: datasets read, every value checked. */
export interface LoadedConfig {
  file: string;
  program: Runnable;
  reward: Reward;
  optimizers: Optimizer[];
  trainset?: Example[];
  valset?: Example[];
  dataset?: Example[];
  /** Extra options for fit (epochs, batchSize, validationSplit, …); command-line flags override them. */
  fit: Record<string, unknown>;
  /** The UsageLedger the config's models record into (so budgets and the report count optimizer calls). */
  usage?: UsageLedger;
}

/** What a config's default function is called with. */
export interface ConfigContext {
  command: "tune" | "eval";
  /** The budget given on the command line; pass it to your models so they refuse calls past it. */
  budget?: Budget;
}

export interface ConfigNeeds {
  /** `tune` needs optimizers and training data; `eval` needs only a dataset. */
  command: "tune" | "eval";
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
  if (needs.command === "tune" || exported.optimizers !== undefined) {
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
  for (const key of ["trainset", "valset", "dataset"] as const) {
    const examples = await examplesOf(file, key, exported[key]);
    if (examples !== undefined) config[key] = examples;
  }
  if (needs.command === "tune" && !config.trainset && !config.dataset) {
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

