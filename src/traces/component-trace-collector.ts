import { BaseTracer, type Run } from "@langchain/core/tracers/base";
import type { ComponentCall, ModelCallRecord, ProgramTrace, ToolResultRecord } from "../data/trace.js";
import { offeredTools, type OfferedTool, type RunValues } from "./offered-tools.js";
import { clipText, contentText, isMessage, plainJson, toolCallsOf, traceMessage } from "./plain-json.js";

/** Metadata key a TrainablePrompt puts on its own run, so the collector knows which component ran. */
export const COMPONENT_METADATA_KEY = "tunechain_component";

type MessageLike = Parameters<typeof traceMessage>[0];

interface PromptRun {
  component: string;
  run: Run;
  call: ComponentCall;
  /** The rendered messages, to recognise the model calls this prompt fed. */
  rendered: MessageLike[];
}

export interface ComponentTraceCollectorOptions {
  /**
   * The values of the program's variables in this run (what the run's config carries as overrides). Callbacks
   * cannot see the run's config, so the collector learns from these which description each trainable tool sent,
   * and notices a model that was sent an outdated one.
   */
  values?: RunValues;
}

/**
 * Collects, for one program run, what each TrainablePrompt rendered and what the model calls it fed
 * returned. Attach a fresh collector to each program run's callbacks (runs never share one), then read
 * `trace()` once the run has ended.
 *
 * A model call belongs to the latest prompt run whose rendered messages begin its input messages: in a
 * sequence the prompt's output is the model's input; in an agent loop each later call extends them. Tool
 * runs are matched to model calls by tool-call id; output parsers by the message they parsed. A component
 * whose model called tools (an agent) has its step count (model calls in the run) on each of its calls.
 *
 * A trainable tool is a component too: every model call that was offered it is one call of the tool's
 * component, showing the descriptions the model read, the tools it called and their results.
 */
export class ComponentTraceCollector extends BaseTracer {
  name = "tunechain_component_trace";
  private readonly runs: Run[] = [];
  /** The tools each model run was offered, read when it started (before anything can change their text). */
  private readonly offered = new Map<string, OfferedTool[]>();

  private readonly values: RunValues | undefined;

  constructor(options: ComponentTraceCollectorOptions = {}) {
    // Awaited, so every end event is recorded before the program's invoke resolves.
    super({ _awaitHandler: true });
    this.values = options.values;
  }

  protected async persistRun(): Promise<void> {}

  override onRunCreate(run: Run): void {
    this.runs.push(run);
    if (run.run_type === "llm") {
      const tools = offeredTools(run.extra, this.values);
      if (tools.length > 0) this.offered.set(run.id, tools);
    }
  }

  /** Every component's calls in this run, by component name. */
  trace(): ProgramTrace {
    const prompts: PromptRun[] = [];
    const trace: ProgramTrace = {};
    const callOfModelRun = new Map<string, ModelCallRecord>();
    for (const run of this.runs) {
      if (run.run_type === "prompt") {
        const component = (run.extra?.metadata as Record<string, unknown> | undefined)?.[COMPONENT_METADATA_KEY];
        if (typeof component !== "string") continue;
        const rendered = renderedMessages(run.outputs);
        const call: ComponentCall = {
          inputs: (plainJson(run.inputs) ?? {}) as Record<string, unknown>,
          messages: rendered.map(traceMessage),
          outputs: [],
        };
        if (run.error) call.error = firstLine(run.error);
        prompts.push({ component, run, call, rendered });
        (trace[component] ??= []).push(call);
      } else if (run.run_type === "llm") {
        const input = modelInputMessages(run.inputs);
        const owner = latestPrefixOwner(prompts, input, run.start_time);
        if (!owner) continue;
        const record = modelCallRecord(run);
        owner.call.outputs.push(record);
        callOfModelRun.set(run.id, record);
      }
    }
    this.attachParsedOutputs(callOfModelRun);
    const toolRuns = this.ownToolRuns();
    this.attachToolResults(prompts, toolRuns);
    countAgentSteps(trace);
    this.addToolComponents(trace, callOfModelRun, toolRuns);
    return trace;
  }

  /** Tool runs, without those nested in another tool run (a trainable tool runs the tool it wraps). */
  private ownToolRuns(): Run[] {
    const toolIds = new Set(this.runs.filter((run) => run.run_type === "tool").map((run) => run.id));
    return this.runs.filter((run) => run.run_type === "tool" && !(run.parent_run_id !== undefined && toolIds.has(run.parent_run_id)));
  }

  /**
   * One call of a trainable tool's component per model call that was offered it: the descriptions of the tools
   * offered (as the model read them), the model's answer and tool calls, and the results of those calls.
   */
  private addToolComponents(trace: ProgramTrace, callOfModelRun: ReadonlyMap<string, ModelCallRecord>, toolRuns: readonly Run[]): void {
    for (const run of this.runs) {
      const offered = this.offered.get(run.id);
      if (run.run_type !== "llm" || !offered) continue;
      const record = callOfModelRun.get(run.id) ?? modelCallRecord(run);
      const descriptions = Object.fromEntries(offered.map((tool) => [tool.name, clipText(tool.description ?? "")]));
      const callIds = new Set((record.toolCalls ?? []).map((call) => call.id).filter((id): id is string => id !== undefined));
      const results = toolRuns.filter((tool) => {
        const id = toolCallIdOf(tool);
        return id !== undefined && callIds.has(id);
      });
      for (const tool of offered) {
        if (tool.variable === undefined) continue;
        const call: ComponentCall = {
          inputs: { tools: descriptions },
          messages: modelInputMessages(run.inputs).map(traceMessage),
          outputs: [structuredClone(record)],
        };
        if (results.length > 0) call.toolResults = results.map(toolResultRecord);
        if (tool.stale) {
          call.error =
            `The model was sent an outdated description of tool '${tool.name}' (the text bound before this run), ` +
            "so this candidate was not tried. Bind the tools inside the run or use a model that reads tools per call.";
        }
        (trace[tool.variable] ??= []).push(call);
      }
    }
  }

  /** An output parser's result (or error) goes to the model call whose answer it parsed. */
  private attachParsedOutputs(callOfModelRun: ReadonlyMap<string, ModelCallRecord>): void {
    const answers = [...callOfModelRun.entries()].map(([id, record]) => ({
      record,
      message: this.runs.find((r) => r.id === id)?.outputs?.generations?.[0]?.[0]?.message as unknown,
    }));
    for (const run of this.runs) {
      if (run.run_type !== "parser") continue;
      const parsedInput = (run.inputs as { input?: unknown })?.input ?? run.inputs;
      const target = answers.find(({ message }) => message !== undefined && (message === parsedInput || sameMessage(message, parsedInput)));
      if (!target) continue;
      if (run.error) target.record.error ??= firstLine(run.error);
      else if (run.outputs !== undefined) {
        const parsed = unwrapOutput(run.outputs);
        if (!(typeof parsed === "string" && parsed === target.record.text)) target.record.parsed = plainJson(parsed);
      }
    }
  }

  /** A tool run goes to the prompt call whose model asked for it (by tool-call id, else by tool name). */
  private attachToolResults(prompts: readonly PromptRun[], toolRuns: readonly Run[]): void {
    for (const run of toolRuns) {
      const callId = toolCallIdOf(run);
      const name = run.name;
      const owner =
        prompts.findLast((p) => p.call.outputs.some((o) => o.toolCalls?.some((c) => callId !== undefined && c.id === callId))) ??
        prompts.findLast((p) => p.run.start_time <= run.start_time && p.call.outputs.some((o) => o.toolCalls?.some((c) => c.name === name)));
      if (!owner) continue;
      (owner.call.toolResults ??= []).push(toolResultRecord(run));
    }
  }
}

function toolCallIdOf(run: Run): string | undefined {
  return typeof run.extra?.tool_call_id === "string" ? run.extra.tool_call_id : undefined;
}

function toolResultRecord(run: Run): ToolResultRecord {
  const result: ToolResultRecord = { name: run.name };
  const callId = toolCallIdOf(run);
  if (callId !== undefined) result.callId = callId;
  if (run.error) result.error = firstLine(run.error);
  else result.output = clipText(toolOutputText((run.outputs as { output?: unknown } | undefined)?.output));
  return result;
}

/** An agent's step count: on every call of a component whose model called tools, its model calls in the run. */
function countAgentSteps(trace: ProgramTrace): void {
  for (const calls of Object.values(trace)) {
    if (!calls.some((call) => call.outputs.some((output) => (output.toolCalls?.length ?? 0) > 0))) continue;
    const steps = calls.reduce((sum, call) => sum + call.outputs.length, 0);
    for (const call of calls) call.steps = steps;
  }
}

function renderedMessages(outputs: unknown): MessageLike[] {
  const messages = (outputs as { messages?: unknown } | undefined)?.messages;
  return Array.isArray(messages) ? messages.filter(isMessage) : [];
}

function modelInputMessages(inputs: unknown): MessageLike[] {
  const batches = (inputs as { messages?: unknown } | undefined)?.messages;
  const first = Array.isArray(batches) ? batches[0] : undefined;
  return Array.isArray(first) ? first.filter(isMessage) : [];
}

/** The latest prompt run, started before `startTime`, whose rendered messages begin `input`. */
function latestPrefixOwner(prompts: readonly PromptRun[], input: readonly MessageLike[], startTime: number): PromptRun | undefined {
  for (let i = prompts.length - 1; i >= 0; i--) {
    const prompt = prompts[i] as PromptRun;
    if (prompt.run.start_time > startTime || prompt.rendered.length === 0 || prompt.rendered.length > input.length) continue;
    if (prompt.rendered.every((message, j) => sameMessage(message, input[j]))) return prompt;
  }
  return undefined;
}

function sameMessage(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isMessage(a) || !isMessage(b)) return false;
  const typeOf = (m: MessageLike) => m.getType?.() ?? m._getType?.();
  return typeOf(a) === typeOf(b) && contentText(a.content) === contentText(b.content);
}

function modelCallRecord(run: Run): ModelCallRecord {
  const generation = run.outputs?.generations?.[0]?.[0] as { text?: unknown; message?: unknown } | undefined;
  const message = generation?.message;
  const record: ModelCallRecord = {
    text: clipText(isMessage(message) ? contentText(message.content) : typeof generation?.text === "string" ? generation.text : ""),
  };
  if (isMessage(message)) {
    const calls = toolCallsOf(message);
    if (calls.length > 0) record.toolCalls = calls;
  }
  if (run.error) record.error = firstLine(run.error);
  return record;
}

/** BaseTracer wraps non-object outputs as { output }. */
function unwrapOutput(outputs: unknown): unknown {
  const keys = typeof outputs === "object" && outputs !== null ? Object.keys(outputs) : [];
  return keys.length === 1 && keys[0] === "output" ? (outputs as { output: unknown }).output : outputs;
}

function toolOutputText(output: unknown): string {
  if (isMessage(output)) return contentText(output.content);
  return typeof output === "string" ? output : JSON.stringify(plainJson(output));
}

/** BaseTracer stores error message + stack; a trace keeps the message. */
function firstLine(error: string): string {
  return clipText(error.split("\n\n")[0] ?? error);
}
