// The search memory of an optimizer that keeps more than the pool (MIPROv2's instruction candidates, demonstration
// sets and trials; SIMBA's planned minibatch): a second tracked variable that follows the same rule as the pool
// state of PoolOptimizer — a step that succeeds, or is cut by a budget, keeps what it wrote; an abort or a failure
// changes nothing.
import type { Variable } from "../variables/variable.js";

/** Whether `error` (or its cause) is a budget stop: the run ends cleanly and what was measured is kept. */
export function isBudgetStop(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const name = (current as { name?: unknown }).name;
    if (name === "MetricBudgetExceededError" || name === "BudgetExceededError") return true;
  }
  return false;
}

/** Runs `work`; when it throws anything but a budget stop, `variable` gets back the value it had before. */
export async function withRollback<T>(variable: Variable<object>, work: () => Promise<T>): Promise<T> {
  const before = variable.json();
  try {
    return await work();
  } catch (error) {
    if (!isBudgetStop(error)) variable.assign(before);
    throw error;
  }
}

/**
 * A minibatch size: `preferred`, scaled down to the trainset and to what the metric budget left can pay for
 * `batches` minibatches after `fixed` other runs, and never below `floor` (or the trainset).
 */
export function plannedMinibatch(plan: {
  preferred: number;
  trainSize: number;
  remaining: number;
  batches: number;
  fixed?: number;
  floor: number;
}): number {
  const ceiling = Math.max(1, Math.min(plan.preferred, plan.trainSize));
  const floor = Math.max(1, Math.min(plan.floor, ceiling));
  if (!Number.isFinite(plan.remaining)) return ceiling;
  const affordable = Math.floor((plan.remaining - (plan.fixed ?? 0)) / Math.max(1, plan.batches));
  return Math.max(floor, Math.min(ceiling, affordable));
}

/** A Poisson draw with mean `lambda` (Knuth's method; lambda is small here). */
export function poisson(lambda: number, next: () => number): number {
  if (!(lambda > 0)) return 0;
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k += 1;
    p *= next();
  } while (p > limit && k < 1000);
  return k - 1;
}

/** The q-th quantile (0–1) of `values` by linear interpolation between order statistics (numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  return low + ((sorted[upper] as number) - low) * (position - lower);
}
