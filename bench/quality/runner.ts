// One benchmark run: a fresh program, a fresh optimizer at default settings (only `languageModel` and `seed`)
// and fit with the shared metric budget, the task's splits and its reward. Reports the test mean and what the
// run used.
import {
  EvolutionaryOptimizer,
  evaluate,
  FewShotOptimizer,
  fit,
  InstructionOptimizer,
  MiproOptimizer,
  RandomSearchOptimizer,
  ReflectiveOptimizer,
  SimbaOptimizer,
  type FitResult,
  type Optimizer,
} from "../../src/index.js";
import type { ScriptedLanguageModel } from "../../src/testing/index.js";
import { createProposer } from "./proposer.js";
import type { QualityTask } from "./tasks.js";
import { makeReward, shortFormOf } from "./world.js";

export const OPTIMIZERS = ["GEPA", "OPRO", "OMEGA", "FewShot", "GEPA, feedback redacted", "MIPROv2", "SIMBA", "RandomSearch"] as const;
/** An extra row where demonstrations matter: both optimizers in one fit (GEPA owns the instructions, FewShot the examples). */
export const COMBINED = "GEPA + FewShot";
export type OptimizerRow = (typeof OPTIMIZERS)[number] | typeof COMBINED;

export interface RunOutcome {
  test: number;
  metricCalls: number;
  modelCalls: number;
  status: string;
  stoppedBy?: string;
  result: FitResult;
  proposer?: ScriptedLanguageModel;
}

function makeOptimizer(row: OptimizerRow, seed: number): { optimizer: Optimizer | Optimizer[]; proposer?: ScriptedLanguageModel } {
  if (row === "FewShot") return { optimizer: new FewShotOptimizer({ seed }) };
  if (row === COMBINED) {
    const proposer = createProposer();
    return { optimizer: [new ReflectiveOptimizer({ languageModel: proposer, seed }), new FewShotOptimizer({ seed })], proposer };
  }
  const proposer = createProposer();
  const fields = { languageModel: proposer, seed };
  const optimizer =
    row === "OPRO"
      ? new InstructionOptimizer(fields)
      : row === "OMEGA"
        ? new EvolutionaryOptimizer(fields)
        : row === "MIPROv2"
          ? new MiproOptimizer(fields)
          : row === "SIMBA"
            ? new SimbaOptimizer(fields)
            : row === "RandomSearch"
              ? new RandomSearchOptimizer(fields)
              : new ReflectiveOptimizer(fields);
  return { optimizer, proposer };
}

export async function runOnce(task: QualityTask, row: OptimizerRow, seed: number, maxMetricCalls: number): Promise<RunOutcome> {
  const { program } = task.build();
  const { optimizer, proposer } = makeOptimizer(row, seed);
  const result = await fit(program, {
    trainset: task.splits.train,
    valset: task.splits.val,
    testset: task.splits.test,
    reward: task.reward(seed, row !== "GEPA, feedback redacted"),
    optimizers: optimizer,
    maxMetricCalls,
    seed,
    progress: false,
  });
  if (result.testScore === undefined) throw new Error(`${task.id}/${row}/seed ${seed}: fit reported no test score (status ${result.status}).`);
  return {
    test: result.testScore,
    metricCalls: result.metricCalls.used,
    modelCalls: proposer?.calls.length ?? 0,
    status: result.status,
    ...(result.stoppedBy ? { stoppedBy: result.stoppedBy.reason } : {}),
    result,
    ...(proposer ? { proposer } : {}),
  };
}

export interface References {
  ceiling: number;
  bestFixed: number;
  bestFixedAnswer: string;
  seed: number;
}

/** Rule ceiling, best constant answer and unoptimized seed, each measured on the test set with the clean reward. */
export async function references(task: QualityTask): Promise<References> {
  const reward = makeReward({ feedback: false, longFormat: task.longFormat });
  const mean = async (values?: Parameters<typeof evaluate>[1]["values"]) => {
    const { program } = task.build();
    return (await evaluate(program, { dataset: task.splits.test, reward, ...(values ? { values } : {}) })).mean;
  };
  const ceiling = await mean(task.ceiling());
  const seed = await mean();
  // Every constant answer an example expects (and its short form), scored on every test example.
  const constants = new Set<string>();
  for (const e of [...task.splits.train, ...task.splits.test]) {
    constants.add(String(e.expected));
    const short = shortFormOf(String(e.expected));
    if (short) constants.add(short);
  }
  let bestFixed = -1;
  let bestFixedAnswer = "";
  for (const answer of [...constants].sort()) {
    let total = 0;
    for (const e of task.splits.test) {
      const r = await reward(answer, { ...e, id: e.id ?? "" });
      total += typeof r === "number" ? r : r.score;
    }
    const m = total / task.splits.test.length;
    if (m > bestFixed) {
      bestFixed = m;
      bestFixedAnswer = answer;
    }
  }
  return { ceiling, bestFixed, bestFixedAnswer, seed };
}

/**
 * Diagnostic for runs that end on the seed program: the test mean of the candidate with the best training
 * mean on the optimizer's leaderboard (most evaluations on ties) — what the search had found before fit's
 * final choice put the seed back.
 */
export async function bestTrainingCandidateTest(task: QualityTask, result: FitResult): Promise<number | undefined> {
  const ranked = [...result.record.leaderboard]
    .filter((c) => c.evaluations > 0)
    .sort((a, b) => b.meanScore - a.meanScore || b.evaluations - a.evaluations);
  const top = ranked[0];
  if (!top) return undefined;
  const initial = result.record.initialValues;
  const values = Object.fromEntries(Object.entries(initial).map(([name, value]) => [name, { ...value, ...(top.values[name] ?? {}) }]));
  const { program } = task.build();
  const reward = makeReward({ feedback: false, longFormat: task.longFormat });
  return (await evaluate(program, { dataset: task.splits.test, reward, values })).mean;
}
