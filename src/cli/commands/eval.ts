import { resolve } from "node:path";
import type { Example } from "../../data/example.js";
import { writeFileAtomic } from "../../training/files.js";
import { loadVariables } from "../../training/artifacts.js";
import { evaluate } from "../../training/evaluate.js";
import type { CliArguments } from "../arguments.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { guardInterrupts } from "../interrupt.js";
import { loadConfig } from "../load-config.js";
import { loadDataset } from "../load-dataset.js";
import type { CliOutput } from "../output.js";

/** Lowest-scoring examples listed after an evaluation, so a person sees what fails. */
const SHOWN_FAILURES = 5;

/**
 * `tunechain eval <config>`: runs the program on a dataset (--dataset, else the config's valset, dataset or
 * trainset) and prints the mean reward; --load scores tuned values, --out keeps every score as JSON.
 */
export async function evalCommand(args: CliArguments, output: CliOutput): Promise<ExitCodeValue> {
  const config = await loadConfig(args.target!, { command: "eval", hasDataset: args.dataset !== undefined });
  let dataset: Example[];
  let source: string;
  if (args.dataset !== undefined) {
    dataset = await loadDataset(resolve(args.dataset));
    source = args.dataset;
  } else {
    const [name, examples] = config.valset
      ? ["valset", config.valset]
      : config.dataset
        ? ["dataset", config.dataset]
        : ["trainset", config.trainset!];
    dataset = examples;
    source = `the config's ${name}`;
  }
  if (args.load !== undefined) {
    await loadVariables(config.program, resolve(args.load));
    output.info(`Loaded tuned values from ${args.load}.`);
  }

  const interrupts = guardInterrupts((text) => output.error(text.trimEnd()));
  try {
    const fitConcurrency = typeof config.fit.concurrency === "number" ? config.fit.concurrency : undefined;
    const result = await evaluate(config.program, {
      dataset,
      reward: config.reward,
      concurrency: args.concurrency ?? fitConcurrency ?? 4,
      signal: interrupts.signal,
    });
    output.info(`Mean reward ${result.mean.toFixed(3)} over ${dataset.length} examples (${source}).`);
    if (!args.quiet) {
      const failures = result.predictions
        .filter((prediction) => prediction.score < 1)
        .sort((a, b) => a.score - b.score)
        .slice(0, SHOWN_FAILURES);
      for (const failure of failures) {
        const feedback = failure.feedback ? ` — ${failure.feedback}` : "";
        output.info(`  ${failure.score.toFixed(2)}  ${failure.exampleId}: ${JSON.stringify(failure.input)}${feedback}`);
      }
    }
    if (args.out !== undefined) {
      const out = resolve(args.out);
      const body = { mean: result.mean, count: dataset.length, scores: result.scores, predictions: result.predictions };
      await writeFileAtomic(out, `${JSON.stringify(body, null, 2)}\n`);
      output.info(`Scores written to ${out}.`);
    }
    return ExitCode.ok;
  } catch (error) {
    if (interrupts.interrupted) {
      output.error("Evaluation interrupted; nothing was written.");
      return ExitCode.interrupted;
    }
    throw error;
  } finally {
    interrupts.dispose();
  }
}
