import { parseArgs } from "node:util";
import { BUDGET_PRESETS, isBudgetPreset, type BudgetPreset } from "../training/budget-presets.js";
import { UsageError } from "./errors.js";

export type CommandName = "tune" | "eval" | "report" | "compare";

/** The command line after parsing and checking; numbers are numbers. */
export interface CliArguments {
  command: CommandName | "help" | "version";
  /** The config path (tune, eval) or run-record path (report). */
  target?: string;
  out?: string;
  dataset?: string;
  /** eval: a tuned-values artifact to load into the program first. */
  load?: string;
  epochs?: number;
  concurrency?: number;
  seed?: number;
  budgetCalls?: number;
  budgetTokens?: number;
  budgetUsd?: number;
  checkpoint?: string;
  /** tune, compare: the metric budget of each run, a number or a preset. */
  maxMetricCalls?: number | BudgetPreset;
  /** compare: a count (seeds 0…n−1) or a list of seeds. */
  seeds?: number | number[];
  /** compare: how the paired test pairs scores. */
  pairing?: "seeds" | "examples";
  /** tune, compare: print what the run would spend and exit without running anything. */
  dryRun: boolean;
  resume: boolean;
  quiet: boolean;
}

const OPTIONS = {
  out: { type: "string" },
  dataset: { type: "string" },
  load: { type: "string" },
  epochs: { type: "string" },
  concurrency: { type: "string" },
  seed: { type: "string" },
  "budget-calls": { type: "string" },
  "budget-tokens": { type: "string" },
  "budget-usd": { type: "string" },
  checkpoint: { type: "string" },
  "max-metric-calls": { type: "string" },
  seeds: { type: "string" },
  pairing: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  resume: { type: "boolean", default: false },
  quiet: { type: "boolean", short: "q", default: false },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", short: "v", default: false },
} as const;

const COMMANDS: readonly CommandName[] = ["tune", "eval", "report", "compare"];

export function parseCliArguments(argv: readonly string[]): CliArguments {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run \`tunechain --help\` for the options.`, { cause: error });
  }
  const { values, positionals } = parsed;
  const base = { resume: values.resume, quiet: values.quiet, dryRun: values["dry-run"] };
  if (values.help) return { command: "help", ...base };
  if (values.version) return { command: "version", ...base };

  const [command, target, ...extra] = positionals;
  if (command === undefined) {
    throw new UsageError(
      "No command given. Use `tunechain tune <config>`, `tunechain eval <config>`, `tunechain compare <config>` or `tunechain report <run.json>`.",
    );
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`Unknown command '${command}'. Commands: ${COMMANDS.join(", ")} (see \`tunechain --help\`).`);
  }
  if (target === undefined) {
    throw new UsageError(`\`tunechain ${command}\` needs a ${command === "report" ? "run record path (run.json)" : "config file path"}.`);
  }
  if (extra.length > 0) throw new UsageError(`Unexpected argument(s): ${extra.join(" ")}.`);
  if (values.resume && values.checkpoint === undefined) {
    throw new UsageError("--resume needs --checkpoint <path>: the checkpoint to continue from.");
  }
  if (values["dry-run"] && command !== "tune" && command !== "compare") {
    throw new UsageError(`--dry-run applies to tune and compare (it prints what the run would spend), not to ${command}.`);
  }
  for (const flag of ["seeds", "pairing"] as const) {
    if (values[flag] !== undefined && command !== "compare") throw new UsageError(`--${flag} applies to \`tunechain compare\` only.`);
  }

  const args: CliArguments = { command: command as CommandName, target, ...base };
  if (values.out !== undefined) args.out = values.out;
  if (values.dataset !== undefined) args.dataset = values.dataset;
  if (values.load !== undefined) args.load = values.load;
  if (values.checkpoint !== undefined) args.checkpoint = values.checkpoint;
  const positiveInteger = (flag: string, text: string | undefined, minimum = 1) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < minimum) {
      throw new UsageError(`--${flag} must be an integer ≥ ${minimum}, got '${text}'.`);
    }
    return value;
  };
  const epochs = positiveInteger("epochs", values.epochs);
  const concurrency = positiveInteger("concurrency", values.concurrency);
  const seed = positiveInteger("seed", values.seed, 0);
  const budgetCalls = positiveInteger("budget-calls", values["budget-calls"]);
  const budgetTokens = positiveInteger("budget-tokens", values["budget-tokens"]);
  if (epochs !== undefined) args.epochs = epochs;
  if (concurrency !== undefined) args.concurrency = concurrency;
  if (seed !== undefined) args.seed = seed;
  if (budgetCalls !== undefined) args.budgetCalls = budgetCalls;
  if (budgetTokens !== undefined) args.budgetTokens = budgetTokens;
  if (values["max-metric-calls"] !== undefined) args.maxMetricCalls = metricBudget(values["max-metric-calls"]);
  if (values.seeds !== undefined) args.seeds = seedList(values.seeds);
  if (values.pairing !== undefined) {
    if (values.pairing !== "seeds" && values.pairing !== "examples") {
      throw new UsageError(`--pairing must be 'seeds' or 'examples', got '${values.pairing}'.`);
    }
    args.pairing = values.pairing;
  }
  if (values["budget-usd"] !== undefined) {
    const usd = Number(values["budget-usd"]);
    if (!Number.isFinite(usd) || usd <= 0) {
      throw new UsageError(`--budget-usd must be a positive number of dollars, got '${values["budget-usd"]}'.`);
    }
    args.budgetUsd = usd;
  }
  return args;
}

/** --max-metric-calls: a positive integer or a preset name. */
function metricBudget(text: string): number | BudgetPreset {
  if (isBudgetPreset(text)) return text;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`--max-metric-calls must be an integer ≥ 1 or one of ${BUDGET_PRESETS.join(", ")}, got '${text}'.`);
  }
  return value;
}

/** --seeds: a count ("6" → seeds 0…5) or a comma-separated list ("1,2,3"). */
function seedList(text: string): number | number[] {
  if (!text.includes(",")) {
    const count = Number(text);
    if (!Number.isInteger(count) || count < 1) {
      throw new UsageError(`--seeds must be a count ≥ 1 (e.g. 6) or a comma-separated list of integers (e.g. 1,2,3), got '${text}'.`);
    }
    return count;
  }
  const seeds = text.split(",").map((part) => part.trim());
  if (seeds.some((part) => !/^-?\d+$/.test(part))) {
    throw new UsageError(`--seeds must be a count ≥ 1 (e.g. 6) or a comma-separated list of integers (e.g. 1,2,3), got '${text}'.`);
  }
  const list = seeds.map(Number);
  const repeated = list.find((seed, i) => list.indexOf(seed) !== i);
  if (repeated !== undefined) throw new UsageError(`--seeds lists ${repeated} twice; each seed is one run of every optimizer.`);
  return list;
}
