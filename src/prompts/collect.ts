import type { Runnable } from "@langchain/core/runnables";
import type { Variable } from "../variables/variable.js";
import type { TrainableTool } from "../tools/trainable-tool.js";
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

function isTrainableTool(value: Node): value is Node & TrainableTool {
  return className(value) === "TrainableTool" && isObject(value.variable) && typeof value.valueFor === "function";
}

/** Key of the TrainableTool a bound tool definition stands for (src/tools/trainable-tool.ts, by Symbol.for). */
const TRAINABLE_TOOL_KEY = Symbol.for("tunechain.trainableTool");

/** A compiled LangGraph graph (Pregel): known by its flag or LangChain name, never by instanceof. */
function isCompiledGraph(value: Node): boolean {
  return (value.lg_is_pregel === true || className(value) === "LangGraph") && isObject(value.nodes);
}

/**
 * The tools a runnable holds: a ToolNode's `tools`, or those bound to a model (`bindTools`, a `tools` call option:
 * a binding's kwargs or config, or the default options of a model that binds by copying itself, as ChatOpenAI).
 */
function toolsOf(node: Node): unknown[] {
  const lists = [
    node.tools,
    (node.kwargs as Node | undefined)?.tools,
    (node.config as Node | undefined)?.tools,
    (node.defaultOptions as Node | undefined)?.tools,
  ];
  const tools: unknown[] = [];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      // A definition handed to a model by a TrainableTool points back to it.
      const owner = isObject(item) ? (item as Record<symbol, unknown>)[TRAINABLE_TOOL_KEY] : undefined;
      tools.push(owner ?? item);
    }
  }
  return tools;
}

/** Runnables held by a LangChain container; empty for leaves and opaque ones (RunnableLambda, graph function nodes). */
function childrenOf(node: Node): unknown[] {
  if (isCompiledGraph(node)) {
    // Each node is a PregelNode (a binding): its `.bound` is the node's runnable, a subgraph when it is one.
    return [...Object.values(node.nodes as Node)];
  }
  const children: unknown[] = [];
  switch (className(node)) {
    case "RunnableSequence":
      children.push(node.first, ...(Array.isArray(node.middle) ? node.middle : []), node.last);
      break;
    case "RunnableWithFallbacks":
      children.push(node.runnable, ...(Array.isArray(node.fallbacks) ? node.fallbacks : []));
      break;
    case "RunnableBranch":
      children.push(...(Array.isArray(node.branches) ? node.branches.flat() : []), node.default);
      break;
    case "RunnableAssign":
      children.push(node.mapper);
      break;
    case "RunnableMap":
    case "RunnableParallel": {
      const steps = isObject(node.steps) ? node.steps : {};
      const keys = typeof node.getStepsKeys === "function" ? (node.getStepsKeys as () => string[])() : Object.keys(steps);
      children.push(...keys.map((key) => steps[key]));
      break;
    }
    case "RouterRunnable":
      if (isObject(node.runnables)) children.push(...Object.values(node.runnables));
      break;
    default:
      // Bindings, retries, each, message history, graph nodes… all keep the wrapped runnable in `.bound`.
      if ("bound" in node) children.push(node.bound);
  }
  // A graph node's subgraphs (LangGraph lists those it detected inside the node).
  if (Array.isArray(node.subgraphs)) children.push(...node.subgraphs);
  children.push(...toolsOf(node));
  return children;
}

/** What a walk of a program finds. */
interface Found {
  prompts: TrainablePrompt[];
  tools: TrainableTool[];
}

/** Walks `runnable`, then `extra`, depth-first, meeting each object once. */
function walk(runnable: Runnable | object, extra: readonly Trainable[]): Found {
  const found: Found = { prompts: [], tools: [] };
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (!isObject(value) || seen.has(value)) return;
    seen.add(value);
    if (isTrainablePrompt(value)) {
      found.prompts.push(value as unknown as TrainablePrompt);
      return;
    }
    if (isTrainableTool(value)) {
      found.tools.push(value as unknown as TrainableTool);
      return;
    }
    for (const child of childrenOf(value)) visit(child);
  };
  visit(runnable);
  for (const item of extra) visit(item);
  return found;
}

/**
 * Every TrainablePrompt inside `runnable`, each once, in the order a depth-first walk meets them, then those of
 * `extra` the walk did not meet. The walk goes through sequences, bindings, maps, branches, fallbacks, routers
 * and compiled LangGraph graphs (each node's runnable, subgraphs); functions (a RunnableLambda, a graph node
 * given as a function, the model-calling node of the prebuilt ReAct agent) are opaque to it.
 */
export function collectTrainablePrompts(runnable: Runnable | object, extra: readonly Trainable[] = []): TrainablePrompt[] {
  return walk(runnable, extra).prompts;
}

/**
 * Every TrainableTool inside `runnable` (a ToolNode's tools, tools bound to a model), each once, then those of
 * `extra` the walk did not meet.
 */
export function collectTrainableTools(runnable: Runnable | object, extra: readonly Trainable[] = []): TrainableTool[] {
  return walk(runnable, extra).tools;
}

/**
 * The trainable variables of a program (its prompts, then its tools), then of `extra` (prompts or tools it holds
 * out of a walk's reach): one per distinct variable, however many prompts or branches share it. Two different
 * variables with one name are an error (artifacts and checkpoints are keyed by name).
 */
export function collectTrainableVariables(runnable: Runnable | object, extra: readonly Trainable[] = []): Variable<object>[] {
  const byName = new Map<string, Variable<object>>();
  const { prompts, tools } = walk(runnable, []);
  const holders: Trainable[] = [...prompts, ...tools, ...extra];
  for (const holder of holders) {
    const variable = holder.variable;
    const known = byName.get(variable.name);
    if (known !== undefined && known !== variable) throw new DuplicateVariableNameError(variable.name);
    byName.set(variable.name, variable);
  }
  return [...byName.values()];
}
