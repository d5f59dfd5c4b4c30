import type { CandidateValues } from "../data/scored-prediction.js";
import type { UsageSummary, UsageTotals } from "../models/types.js";
import { UsageLedger } from "../models/usage-ledger.js";
import type { Optimizer } from "../optimizers/optimizer.js";
import { collectTrainableVariables } from "../prompts/collect.js";
import { isBudgetPreset, resolveBudgetPreset, type BudgetPreset } from "../training/budget-presets.js";
import { fit, type FitOptions } from "../training/fit.js";
import type { Program } from "../training/program-evaluator.js";
import type { ModelRecord, RunStatus } from "../training/run-record.js";
import type { Variable } from "../variables/variable.js";
import { checkCompareOptions, checkFactoryResult, type CompareOptions, type Pairing } from "./compare-options.js";
import { CompareOptionsError, CompareRunError } from "./errors.js";
import { holmAdjust, signFlipTest, smallestExactPValue, type PairedTestResult } from "./paired-test.js";
import { writeComparisonReport } from "./render-comparison.js";

/** One fit of one contender with one seed. */
export interface ComparisonRun {
  optimizer: string;
  seed: number;
  /** The final program's mean on the testset (fit's testScore). */
  testScore: number;
  /** Each test example's score, in testset order. */
  exampleScores: number[];
  initialValScore?: number;
  finalValScore?: number;
  /** Program runs the run paid within its budget. */
  metricCalls: number;
  status: RunStatus;
  stoppedBy?: string;
  /** What this run alone spent (task calls always; the optimizers' calls when their models book into `usage`). */
  usage: UsageSummary;
  /** The values the run ended with (the program itself is put back to its initial values). */
  values: CandidateValues;
  models: ModelRecord[];
}

/** The paired test of one contender against the best. */
export interface ComparisonTest extends PairedTestResult {
  /** The p-value after Holm's adjustment over every comparison against the best. */
  adjustedPValue: number;
}

/** One contender over every seed. */
export interface ComparisonRow {
  optimizer: string;
  /** 1 for the best (highest mean test score). */
  rank: number;
  /** Test score per seed, in `settings.seeds` order. */
  scores: number[];
  mean: number;
  /** Sample standard deviation over seeds (0 with one seed). */
  sd: number;
  min: number;
  max: number;
  /** Seeds on which this contender had the best test score (ties count for each tied contender). */
  wins: number;
  /** Mean final validation score, when the runs had a valset. */
  valMean?: number;
  metricCalls: { mean: number; max: number };
  /** Mean model calls of a run, by role. */
  modelCalls: { task: number; optimizer: number };
  /** Against the best; absent on the best's own row. Differences are this contender's score minus the best's. */
  test?: ComparisonTest;
}

export interface ComparisonResult {
  /** The contender with the highest mean test score. */
  best: string;
  /** Every contender, best first. */
  rows: ComparisonRow[];
  /** Every run, seed by seed. */
  runs: ComparisonRun[];
  settings: {
    seeds: number[];
    maxMetricCalls: number;
    budgetPreset?: BudgetPreset;
    /** What the preset resolved to for each contender (the budget is the largest). */
    presetByOptimizer?: Record<string, number>;
    pairing: Pairing;
    permutations: number;
    trainSize: number;
    valSize: number;
    testSize: number;
    /** The optimizers each contender's factory built, by class. */
    optimizers: Record<string, string[]>;
  };
  /** Things to know when reading the table (too few seeds for a small p-value, runs that ended early, …). */
  notes: string[];
  /** Models that served the runs, by role (stand-in marks kept). */
  models: ModelRecord[];
  startedAt: string;
  finishedAt: string;
}

/** Two scores closer than this are a tie (wins, ranks). */
const TIE = 1e-12;

/**
 * Runs every contender of `optimizers` on the same program, data and metric budget with each seed, and compares
 * their held-out test scores: mean, sd and wins per contender, and a paired sign-flip test of each against the
 * best (Holm-adjusted). Every run starts from the program's initial values (snapshotted first, put back before
 * each run) with fresh optimizers from the factory, and fit's `seed` set to the run's seed. At the end — also when
 * a run fails — the program's variables hold their initial values again; each run's final values are in `runs`.
 */
export async function compare<Input, Output, Expected = unknown>(
  program: Program<Input, Output>,
  options: CompareOptions<Output, Expected>,
): Promise<ComparisonResult> {
  const startedAt = new Date().toISOString();
  const settings = checkCompareOptions(options as CompareOptions<unknown, unknown>);
  const variables = collectTrainableVariables(program, options.prompts);
  const initial = variables.map((variable) => ({ variable, value: structuredClone(variable.json()) }));
  const restore = () => {
    for (const { variable, value } of initial) variable.assign(structuredClone(value));
  };
  const seen = new WeakSet<object>();
  const build = (name: string, seed: number): Optimizer[] =>
    checkFactoryResult(name, (options.optimizers[name] as (context: { seed: number; name: string }) => unknown)({ seed, name }), seen);

  const { trainSize, valSize } = datasetSizes(options);
  const built = new Map(settings.names.map((name) => [name, build(name, settings.seeds[0] as number)]));
  const classes = Object.fromEntries([...built].map(([name, optimizers]) => [name, optimizers.map((o) => o.constructor.name)]));
  const { maxMetricCalls, presetByOptimizer } = comparisonBudget(options.maxMetricCalls, built, {
    trainSize,
    valSize,
    batchSize: options.batchSize ?? 8,
    variables,
  });

  const ledger = options.usage ?? new UsageLedger();
  const shared = pickFitOptions(options);
  const runs: ComparisonRun[] = [];
  const total = settings.seeds.length * settings.names.length;
  try {
    for (const seed of settings.seeds) {
      for (const name of settings.names) {
        options.signal?.throwIfAborted();
        // The first seed's optimizers were built above (to size a preset); every other run builds its own.
        const optimizers = seed === settings.seeds[0] && built.has(name) ? built.get(name)! : build(name, seed);
        built.delete(name);
        restore();
        const before = ledger.summary();
        let result;
        try {
          result = await fit(program, {
            ...shared,
            testset: options.testset,
            optimizers,
            seed,
            maxMetricCalls,
            usage: ledger,
            progress: false,
          } as FitOptions<Output, Expected>);
        } catch (error) {
          options.signal?.throwIfAborted();
          throw new CompareRunError(name, seed, error);
        }
        if (result.status === "aborted") options.signal?.throwIfAborted();
        if (result.testScore === undefined || result.testPredictions === undefined) {
          throw new CompareRunError(name, seed, new Error(`the run ended ${result.status} without a test score`));
        }
        const run: ComparisonRun = {
          optimizer: name,
          seed,
          testScore: result.testScore,
          exampleScores: result.testPredictions.map((p) => p.score),
          ...(result.record.initialValScore !== undefined ? { initialValScore: result.record.initialValScore } : {}),
          ...(result.record.finalValScore !== undefined ? { finalValScore: result.record.finalValScore } : {}),
          metricCalls: result.metricCalls.used,
          status: result.status,
          ...(result.stoppedBy ? { stoppedBy: result.stoppedBy.reason } : {}),
          usage: difference(ledger.summary(), before),
          values: result.best.values,
          models: result.record.models ?? [],
        };
        runs.push(run);
        options.onRun?.({ optimizer: name, seed, testScore: run.testScore, index: runs.length, total });
      }
    }
  } finally {
    restore();
  }

  const result = summarize(runs, {
    names: settings.names,
    seeds: settings.seeds,
    pairing: settings.pairing,
    permutations: settings.permutations,
  });
  const comparison: ComparisonResult = {
    ...result,
    settings: {
      seeds: settings.seeds,
      maxMetricCalls,
      ...(isBudgetPreset(options.maxMetricCalls) ? { budgetPreset: options.maxMetricCalls, presetByOptimizer } : {}),
      pairing: settings.pairing,
      permutations: settings.permutations,
      trainSize,
      valSize,
      testSize: options.testset.length,
      optimizers: classes,
    },
    models: mergeModels(runs),
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  if (options.reportPath) await writeComparisonReport(comparison, options.reportPath);
  return comparison;
}

/** Training and validation sizes as fit will see them (a validationSplit taken out of the trainset). */
export function datasetSizes(options: { trainset?: readonly unknown[]; valset?: readonly unknown[]; validationSplit?: number }): { trainSize: number; valSize: number } {
  const total = options.trainset?.length ?? 0;
  const split =
    options.valset === undefined && options.validationSplit !== undefined
      ? Math.max(1, Math.min(total - 1, Math.round(total * options.validationSplit)))
      : 0;
  return { trainSize: total - split, valSize: options.valset?.length ?? split };
}

/**
 * The metric budget of every run of a comparison: a number as given, or a preset resolved for each contender and
 * the largest kept — every contender gets at least what its own preset would give it, and all get the same.
 */
export function comparisonBudget(
  given: number | BudgetPreset,
  built: ReadonlyMap<string, readonly Optimizer[]>,
  shape: { trainSize: number; valSize: number; batchSize: number; variables: readonly Variable<object>[] },
): { maxMetricCalls: number; presetByOptimizer?: Record<string, number> } {
  if (!isBudgetPreset(given)) return { maxMetricCalls: given };
  const presetByOptimizer = Object.fromEntries(
    [...built].map(([name, optimizers]) => [name, resolveBudgetPreset(given, { ...shape, optimizers }).maxMetricCalls]),
  );
  return { maxMetricCalls: Math.max(...Object.values(presetByOptimizer)), presetByOptimizer };
}

/**
 * The statistics of a set of runs: rows ranked by mean test score, wins, and the paired test of each contender
 * against the best with Holm's adjustment. Exported for tests and for recomputing a saved comparison.
 */
export function summarize(
  runs: readonly ComparisonRun[],
  settings: { names: readonly string[]; seeds: readonly number[]; pairing: Pairing; permutations: number },
): Pick<ComparisonResult, "best" | "rows" | "runs" | "notes"> {
  const { names, seeds } = settings;
  const runOf = (name: string, seed: number): ComparisonRun => {
    const run = runs.find((r) => r.optimizer === name && r.seed === seed);
    if (!run) throw new CompareOptionsError(`No run of '${name}' with seed ${seed}: every contender needs a run on every seed.`);
    return run;
  };
  const bestBySeed = seeds.map((seed) => Math.max(...names.map((name) => runOf(name, seed).testScore)));
  const rows: ComparisonRow[] = names.map((name) => {
    const own = seeds.map((seed) => runOf(name, seed));
    const scores = own.map((r) => r.testScore);
    const vals = own.map((r) => r.finalValScore).filter((v): v is number => v !== undefined);
    const calls = own.map((r) => r.metricCalls);
    return {
      optimizer: name,
      rank: 0,
      scores,
      mean: mean(scores),
      sd: sd(scores),
      min: Math.min(...scores),
      max: Math.max(...scores),
      wins: scores.filter((score, i) => score >= (bestBySeed[i] as number) - TIE).length,
      ...(vals.length === own.length ? { valMean: mean(vals) } : {}),
      metricCalls: { mean: mean(calls), max: Math.max(...calls) },
      modelCalls: {
        task: mean(own.map((r) => r.usage.byRole.task?.calls ?? 0)),
        optimizer: mean(own.map((r) => r.usage.byRole.optimizer?.calls ?? 0)),
      },
    };
  });
  // Best first: mean, then wins, then the order given.
  const ranked = [...rows].sort((a, b) => b.mean - a.mean || b.wins - a.wins || names.indexOf(a.optimizer) - names.indexOf(b.optimizer));
  ranked.forEach((row, i) => (row.rank = i + 1));
  const best = ranked[0] as ComparisonRow;

  const others = ranked.slice(1);
  const tests = others.map((row, i) => {
    const differences =
      settings.pairing === "seeds"
        ? seeds.map((seed) => runOf(row.optimizer, seed).testScore - runOf(best.optimizer, seed).testScore)
        : seeds.flatMap((seed) => {
            const mine = runOf(row.optimizer, seed).exampleScores;
            const theirs = runOf(best.optimizer, seed).exampleScores;
            return mine.map((score, e) => score - (theirs[e] ?? 0));
          });
    return signFlipTest(differences, { permutations: settings.permutations, seed: i + 1 });
  });
  const adjusted = holmAdjust(tests.map((t) => t.pValue));
  others.forEach((row, i) => (row.test = { ...(tests[i] as PairedTestResult), adjustedPValue: adjusted[i] as number }));

  const notes: string[] = [];
  if (settings.pairing === "seeds") {
    const floor = smallestExactPValue(seeds.length);
    if (floor >= 0.05) {
      notes.push(
        `With ${seeds.length} seed(s) the seed-paired test cannot give a p-value below ${floor.toFixed(3)} (2^(1−n)): use 6 or more ` +
          `seeds for p < 0.05, or pairing "examples".`,
      );
    }
  }
  if (names.length > 2) {
    notes.push(
      `The best was picked from the data before testing the others against it, which makes the ${names.length - 1} comparisons ` +
        "slightly optimistic; Holm's adjustment covers their number, not the pick.",
    );
  }
  for (const run of runs) {
    if (run.status !== "completed") notes.push(`'${run.optimizer}' seed ${run.seed} ended ${run.status}${run.stoppedBy ? ` (${run.stoppedBy})` : ""}.`);
  }
  return { best: best.optimizer, rows: ranked, runs: [...runs], notes };
}

function pickFitOptions<Output, Expected>(options: CompareOptions<Output, Expected>): Partial<FitOptions<Output, Expected>> {
  const {
    optimizers: _optimizers,
    testset: _testset,
    seeds: _seeds,
    maxMetricCalls: _maxMetricCalls,
    pairing: _pairing,
    permutations: _permutations,
    reportPath: _reportPath,
    onRun: _onRun,
    ...rest
  } = options;
  return rest as Partial<FitOptions<Output, Expected>>;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function sd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

function subtract(after: UsageTotals | undefined, before: UsageTotals | undefined): UsageTotals {
  return {
    calls: (after?.calls ?? 0) - (before?.calls ?? 0),
    inputTokens: (after?.inputTokens ?? 0) - (before?.inputTokens ?? 0),
    outputTokens: (after?.outputTokens ?? 0) - (before?.outputTokens ?? 0),
    costUsd: (after?.costUsd ?? 0) - (before?.costUsd ?? 0),
  };
}

function difference(after: UsageSummary, before: UsageSummary): UsageSummary {
  const byRole: UsageSummary["byRole"] = {};
  for (const role of ["task", "optimizer", "judge"] as const) {
    if (after.byRole[role] || before.byRole[role]) byRole[role] = subtract(after.byRole[role], before.byRole[role]);
  }
  return { byRole, total: subtract(after.total, before.total) };
}

function mergeModels(runs: readonly ComparisonRun[]): ModelRecord[] {
  const merged = new Map<string, ModelRecord>();
  for (const model of runs.flatMap((r) => r.models)) {
    const key = `${model.role}\u0000${model.model}`;
    const known = merged.get(key);
    merged.set(key, { ...model, standIn: (known?.standIn ?? false) || model.standIn });
  }
  return [...merged.values()];
}
