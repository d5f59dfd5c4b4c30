import type { Example } from "../data/example.js";
import type { PriceTable } from "../models/types.js";
import type { LanguageModel } from "../models/types.js";
import type { Optimizer } from "../optimizers/optimizer.js";
import { collectTrainablePrompts, collectTrainableVariables } from "../prompts/collect.js";
import { SeededRandom } from "../random/seeded-random.js";
import { planStep, resolveBudgetPreset, type BudgetPreset, type StepPlan } from "../training/budget-presets.js";
import { identifyExamples, splitValidation } from "../training/dataset.js";
import { checkOptions, FIT_OPTION_NAMES, type FitOptions } from "../training/fit-options.js";
import type { Program } from "../training/program-evaluator.js";
import { FewShotOptimizer } from "../optimizers/few-shot-optimizer.js";
import { PoolOptimizer } from "../optimizers/pool-optimizer.js";
import { schemaKeys } from "../variables/schema.js";
import type { Variable } from "../variables/variable.js";
import { EstimateOptionsError } from "./errors.js";
import { optimizerCallTokens } from "./meta-prompts.js";
import { renderedPromptTokens, estimateTokens, textOf } from "./token-count.js";
import { findChatModelName } from "./model-names.js";

/** fit's options that change what a run costs, plus what pricing it needs. */
export interface EstimateOptions<Output = unknown, Expected = unknown>
  extends Omit<FitOptions<Output, Expected>, "signal" | "hooks" | "progress" | "checkpoint" | "resume" | "recordPath" | "usage" | "budget"> {
  /** Prices per model name (UsageLedger's PriceTable); a model missing from it costs 0, and the assumptions say so. */
  prices?: PriceTable;
  /** Model names to price the calls with, when the program's chat model or the optimizers' models do not name one. */
  models?: { task?: string; optimizer?: string };
  /** Model calls one program run makes (default: one per TrainablePrompt of the program; an agent makes more). */
  modelCallsPerRun?: number;
  /** Examples rendered to size the prompts (default 5, the first of the trainset). */
  sampleSize?: number;
}

export interface TokenCount {
  input: number;
  output: number;
}

/** What a run is expected to spend, worked out before anything is paid. */
export interface RunEstimate {
  /** Program runs not served from the cache, within the metric budget (what `maxMetricCalls` counts). */
  metricCalls: number;
  /** The same by phase: seed validation, steps (batch runs and optimizer evaluations), epoch-end validations, final validation. */
  byPhase: { seed: number; steps: number; validation: number; final: number };
  /** Program runs on the testset, scored once outside the budget. */
  testCalls: number;
  /** Optimization steps (batches). */
  steps: number;
  /** The metric budget the run would have, when it has one (a preset resolved). */
  maxMetricCalls?: number;
  budgetPreset?: BudgetPreset;
  /** Model calls of the program itself (role "task"), test set included. */
  taskCalls: number;
  /** Calls of the optimizers' models (role "optimizer"). */
  optimizerCalls: number;
  /** Calls of an llmJudge reward's model (role "judge"): one per scored program run. */
  judgeCalls: number;
  taskTokens: TokenCount;
  optimizerTokens: TokenCount;
  /** Cost in USD under `prices` (0 for models the table does not list). */
  costUsd: number;
  costByRole: { task: number; optimizer: number };
  /** The model names the cost was computed with, when known. */
  models: { task?: string; optimizer?: string[] };
  /** One step's cost from the optimizers' `estimateStepCost`. */
  stepPlan: StepPlan;
  /** What the numbers rest on, in words. */
  assumptions: string[];
}

/** fit's options that bear on the cost, and estimate's own. */
const NOT_ABOUT_COST = ["signal", "hooks", "progress", "checkpoint", "resume", "usage", "budget", "recordPath"];
const KNOWN = new Set([
  ...FIT_OPTION_NAMES.filter((name) => !NOT_ABOUT_COST.includes(name)),
  "prices",
  "models",
  "modelCallsPerRun",
  "sampleSize",
]);

/**
 * Works out what `fit(program, options)` is expected to spend — program runs (metric calls), model calls, tokens
 * and dollars — without running the program or calling any model. Program runs follow fit's loop and each
 * optimizer's `estimateStepCost`; tokens come from the program's prompts rendered with their current values on a
 * few training examples and from the optimizers' own meta-prompts built on synthetic examples, counted as four
 * characters a token; dollars from `prices`. `assumptions` lists what the numbers rest on.
 */
export async function estimate<Input, Output, Expected = unknown>(
  program: Program<Input, Output>,
  options: EstimateOptions<Output, Expected>,
): Promise<RunEstimate> {
  if (typeof options !== "object" || options === null) {
    throw new EstimateOptionsError("estimate(program, options) needs the options you would give fit: { trainset, reward, optimizers, … }.");
  }
  const unknown = Object.keys(options).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) {
    throw new EstimateOptionsError(
      `estimate does not use the option(s) ${unknown.map((k) => `'${k}'`).join(", ")}; it takes fit's options that change ` +
        `the cost (${[...KNOWN].join(", ")}). Leave out signal, hooks, checkpoint, usage and budget.`,
    );
  }
  if (options.modelCallsPerRun !== undefined && !(Number.isFinite(options.modelCallsPerRun) && options.modelCallsPerRun > 0)) {
    throw new EstimateOptionsError(`modelCallsPerRun must be a positive number, got ${String(options.modelCallsPerRun)}.`);
  }
  const { prices, models, modelCallsPerRun, sampleSize, ...fitOptions } = options;
  const settings = checkOptions(fitOptions as FitOptions<Output, Expected>);
  const optimizers = [...(Array.isArray(options.optimizers) ? options.optimizers : [options.optimizers])] as Optimizer[];
  const variables = collectTrainableVariables(program, options.prompts);
  const prompts = collectTrainablePrompts(program, options.prompts);
  if (!variables.some((v) => v.trainable)) {
    throw new EstimateOptionsError("The program has no TrainablePrompt that a walk can see: nothing would be tuned (pass hidden prompts as `prompts`).");
  }

  let trainset: Example[] = identifyExamples(options.trainset, "trainset");
  let valset: Example[] = options.valset ? identifyExamples(options.valset, "valset") : [];
  const testSize = options.testset?.length ?? 0;
  if (options.valset === undefined && options.validationSplit !== undefined) {
    ({ trainset, valset } = splitValidation(trainset as never, options.validationSplit, SeededRandom.fromSeed(settings.seed)));
  }
  if (trainset.length === 0) throw new EstimateOptionsError("The trainset is empty: give at least one example.");
  const V = valset.length;
  const shape = { trainSize: trainset.length, valSize: V, batchSize: settings.batchSize, optimizers, variables };
  const plan = planStep(shape);
  const assumptions: string[] = [];

  // Program runs.
  let maxMetricCalls = settings.maxMetricCalls;
  if (settings.budgetPreset !== undefined) maxMetricCalls = resolveBudgetPreset(settings.budgetPreset, shape).maxMetricCalls;
  const stepCap = Number.isFinite(settings.epochs) ? settings.epochs * plan.batchesPerEpoch : Number.POSITIVE_INFINITY;
  const epochsCost = V + stepCap * plan.metricCalls + settings.epochs * V;
  let steps: number;
  let byPhase: RunEstimate["byPhase"];
  if (maxMetricCalls === undefined || epochsCost <= maxMetricCalls) {
    // The epochs end the run: each epoch ends with a validation, which also measures the final program.
    steps = stepCap;
    byPhase = { seed: V, steps: steps * plan.metricCalls, validation: settings.epochs * V, final: 0 };
    assumptions.push(
      `${settings.epochs} epoch(s) of ${plan.batchesPerEpoch} step(s); every proposal is new and every validation measures a new ` +
        "program (the evaluation cache and repeated proposals lower the count).",
    );
    const finalizing = optimizers.filter((o) => o instanceof PoolOptimizer && plan.perOptimizer.some((p) => p.name === o.name && p.cost.optimizerCalls > 0));
    if (V > 0 && finalizing.length > 0) {
      const most = finalizing.reduce((sum, o) => sum + (o as PoolOptimizer).finalizeTopK * V, 0);
      assumptions.push(
        `Not counted: at the end, ${finalizing.map((o) => o.name).join(", ")} may validate the candidates whose training scores rank ` +
          `above the best validated one (finalizeTopK): up to ${most} more program runs.`,
      );
    }
  } else {
    // The budget ends the run. fit spends it (the last step asks for what is left): seed validation, steps, the
    // validations of the epochs those steps complete, and the final validation it holds back.
    steps = Math.max(0, (maxMetricCalls - 2 * V) / Math.max(plan.metricCalls + V / plan.batchesPerEpoch, 1e-9));
    const validation = Math.min(Math.floor(steps / plan.batchesPerEpoch) * V, Math.max(0, maxMetricCalls - 2 * V));
    byPhase = { seed: V, steps: Math.max(0, maxMetricCalls - 2 * V - validation), validation, final: V };
    assumptions.push(
      `The run spends its metric budget (${maxMetricCalls}${settings.budgetPreset ? `, preset "${settings.budgetPreset}"` : ""}) over about ` +
        `${steps.toFixed(1)} steps; it ends sooner when every optimizer stops or nothing new is proposed.`,
    );
  }
  const metricCalls = byPhase.seed + byPhase.steps + byPhase.validation + byPhase.final;
  if (options.earlyStopping) assumptions.push("Early stopping is not foreseen: the estimate runs to the end.");

  // Model calls.
  const callsPerRun = modelCallsPerRun ?? Math.max(1, prompts.length);
  if (modelCallsPerRun === undefined) {
    assumptions.push(
      `${callsPerRun} model call(s) per program run (one per TrainablePrompt); an agent loop makes more — pass modelCallsPerRun.`,
    );
  }
  const runs = metricCalls + testSize;
  const taskCalls = Math.round(runs * callsPerRun);
  const optimizerCalls = Math.round(steps * plan.optimizerCalls);
  const judgeCalls = (options.reward as { name?: string }).name === "llmJudge" ? runs : 0;
  if (judgeCalls > 0) assumptions.push(`The llmJudge reward makes one judge call per scored run (${judgeCalls}); its tokens and cost are not estimated.`);

  // Tokens: the program's prompts, rendered with their current values on a few training examples. Runs after the
  // seed validation mostly carry rewritten prompts: an LLM optimizer's rewrite is taken to be twice the current
  // text (the size its answers are assumed to have, below), FewShotOptimizer adds its mean number of demonstrations.
  const sample = trainset.slice(0, Math.max(1, sampleSize ?? 5));
  let inputPerRun = 0;
  let growthPerRun = 0;
  for (const prompt of prompts) {
    let total = 0;
    for (const example of sample) total += await renderedPromptTokens(prompt, example);
    inputPerRun += total / sample.length;
    growthPerRun += promptGrowth(prompt.variable, optimizers, plan, sample);
  }
  if (prompts.length === 0) inputPerRun = sample.reduce((sum, e) => sum + estimateTokens(textOf(e.input)), 0) / sample.length;
  const outputPerCall = sample.reduce((sum, e) => sum + estimateTokens(textOf(e.expected ?? "")), 0) / sample.length;
  const calls = Math.max(1, prompts.length);
  const seedCalls = Math.min(taskCalls, byPhase.seed * callsPerRun);
  const taskTokens = {
    input: Math.round((taskCalls * inputPerRun + (taskCalls - seedCalls) * growthPerRun) / calls),
    output: Math.round(taskCalls * outputPerCall),
  };
  assumptions.push(
    `Task calls: ${Math.round(inputPerRun / calls)} input tokens (the prompts with their current values on ${sample.length} training ` +
      `example(s), 4 characters a token)${growthPerRun > 0 ? `, ${Math.round((inputPerRun + growthPerRun) / calls)} once the optimizers have rewritten them` : ""}, ` +
      `and ${Math.round(outputPerCall)} output tokens (the size of an expected answer) each.`,
  );

  // Tokens of the optimizers' own calls.
  const optimizerTokens = { input: 0, output: 0 };
  const optimizerCost: number[] = [];
  const optimizerModels: string[] = [];
  for (const { name, cost } of plan.perOptimizer) {
    const optimizer = optimizers.find((o) => o.name === name) as Optimizer;
    if (cost.optimizerCalls <= 0) continue;
    const calls = steps * cost.optimizerCalls;
    const sized = optimizerCallTokens(optimizer, { variables, prompts, trainset, steps: Math.ceil(steps) });
    if (!sized) continue;
    const input = calls * sized.input;
    const output = calls * sized.output;
    optimizerTokens.input += input;
    optimizerTokens.output += output;
    assumptions.push(`${name}: ${cost.optimizerCalls} call(s) a step, ${sized.input} input tokens each (${sized.basis}), ${sized.output} output tokens (twice the current text).`);
    const model = (optimizer as { languageModel?: LanguageModel }).languageModel?.modelName ?? models?.optimizer;
    if (model && !optimizerModels.includes(model)) optimizerModels.push(model);
    optimizerCost.push(priceOf(prices, model, input, output));
  }
  optimizerTokens.input = Math.round(optimizerTokens.input);
  optimizerTokens.output = Math.round(optimizerTokens.output);

  // Dollars.
  const taskModel = models?.task ?? findChatModelName(program);
  const costByRole = { task: priceOf(prices, taskModel, taskTokens.input, taskTokens.output), optimizer: optimizerCost.reduce((a, b) => a + b, 0) };
  if (!prices || Object.keys(prices).length === 0) {
    assumptions.push("No price table: cost is $0. Give `prices` ({ model: { inputPerMillionUsd, outputPerMillionUsd } }).");
  } else {
    for (const model of [taskModel, ...optimizerModels]) {
      if (model === undefined) assumptions.push("The task model's name is unknown: pass `models: { task }` to price its calls.");
      else if (!prices[model]) assumptions.push(`No price for model '${model}' in the table: its calls are counted at $0.`);
    }
  }
  return {
    metricCalls,
    byPhase,
    testCalls: testSize,
    steps,
    ...(maxMetricCalls !== undefined ? { maxMetricCalls } : {}),
    ...(settings.budgetPreset !== undefined ? { budgetPreset: settings.budgetPreset } : {}),
    taskCalls,
    optimizerCalls,
    judgeCalls,
    taskTokens,
    optimizerTokens,
    costUsd: costByRole.task + costByRole.optimizer,
    costByRole,
    models: { ...(taskModel ? { task: taskModel } : {}), ...(optimizerModels.length > 0 ? { optimizer: optimizerModels } : {}) },
    stepPlan: plan,
    assumptions,
  };
}

/**
 * Tokens a prompt gains once tuned: each LLM optimizer's rewrite doubles the text of the keys it owns; a
 * FewShotOptimizer adds its mean number of demonstrations, each the size of a training example and its answer.
 */
function promptGrowth(variable: Variable<object>, optimizers: readonly Optimizer[], plan: StepPlan, sample: readonly Example[]): number {
  let growth = 0;
  const value = variable.json() as Record<string, unknown>;
  for (const optimizer of optimizers) {
    if (!variable.trainable || !optimizer.matches(variable)) continue;
    if (optimizer instanceof FewShotOptimizer) {
      const demo = sample.reduce((sum, e) => sum + estimateTokens(textOf(e.input)) + estimateTokens(textOf(e.expected ?? "")), 0) / sample.length;
      growth += ((optimizer.minExamples + optimizer.maxExamples) / 2) * demo;
      continue;
    }
    const writes = (plan.perOptimizer.find((p) => p.name === optimizer.name)?.cost.optimizerCalls ?? 0) > 0;
    if (!writes) continue;
    for (const key of schemaKeys(optimizer.schema())) {
      if (typeof value[key] === "string") growth += estimateTokens(value[key] as string);
    }
  }
  return growth;
}

function priceOf(prices: PriceTable | undefined, model: string | undefined, input: number, output: number): number {
  const price = model ? prices?.[model] : undefined;
  if (!price) return 0;
  return (input * price.inputPerMillionUsd + output * price.outputPerMillionUsd) / 1e6;
}

