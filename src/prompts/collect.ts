import type { Runnable } from "@langchain/core/runnables";
import type { Variable } from "../variables/variable.js";
import { DuplicateVariableNameError } from "./errors.js";
import type { TrainablePrompt } from "./trainable-prompt.js";

/**
 * Anything that holds a trainable Variable: a TrainablePrompt, a trainable tool. Passed to fit, evaluate and the
 * artifact functions as `prompts` when a walk of the program cannot reach it (a closure, a lambda, a graph node
 * given as a function).
 */
export interface Trainable {
  readonly variable: Variable<object>;
}

type Node = Record<string, unknown>;

function isObject(value: unknown): value is Node {
  return typeof value === "object" && value !== null;
}

/** The LangChain class name of a runnable (lc_name survives two copies of @langchain/core; instanceof does not). */
function className(value: Node): string | undefined {
  const ctor = value.constructor as { lc_name?: () => string } | undefined;
  try {
    return ctor?.lc_name?.();
  } catch {
    return undefined;
  }
}

function isTrainablePrompt(value: Node): value is Node & TrainablePrompt {
  return className(value) === "TrainablePrompt" && isObject(value.variable) && typeof value.valueFor === "function";
}

/** Runnables held by a LangChain container; empty for leaves and opaque ones (RunnableLambda). */
function childrenOf(node: Node): unknown[] {
  switch (className(node)) {
    case "RunnableSequence":
      return [node.first, ...(Array.isArray(node.middle) ? node.middle : []), node.last];
    case "RunnableWithFallbacks":
      return [node.runnable, ...(Array.isArray(node.fallbacks) ? node.fallbacks : [])];
    case "RunnableBranch":
      return [...(Array.isArray(node.branches) ? node.branches.flat() : []), node.default];
    case "RunnableAssign":
      return [node.mapper];
    case "RunnableMap":
    case "RunnableParallel": {
      const steps = isObject(node.steps) ? node.steps : {};
      const keys = typeof node.getStepsKeys === "function" ? (node.getStepsKeys as () => string[])() : Object.keys(steps);
      return keys.map((key) => steps[key]);
    }
    case "RouterRunnable":
      return isObject(node.runnables) ? Object.values(node.runnables) : [];
    default:
      // Bindings, retries, each, message history… all keep the wrapped runnable in `.bound`.
      return "bound" in node ? [node.bound] : [];
  }
}

/**
 * Every TrainablePrompt inside `runnable`, each once, in the order a depth-first walk meets them, then those of
 * `extra` the walk did not meet.
 */
export function collectTrainablePrompts(runnable: Runnable | object, extra: readonly Trainable[] = []): TrainablePrompt[] {
  const found: TrainablePrompt[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (!isObject(value) || seen.has(value)) return;
    seen.add(value);
    if (isTrainablePrompt(value)) {
      found.push(value as unknown as TrainablePrompt);
      return;
    }
    for (const child of childrenOf(value)) visit(child);
  };
  visit(runnable);
  for (const item of extra) visit(item);
  return found;
}

/**
 * The trainable variables of a program, then of `extra` (prompts or tools it holds out of a walk's reach): one
 * per distinct variable, however many prompts or branches share it. Two different variables with one name are
 * an error (artifacts and checkpoints are keyed by name).
 */
export function collectTrainableVariables(runnable: Runnable | object, extra: readonly Trainable[] = []): Variable<object>[] {
  const byName = new Map<string, Variable<object>>();
  const holders: Trainable[] = [...collectTrainablePrompts(runnable), ...extra];
  for (const holder of holders) {
    const variable = holder.variable;
    const known = byName.get(variable.name);
    if (known !== undefined && known !== variable) throw new DuplicateVariableNameError(variable.name);
    byName.set(variable.name, variable);
  }
  return [...byName.values()];
}
