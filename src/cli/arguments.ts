import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";

export type CommandName = "tune" | "eval" | "report";

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
  resume: { type: "boolean", default: false },
  quiet: { type: "boolean", short: "q", default: false },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", short: "v", default: false },
} as const;

const COMMANDS: readonly CommandName[] = ["tune", "eval", "report"];

export function parseCliArguments(argv: readonly string[]): CliArguments {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run \`tunechain --help\` for the options.`, { cause: error });
  }
  const { values, positionals } = parsed;
  const base = { resume: values.resume, quiet: values.quiet };
  if (values.help) return { command: "help", ...base };
  if (values.version) return { command: "version", ...base };

  const [command, target, ...extra] = positionals;
  if (command === undefined) {
    throw new UsageError("No command given. Use `tunechain tune <config>`, `tunechain eval <config>` or `tunechain report <run.json>`.");
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
  if (values["budget-usd"] !== undefined) {
    const usd = Number(values["budget-usd"]);
    if (!Number.isFinite(usd) || usd <= 0) {
      throw new UsageError(`--budget-usd must be a positive number of dollars, got '${values["budget-usd"]}'.`);
    }
    args.budgetUsd = usd;
  }
  return args;
}
