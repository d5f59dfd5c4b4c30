import { basename, dirname, join, resolve } from "node:path";
import type { RunnableConfig } from "@langchain/core/runnables";
import { estimate, type EstimateOptions } from "../../estimate/estimate.js";
import { formatEstimate } from "../../estimate/format-estimate.js";
import { UsageLedger } from "../../models/usage-ledger.js";
import type { Budget } from "../../models/types.js";
import { saveVariables } from "../../training/artifacts.js";
import type { TrainingHooks } from "../../training/hooks.js";
import { fit, type FitOptions } from "../../training/fit.js";
import type { CliArguments } from "../arguments.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { guardInterrupts } from "../interrupt.js";
import { loadConfig, type LoadedConfig } from "../load-config.js";
import type { CliOutput } from "../output.js";

/** Where `tune` writes: the tuned values (--out) and the run record next to them. */
export function tuneOutputs(out: string | undefined): { artifact: string; record: string } {
  const artifact = resolve(out ?? "tuned.json");
  const stem = basename(artifact).replace(/\.json$/i, "");
  return { artifact, record: join(dirname(artifact), `${stem}.run.json`) };
}

/**
 * `tunechain tune <config>`: fit the config's program, save the tuned values and the run record. Flags
 * override the config's fit options. Ctrl-C aborts through fit's signal: the last batch's checkpoint stays,
 * the values found so far are saved, and the exit code is 130.
 */
export async function tuneCommand(args: CliArguments, output: CliOutput): Promise<ExitCodeValue> {
  const flagBudget = budgetOf(args, undefined);
  const config = await loadConfig(args.target!, { command: "tune", ...(flagBudget ? { budget: flagBudget } : {}) });
  const budget = budgetOf(args, config.fit.budget as Budget | undefined);
  if (args.dryRun) return dryRun(config, args, budget, output);
  const { artifact, record: recordPath } = tuneOutputs(args.out);
  // fit books the chain's own model calls into this ledger; the config's optimizer models record into the
  // same one when the config exports it as `usage`.
  const ledger = config.usage ?? new UsageLedger(config.prices ? { prices: config.prices } : {});

  const interrupts = guardInterrupts((text) => output.error(text.trimEnd()));
  const drawBar = !args.quiet && process.stdout.isTTY === true;
  const hooks: TrainingHooks[] = [];
  const given = config.fit.hooks as TrainingHooks | TrainingHooks[] | undefined;
  if (given) hooks.push(...(Array.isArray(given) ? given : [given]));
  if (!drawBar && !args.quiet) hooks.push(epochLines(output));

  const options: FitOptions = {
    ...(config.fit as Partial<FitOptions>),
    trainset: config.trainset ?? config.dataset!,
    reward: config.reward,
    optimizers: config.optimizers,
    signal: interrupts.signal,
    progress: drawBar,
    hooks,
    usage: ledger,
    recordPath,
    ...(config.fit.config ? { config: config.fit.config as RunnableConfig } : {}),
  };
  if (config.valset) options.valset = config.valset;
  if (config.testset) options.testset = config.testset;
  if (budget) options.budget = budget;
  if (args.maxMetricCalls !== undefined) options.maxMetricCalls = args.maxMetricCalls;
  if (args.epochs !== undefined) options.epochs = args.epochs;
  if (args.concurrency !== undefined) options.concurrency = args.concurrency;
  if (args.seed !== undefined) options.seed = args.seed;
  if (args.checkpoint !== undefined) options.checkpoint = resolve(args.checkpoint);
  if (args.resume) options.resume = true;

  let result;
  try {
    result = await fit(config.program, options);
  } finally {
    interrupts.dispose();
  }
  await saveVariables(config.program, artifact, {
    ...(result.best.valScore !== undefined ? { score: result.best.valScore } : {}),
    optimizers: config.optimizers,
  });

  const { record } = result;
  const scores =
    record.initialValScore === undefined
      ? ""
      : record.finalValScore === undefined
        ? ` Validation: ${record.initialValScore.toFixed(3)} (seed); the tuned values were not measured.`
        : ` Validation: ${record.initialValScore.toFixed(3)} (seed) → ${record.finalValScore.toFixed(3)} (tuned).`;
  const why = record.stoppedBy ? ` (${record.stoppedBy.reason})` : "";
  output.info(
    `Run ${record.status}${why} after ${record.history.length} steps, ${record.metricCalls.used} program runs and ` +
      `${record.usage.total.calls} model calls.${scores}`,
  );
  if (record.testScore !== undefined) output.info(`Test set: ${record.testScore.toFixed(3)} (scored once, outside the budget).`);
  for (const stats of record.proposals) {
    const refused = Object.entries(stats.rejected).map(([reason, n]) => `${reason} ${n}`);
    output.info(
      `Proposals of ${stats.optimizer}: ${stats.proposals} asked, ${stats.failed} failed` + (refused.length > 0 ? ` (refused: ${refused.join(", ")})` : "") + ".",
    );
  }
  output.info(`Tuned values: ${artifact}`);
  output.info(`Run record:   ${recordPath}  (HTML report: tunechain report ${recordPath})`);
  switch (record.status) {
    case "budget-exhausted":
      output.error("The budget ran out; the best values found until then were saved.");
      return ExitCode.budgetExhausted;
    case "aborted":
      output.error(
        args.checkpoint
          ? `Interrupted. Continue with: tunechain tune ${args.target} --checkpoint ${args.checkpoint} --resume`
          : "Interrupted. Use --checkpoint <path> next time to be able to resume.",
      );
      return ExitCode.interrupted;
    default:
      return ExitCode.ok;
  }
}

/** fit options of a config that do not change what a run costs (estimate refuses them). */
const NOT_ESTIMATED = ["hooks", "signal", "progress", "checkpoint", "resume", "recordPath", "usage", "budget"];

/** The estimate options of a config with the command line's flags applied. */
export function estimateOptionsOf(config: LoadedConfig, args: CliArguments): EstimateOptions {
  const fitOptions = Object.fromEntries(Object.entries(config.fit).filter(([key]) => !NOT_ESTIMATED.includes(key)));
  const options: EstimateOptions = {
    ...(fitOptions as Partial<EstimateOptions>),
    trainset: config.trainset ?? config.dataset!,
    reward: config.reward,
    optimizers: config.optimizers,
    ...(config.valset ? { valset: config.valset } : {}),
    ...(config.testset ? { testset: config.testset } : {}),
    ...(config.prices ? { prices: config.prices } : {}),
  };
  if (args.epochs !== undefined) options.epochs = args.epochs;
  if (args.seed !== undefined) options.seed = args.seed;
  if (args.maxMetricCalls !== undefined) options.maxMetricCalls = args.maxMetricCalls;
  return options;
}

/** `tune --dry-run`: what the run would spend, worked out without running the program or calling a model. */
async function dryRun(config: LoadedConfig, args: CliArguments, budget: Budget | undefined, output: CliOutput): Promise<ExitCodeValue> {
  const result = await estimate(config.program, estimateOptionsOf(config, args));
  output.info(`Dry run of ${args.target}:`);
  for (const line of formatEstimate(result)) output.info(line);
  const calls = result.taskCalls + result.optimizerCalls + result.judgeCalls;
  if (budget?.maxCalls !== undefined && calls > budget.maxCalls) {
    output.info(`The budget of ${budget.maxCalls} model calls would stop the run before it ends (about ${calls} expected).`);
  }
  if (budget?.maxCostUsd !== undefined && result.costUsd > budget.maxCostUsd) {
    output.info(`The budget of $${budget.maxCostUsd} would stop the run before it ends (about $${result.costUsd.toFixed(4)} expected).`);
  }
  output.info("Nothing was run. Run the same command without --dry-run to tune.");
  return ExitCode.ok;
}


function budgetOf(args: CliArguments, fromConfig: Budget | undefined): Budget | undefined {
  const budget: Budget = { ...fromConfig };
  if (args.budgetCalls !== undefined) budget.maxCalls = args.budgetCalls;
  if (args.budgetTokens !== undefined) budget.maxTokens = args.budgetTokens;
  if (args.budgetUsd !== undefined) budget.maxCostUsd = args.budgetUsd;
  return Object.keys(budget).length > 0 ? budget : undefined;
}

/** Without a terminal (CI logs, pipes) one line per epoch instead of a bar; on stderr, like the bar's role. */
function epochLines(output: CliOutput): TrainingHooks {
  let epochs = 0;
  let lastTrain: number | undefined;
  return {
    onTrainBegin(info) {
      epochs = info.epochs;
      const start = info.startEpoch > 0 || info.startBatch > 0 ? `, resuming at epoch ${info.startEpoch + 1} batch ${info.startBatch + 1}` : "";
      const seed = info.initialValScore !== undefined ? `, seed validation ${info.initialValScore.toFixed(3)}` : "";
      const length = Number.isFinite(epochs) ? `${epochs} epoch(s)` : `until ${info.maxMetricCalls} program runs are spent`;
      output.error(`tuning: ${info.trainSize} training and ${info.valSize} validation examples, ${length}${start}${seed}`);
    },
    onBatchEnd(entry) {
      lastTrain = entry.trainReward;
    },
    onEpochEnd(info) {
      const train = lastTrain === undefined ? "" : ` train ${lastTrain.toFixed(3)}`;
      const val = info.valReward === undefined ? "" : ` validation ${info.valReward.toFixed(3)}`;
      output.error(`epoch ${info.epoch + 1}${Number.isFinite(epochs) ? `/${epochs}` : ""}:${train}${val}`);
    },
  };
}
