import type { Optimizer, RunShape, StepCost } from "../optimizers/optimizer.js";
import { componentsOf } from "../optimizers/program/components.js";
import { schemaKeys } from "../variables/schema.js";
import type { Variable } from "../variables/variable.js";

/** Named metric budgets: `maxMetricCalls: "light" | "medium" | "heavy"`. */
export type BudgetPreset = "light" | "medium" | "heavy";

export const BUDGET_PRESETS: readonly BudgetPreset[] = ["light", "medium", "heavy"];

/** Optimization steps each preset pays for, per component (one optimizer key in one prompt or tool). */
export const PRESET_STEPS_PER_COMPONENT: Readonly<Record<BudgetPreset, number>> = { light: 6, medium: 16, heavy: 40 };

export function isBudgetPreset(value: unknown): value is BudgetPreset {
  return typeof value === "string" && (BUDGET_PRESETS as readonly string[]).includes(value);
}

/** What the budget formula needs to know about a run. */
export interface BudgetShape {
  trainSize: number;
  valSize: number;
  batchSize: number;
  optimizers: readonly Optimizer[];
  /** The program's variables (the trainable ones an optimizer matches are its components). */
  variables: readonly Variable<object>[];
}

/** One step of a run of this shape: what it costs, and the pieces of the formula. */
export interface StepPlan {
  /** Examples in a batch: min(batchSize, trainSize). */
  batch: number;
  /** Steps in an epoch: ceil(trainSize / batchSize). */
  batchesPerEpoch: number;
  /** Largest number of components any optimizer acts on. */
  components: number;
  /** Program runs of the batch run with the values in place (0 when no optimizer learns from it). */
  batchRun: number;
  /** Each optimizer's declared cost of one step (`estimateStepCost`), by name. */
  perOptimizer: { name: string; cost: StepCost }[];
  /** Program runs of one step: batchRun + Σ optimizers' metricCalls. */
  metricCalls: number;
  /** Optimizer-model calls of one step: Σ optimizers' optimizerCalls. */
  optimizerCalls: number;
}

/** Components (optimizer keys in trainable variables) `optimizer` acts on. */
export function componentCount(optimizer: Optimizer, variables: readonly Variable<object>[]): number {
  const matched = variables.filter((v) => v.trainable && optimizer.matches(v));
  return componentsOf(matched, schemaKeys(optimizer.schema())).length;
}

/** The cost of one step of a run of this shape, from each optimizer's `estimateStepCost`. */
export function planStep(shape: BudgetShape): StepPlan {
  const batch = Math.min(shape.batchSize, shape.trainSize);
  const batchesPerEpoch = Math.max(1, Math.ceil(shape.trainSize / shape.batchSize));
  const perOptimizer = shape.optimizers.map((optimizer) => {
    const runShape: RunShape = {
      trainSize: shape.trainSize,
      valSize: shape.valSize,
      batchSize: batch,
      components: componentCount(optimizer, shape.variables),
    };
    return { name: optimizer.name, cost: optimizer.estimateStepCost(runShape) };
  });
  const components = Math.max(1, ...shape.optimizers.map((o) => componentCount(o, shape.variables)));
  const batchRun = shape.optimizers.some((o) => o.usesBatchPredictions) ? batch : 0;
  return {
    batch,
    batchesPerEpoch,
    components,
    batchRun,
    perOptimizer,
    metricCalls: batchRun + perOptimizer.reduce((sum, p) => sum + p.cost.metricCalls, 0),
    optimizerCalls: perOptimizer.reduce((sum, p) => sum + p.cost.optimizerCalls, 0),
  };
}

/**
 * Program runs a budget-driven run of `steps` steps pays for:
 *
 *     V (seed validation) + steps × S + floor(steps / batchesPerEpoch) × V (epoch-end validations) + V (final validation)
 *
 * with V the validation set's size (the V terms vanish without one) and S the step cost of `planStep`.
 */
export function budgetForSteps(steps: number, valSize: number, plan: StepPlan): number {
  const epochEnds = Math.floor(steps / plan.batchesPerEpoch);
  return valSize + steps * plan.metricCalls + epochEnds * valSize + valSize;
}

/** A preset resolved: the number fit uses, and how it was reached. */
export interface ResolvedBudget {
  preset: BudgetPreset;
  maxMetricCalls: number;
  /** Steps the preset pays for: PRESET_STEPS_PER_COMPONENT[preset] × components. */
  steps: number;
  plan: StepPlan;
}

/**
 * Resolves a budget preset to a number of metric calls: `steps = PRESET_STEPS_PER_COMPONENT[preset] ×
 * components` (light 6, medium 16, heavy 40 per component), then `ceil(budgetForSteps(steps))` — the seed
 * validation, that many steps at the optimizers' declared cost, the validations at the end of each epoch those
 * steps complete, and the final validation fit holds back.
 */
export function resolveBudgetPreset(preset: BudgetPreset, shape: BudgetShape): ResolvedBudget {
  const plan = planStep(shape);
  const steps = PRESET_STEPS_PER_COMPONENT[preset] * plan.components;
  const maxMetricCalls = Math.max(1, Math.ceil(budgetForSteps(steps, shape.valSize, plan)));
  return { preset, maxMetricCalls, steps, plan };
}
