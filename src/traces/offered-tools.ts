import { trainableToolsNamed, TRAINABLE_TOOL_KEY, type TrainableTool } from "../tools/trainable-tool.js";

/** A tool a model call was offered, as the model read it. */
export interface OfferedTool {
  name: string;
  description?: string;
  /** The variable of the trainable tool it is, when it is one. */
  variable?: string;
  /** A trainable tool whose description in the request is not the one this run should send. */
  stale?: boolean;
}

type Definition = Record<string | symbol, unknown> & {
  name?: unknown;
  description?: unknown;
  function?: { name?: unknown; description?: unknown };
  toolSpec?: { name?: unknown; description?: unknown };
};

const warned = new Set<string>();

/** The values a program run uses, by variable name (what fit or evaluate put in its config). */
export type RunValues = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/**
 * The tools a starting model run was offered (its `invocation_params.tools`, else its call options), with the
 * trainable ones named. A trainable tool's definition is either live (the tool itself, or the definition it
 * hands OpenAI models: its text is read per request, in the run) or a copy a model made when tools were bound.
 *
 * Callbacks run outside the run's async context, so the text a live definition sent is known from `values` (the
 * run's values); without them it shows the variable's value. A copy whose text differs from the run's value was
 * bound before the run: it is marked stale, and a warning says so once per tool.
 */
export function offeredTools(extra: Record<string, unknown> | undefined, values?: RunValues): OfferedTool[] {
  const params = (extra?.invocation_params as { tools?: unknown } | undefined)?.tools;
  const options = (extra?.options as { tools?: unknown } | undefined)?.tools;
  const bound = Array.isArray(options) ? (options as unknown[]) : [];
  const sent = Array.isArray(params) && params.length > 0 ? (params as unknown[]) : bound;
  const offered: OfferedTool[] = [];
  for (const item of sent) {
    if (typeof item !== "object" || item === null) continue;
    const definition = item as Definition;
    const name = text(definition.function?.name ?? definition.name ?? definition.toolSpec?.name);
    if (name === undefined) continue;
    const read = text(definition.function?.description ?? definition.description ?? definition.toolSpec?.description);
    const live = liveOwnerOf(definition, name, bound);
    const owner = live ?? copiedOwnerOf(name, values);
    const runText = owner ? runDescription(values, owner.variableName) : undefined;
    const description = live ? (runText ?? read) : read;
    const tool: OfferedTool = { name, ...(description !== undefined ? { description } : {}) };
    if (owner) {
      tool.variable = owner.variableName;
      if (!live && runText !== undefined && runText !== (read ?? "")) {
        tool.stale = true;
        warnOnce(owner);
      }
    }
    offered.push(tool);
  }
  return offered;
}

function text(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function runDescription(values: RunValues | undefined, variable: string): string | undefined {
  const value = values?.[variable]?.description;
  return typeof value === "string" ? value : undefined;
}

/** The trainable tool behind a definition that reads its text per request: its own mark, or the tool itself. */
function liveOwnerOf(definition: Definition, name: string, bound: readonly unknown[]): TrainableTool | undefined {
  const marked = definition[TRAINABLE_TOOL_KEY] as TrainableTool | undefined;
  if (marked) return marked;
  if (isTrainableTool(definition as Partial<TrainableTool>)) return definition as unknown as TrainableTool;
  for (const item of bound) {
    if (typeof item !== "object" || item === null) continue;
    const candidate = ((item as Definition)[TRAINABLE_TOOL_KEY] ?? item) as Partial<TrainableTool>;
    if (isTrainableTool(candidate) && candidate.name === name) return candidate;
  }
  return undefined;
}

/** The trainable tool a copied definition came from: one of that name whose variable this run has a value for. */
function copiedOwnerOf(name: string, values: RunValues | undefined): TrainableTool | undefined {
  if (!values) return undefined;
  return trainableToolsNamed(name).find((tool) => values[tool.variableName] !== undefined);
}

function isTrainableTool(value: Partial<TrainableTool>): value is TrainableTool {
  return (value.constructor as { lc_name?: () => string } | undefined)?.lc_name?.() === "TrainableTool" && typeof value.valueFor === "function";
}

function warnOnce(tool: TrainableTool): void {
  if (warned.has(tool.variableName)) return;
  warned.add(tool.variableName);
  process.emitWarning(
    `A model was sent an outdated description of trainable tool '${tool.name}' (variable '${tool.variableName}'): ` +
      "the text it copied when the tools were bound, not this run's candidate, so tuning the description changes " +
      "nothing. Bind the tools inside the run (e.g. createReactAgent({ llm: () => model.bindTools(tools) })), pass " +
      "them as a call option (model.withConfig({ tools })), or use an OpenAI chat model, which reads them per request.",
    { code: "TUNECHAIN_STALE_TOOL_DESCRIPTION" },
  );
}
