// Bench part: compare() on the quality benchmark's hidden-rule tasks (bench/quality/). Each optimizer at its
// default settings (only `languageModel` and `seed`), the same metric budget, seeds 1–10 — the runs of
// bench/parts/quality.ts, made by compare() on one program restored between runs — and the comparison table:
// test mean ± sd, wins, and each optimizer's paired sign-flip p-value against the best, Holm-adjusted.
//
// Left out of quality.ts's rows: the noisy task (its reward keeps per-run noise state, and compare() takes one
// reward for every run) and "GEPA, feedback redacted" (a different reward, not a different optimizer).
import {
  compare,
  EvolutionaryOptimizer,
  FewShotOptimizer,
  formatComparisonTable,
  InstructionOptimizer,
  ReflectiveOptimizer,
  UsageLedger,
  type ChatMessage,
  type LanguageModel,
  type ModelCallOptions,
  type OptimizerFactory,
  type StructuredRequest,
} from "../../src/index.js";
import { createProposer } from "../quality/proposer.js";
import { qualityTasks, SIZES } from "../quality/tasks.js";

export const title = "optimizer comparison: compare() on the quality tasks, test mean, wins and paired p-values";

const MAX_METRIC_CALLS = Number(process.env.QUALITY_BUDGET ?? 240);
const SEEDS = Array.from({ length: Number(process.env.QUALITY_SEEDS ?? 10) }, (_, i) => i + 1);
const TASKS = (process.env.COMPARE_TASKS ?? "clean,two-prompt,demos").split(",").filter(Boolean);

/** The benchmark's optimizer stand-in, booking each call in `ledger` (role optimizer) so the table counts them. */
function bookedProposer(ledger: UsageLedger): LanguageModel {
  const inner = createProposer();
  const book = (usage: { inputTokens: number; outputTokens: number }) =>
    ledger.record({ role: "optimizer", model: inner.modelName, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens });
  return {
    modelName: inner.modelName,
    async generateText(messages: readonly ChatMessage[], options?: ModelCallOptions) {
      const result = await inner.generateText(messages, options);
      book(result.usage);
      return result;
    },
    async generateStructured<T>(messages: readonly ChatMessage[], request: StructuredRequest, options?: ModelCallOptions) {
      const result = await inner.generateStructured<T>(messages, request, options);
      book(result.usage);
      return result;
    },
  };
}

export async function run(): Promise<boolean> {
  const started = performance.now();
  console.log(
    `compare() on ${TASKS.join(", ")}: seeds ${SEEDS[0]}–${SEEDS.at(-1)}, maxMetricCalls ${MAX_METRIC_CALLS}, ` +
      `train/val/test ${SIZES.train}/${SIZES.val}/${SIZES.test}, fit defaults otherwise (batch 8, concurrency 4).`,
  );
  let ok = true;
  for (const task of qualityTasks().filter((t) => TASKS.includes(t.id))) {
    const taskStart = performance.now();
    const usage = new UsageLedger();
    const optimizers: Record<string, OptimizerFactory> = {
      GEPA: ({ seed }) => new ReflectiveOptimizer({ languageModel: bookedProposer(usage), seed }),
      OPRO: ({ seed }) => new InstructionOptimizer({ languageModel: bookedProposer(usage), seed }),
      OMEGA: ({ seed }) => new EvolutionaryOptimizer({ languageModel: bookedProposer(usage), seed }),
      FewShot: ({ seed }) => new FewShotOptimizer({ seed }),
    };
    if (task.demonstrationsMatter) {
      optimizers["GEPA + FewShot"] = ({ seed }) => [new ReflectiveOptimizer({ languageModel: bookedProposer(usage), seed }), new FewShotOptimizer({ seed })];
    }
    const { program } = task.build();
    const result = await compare(program, {
      trainset: task.splits.train,
      valset: task.splits.val,
      testset: task.splits.test,
      reward: task.reward(0, true),
      optimizers,
      seeds: SEEDS,
      maxMetricCalls: MAX_METRIC_CALLS,
      usage,
      reportPath: `.tunechain/bench/compare-${task.id}.html`,
    });
    console.log(`\n### ${task.id} — ${task.title} (${((performance.now() - taskStart) / 1000).toFixed(1)} s)\n`);
    console.log(formatComparisonTable(result));
    console.log(`\nReport: .tunechain/bench/compare-${task.id}.html`);
    if (result.runs.some((r) => r.metricCalls > MAX_METRIC_CALLS)) ok = false;
  }
  console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  return ok;
}
