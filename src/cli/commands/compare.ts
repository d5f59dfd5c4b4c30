import { resolve } from "node:path";
import { compare, type ComparisonResult } from "../../compare/compare.js";
import type { CompareOptions, OptimizerFactory } from "../../compare/compare-options.js";
import { formatComparisonTable } from "../../compare/comparison-table.js";
import { CompareRunError } from "../../compare/errors.js";
import { estimateComparison } from "../../compare/estimate-comparison.js";
import { formatEstimate } from "../../estimate/format-estimate.js";
import { formatUsd } from "../../report/format.js";
import { writeFileAtomic } from "../../training/files.js";
import type { CliArguments } from "../arguments.js";
import { ConfigError } from "../errors.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { guardInterrupts } from "../interrupt.js";
import { loadConfig, type LoadedConfig } from "../load-config.js";
import type { CliOutput } from "../output.js";
import { errorLineIn, keyLineIn } from "../source-location.js";

/** fit options of a config that a comparison cannot pass to its runs (it sets them itself or refuses them). */
const NOT_PASSED = ["hooks", "signal", "progress", "checkpoint", "resume", "recordPath", "usage", "budget", "seed", "maxMetricCalls", "testset"];

/**
 * `tunechain compare <config>`: every contender of the config's `compare.optimizers` on the same program, data
 * and metric budget, once per seed; prints the ranking with p-values and writes the HTML report (--out, default
 * comparison.html) with the comparison as JSON next to it. `--dry-run` prints what it would spend instead.
 */
export async function compareCommand(args: CliArguments, output: CliOutput): Promise<ExitCodeValue> {
  const config = await loadConfig(args.target!, { command: "compare" });
  const options = compareOptionsOf(config, args);
  checkFactories(config, options);

  if (args.dryRun) {
    const estimated = await estimateComparison(config.program, { ...options, ...(config.prices ? { prices: config.prices } : {}) });
    output.info(
      `Dry run of ${args.target}: ${estimated.perRun.length} optimizers × ${estimated.seeds} seeds = ${estimated.total.runs} runs, ` +
        `maxMetricCalls ${estimated.maxMetricCalls} each.`,
    );
    for (const { optimizer, estimate } of estimated.perRun) {
      output.info(`\n${optimizer} — one run:`);
      for (const line of formatEstimate(estimate)) output.info(line);
    }
    const total = estimated.total;
    output.info(
      `\nAll ${total.runs} runs: ${total.metricCalls.toLocaleString("en-US")} program runs within the budgets + ` +
        `${total.testCalls.toLocaleString("en-US")} on the testset, ${(total.taskCalls + total.optimizerCalls).toLocaleString("en-US")} model calls ` +
        `(task ${total.taskCalls.toLocaleString("en-US")}, optimizer ${total.optimizerCalls.toLocaleString("en-US")}), ` +
        `${formatUsd(total.costUsd)}.`,
    );
    output.info("Nothing was run. Run the same command without --dry-run to compare.");
    return ExitCode.ok;
  }

  const out = resolve(args.out ?? "comparison.html");
  const interrupts = guardInterrupts((text) => output.error(text.trimEnd()));
  let result: ComparisonResult;
  try {
    result = await compare(config.program, {
      ...options,
      signal: interrupts.signal,
      reportPath: out,
      onRun: (run) => {
        if (!args.quiet) output.error(`run ${run.index}/${run.total}: ${run.optimizer}, seed ${run.seed}: test ${run.testScore.toFixed(3)}`);
      },
    });
  } catch (error) {
    if (interrupts.interrupted) {
      output.error("Comparison interrupted; nothing was written.");
      return ExitCode.interrupted;
    }
    if (error instanceof CompareRunError) {
      output.error(`tunechain compare: the run of '${error.optimizer}' with seed ${error.seed} failed.`);
      throw error.cause;
    }
    throw error;
  } finally {
    interrupts.dispose();
  }
  const json = out.replace(/\.html?$/i, "") + ".json";
  await writeFileAtomic(json, `${JSON.stringify(result, null, 2)}\n`);
  output.info(formatComparisonTable(result));
  output.info(`\nReport:     ${out}`);
  output.info(`Comparison: ${json}`);
  return ExitCode.ok;
}

function compareOptionsOf(config: LoadedConfig, args: CliArguments): CompareOptions {
  const spec = config.compare!;
  const fitOptions = Object.fromEntries(Object.entries(config.fit).filter(([key]) => !NOT_PASSED.includes(key)));
  const maxMetricCalls = args.maxMetricCalls ?? spec.maxMetricCalls ?? (config.fit.maxMetricCalls as CompareOptions["maxMetricCalls"] | undefined);
  if (maxMetricCalls === undefined) {
    throw new ConfigError(
      config.file,
      keyLineIn(config.file, "compare"),
      'a comparison gives every optimizer the same metric budget: set `compare.maxMetricCalls` (a number or "light" | "medium" | "heavy") or pass --max-metric-calls',
    );
  }
  const seeds = args.seeds ?? spec.seeds;
  const pairing = args.pairing ?? spec.pairing;
  const options: CompareOptions = {
    ...(fitOptions as Partial<CompareOptions>),
    trainset: config.trainset ?? config.dataset!,
    testset: config.testset!,
    reward: config.reward,
    optimizers: spec.optimizers,
    maxMetricCalls,
    ...(seeds !== undefined ? { seeds } : {}),
    ...(pairing !== undefined ? { pairing } : {}),
    ...(config.valset ? { valset: config.valset } : {}),
    ...(config.usage ? { usage: config.usage } : {}),
  };
  if (args.epochs !== undefined) options.epochs = args.epochs;
  if (args.concurrency !== undefined) options.concurrency = args.concurrency;
  return options;
}

/** Builds each contender once before anything runs, so a broken factory is reported at its line in the config. */
function checkFactories(config: LoadedConfig, options: CompareOptions): void {
  const seeds = options.seeds;
  const seed = typeof seeds === "number" || seeds === undefined ? 0 : (seeds[0] ?? 0);
  for (const [name, factory] of Object.entries(options.optimizers) as [string, OptimizerFactory][]) {
    let built: unknown;
    try {
      built = factory({ seed, name });
    } catch (error) {
      throw new ConfigError(
        config.file,
        errorLineIn(config.file, error) ?? keyLineIn(config.file, name),
        `\`compare.optimizers.${name}\` threw when called with { seed: ${seed} }: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const list = Array.isArray(built) ? built : [built];
    const ok = list.length > 0 && list.every((o) => typeof (o as { applyOptimization?: unknown })?.applyOptimization === "function");
    if (!ok) {
      throw new ConfigError(
        config.file,
        keyLineIn(config.file, name),
        `\`compare.optimizers.${name}\` must return an optimizer or an array of them (e.g. new InstructionOptimizer({ languageModel, seed })), ` +
          `got ${Array.isArray(built) ? "an array of something else" : typeof built}`,
      );
    }
  }
}
