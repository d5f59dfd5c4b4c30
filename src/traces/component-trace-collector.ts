import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { ChainValues } from "@langchain/core/utils/types";
import type { ComponentCall, ModelCallRecord, ProgramTrace, ToolResultRecord } from "../data/trace.js";
import { offeredTools, type OfferedTool, type RunValues } from "./offered-tools.js";
import { clipText, contentText, isMessage, plainJson, toolCallsOf, traceMessage } from "./plain-json.js";

/** Metadata key a TrainablePrompt puts on its own run, so the collector knows which component ran. */
export const COMPONENT_METADATA_KEY = "tunechain_component";

type MessageLike = Parameters<typeof traceMessage>[0];

interface PromptRun {
  component: string;
  order: number;
  inputs: unknown;
  rendered?: MessageLike[];
  error?: string;
}

interface ModelRun {
  order: number;
  input: MessageLike[];
  /** The tools it was offered, read when it started (before anything can change their text). */
  offered: OfferedTool[];
  message?: unknown;
  text?: string;
  error?: string;
}

interface ParserRun {
  input: unknown;
  output?: unknown;
  error?: string;
}

interface ToolRun {
  order: number;
  name: string;
  parentRunId?: string;
  callId?: string;
  output?: unknown;
  error?: string;
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
 * `trace()` once the run has ended. It keeps references during the run and converts to plain, clipped JSON
 * only in `trace()`, so a program run pays little for being traced.
 *
 * A model call belongs to the latest prompt run whose rendered messages begin its input messages: in a
 * sequence the prompt's output is the model's input; in an agent loop each later call extends them. Tool
 * runs are matched to model calls by tool-call id; output parsers by the message they parsed. A component
 * whose model called tools (an agent) has its step count (model calls in the run) on each of its calls.
 *
 * A trainable tool is a component too: every model call that was offered it is one call of the tool's
 * component, showing the descriptions the model read, the tools it called and their results.
 */
export class ComponentTraceCollector extends BaseCallbackHandler {
  name = "tunechain_component_trace";
  private order = 0;
  private readonly prompts = new Map<string, PromptRun>();
  private readonly models = new Map<string, ModelRun>();
  private readonly parsers = new Map<string, ParserRun>();
  private readonly tools = new Map<string, ToolRun>();
  private readonly values: RunValues | undefined;

  constructor(options: ComponentTraceCollectorOptions = {}) {
    // Awaited, so every end event is recorded before the program's invoke resolves.
    super({ _awaitHandler: true });
    this.values = options.values;
  }

  // @langchain/core 1.x calls this with (chain, inputs, runId, parentRunId, tags, metadata, runType, runName),
  // whatever its .d.ts says; metadata sits at the same place in both orders, and runType is looked for in both.
  override handleChainStart(
    _chain: Serialized,
    inputs: ChainValues,
    runId: string,
    fourth?: unknown,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    seventh?: unknown,
  ): void {
    const component = metadata?.[COMPONENT_METADATA_KEY];
    if (typeof component === "string") {
      this.prompts.set(runId, { component, order: this.order++, inputs });
      return;
    }
    if (seventh === "parser" || fourth === "parser") this.parsers.set(runId, { input: inputs });
  }

  override handleChainEnd(outputs: ChainValues, runId: string): void {
    const prompt = this.prompts.get(runId);
    if (prompt) {
      const messages = (outputs as { messages?: unknown }).messages;
      prompt.rendered = Array.isArray(messages) ? messages.filter(isMessage) : [];
      return;
    }
    const parser = this.parsers.get(runId);
    if (parser) parser.output = outputs;
  }

  override handleChainError(error: Error, runId: string): void {
    const run = this.prompts.get(runId) ?? this.parsers.get(runId);
    if (run) run.error = messageOf(error);
  }

  override handleChatModelStart(
    _llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    _parentRunId?: string,
    extraParams?: Record<string, unknown>,
  ): void {
    this.models.set(runId, {
      order: this.order++,
      input: (messages[0] ?? []).filter(isMessage),
      offered: offeredTools(extraParams, this.values),
    });
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const run = this.models.get(runId);
    if (!run) return;
    const generation = output.generations?.[0]?.[0] as { text?: unknown; message?: unknown } | undefined;
    run.message = generation?.message;
    run.text = typeof generation?.text === "string" ? generation.text : undefined;
  }

  override handleLLMError(error: Error, runId: string): void {
    const run = this.models.get(runId);
    if (run) run.error = messageOf(error);
  }

  override handleToolStart(
    _tool: Serialized,
    _input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): void {
    this.tools.set(runId, {
      order: this.order++,
      name: runName ?? "tool",
      ...(parentRunId ? { parentRunId } : {}),
      ...(toolCallId ? { callId: toolCallId } : {}),
    });
  }

  override handleToolEnd(output: unknown, runId: string): void {
    const run = this.tools.get(runId);
    if (run) run.output = output;
  }

  override handleToolError(error: Error, runId: string): void {
    const run = this.tools.get(runId);
    if (run) run.error = messageOf(error);
  }

  /** Whether a model call of this run failed (as opposed to the program failing after the model answered). */
  modelCallFailed(): boolean {
    return [...this.models.values()].some((run) => run.error !== undefined);
  }

  /** Every component's calls in this run, by component name. */
  trace(): ProgramTrace {
    const prompts = [...this.prompts.values()].map((run) => ({ run, call: componentCall(run) }));
    const trace: ProgramTrace = {};
    for (const { run, call } of prompts) (trace[run.component] ??= []).push(call);
    const parsers = [...this.parsers.values()];
    const answered: { call: ComponentCall; record: ModelCallRecord; message: unknown }[] = [];
    for (const model of [...this.models.values()].sort((a, b) => a.order - b.order)) {
      const owner = latestPrefixOwner(prompts, model);
      if (!owner) continue;
      const record = modelCallRecord(model, parsers);
      owner.call.outputs.push(record);
      answered.push({ call: owner.call, record, message: model.message });
    }
    // A tool run inside another tool run (a trainable tool running the tool it wraps) is counted once.
    const tools = [...this.tools.values()].filter((tool) => tool.parentRunId === undefined || !this.tools.has(tool.parentRunId));
    for (const tool of tools) {
      const owner =
        answered.findLast(({ record }) => tool.callId !== undefined && record.toolCalls?.some((c) => c.id === tool.callId)) ??
        answered.findLast(({ record }) => record.toolCalls?.some((c) => c.name === tool.name));
      if (!owner) continue;
      (owner.call.toolResults ??= []).push(toolResultRecord(tool));
    }
    countAgentSteps(trace);
    this.addToolComponents(trace, parsers, tools);
    return trace;
  }

  /**
   * One call of a trainable tool's component per model call that was offered it: the descriptions of the tools
   * offered (as the model read them), the model's answer and tool calls, and the results of those calls.
   */
  private addToolComponents(trace: ProgramTrace, parsers: readonly ParserRun[], tools: readonly ToolRun[]): void {
    for (const model of [...this.models.values()].sort((a, b) => a.order - b.order)) {
      if (model.offered.length === 0) continue;
      const record = modelCallRecord(model, parsers);
      const descriptions = Object.fromEntries(model.offered.map((tool) => [tool.name, clipText(tool.description ?? "")]));
      const callIds = new Set((record.toolCalls ?? []).map((call) => call.id).filter((id): id is string => id !== undefined));
      const results = tools.filter((tool) => tool.callId !== undefined && callIds.has(tool.callId));
      for (const tool of model.offered) {
        if (tool.variable === undefined) continue;
        const call: ComponentCall = { inputs: { tools: descriptions }, messages: model.input.map(traceMessage), outputs: [structuredClone(record)] };
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
}

function toolResultRecord(tool: ToolRun): ToolResultRecord {
  const result: ToolResultRecord = { name: tool.name };
  if (tool.callId !== undefined) result.callId = tool.callId;
  if (tool.error !== undefined) result.error = tool.error;
  else result.output = clipText(toolOutputText(tool.output));
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

function componentCall(run: PromptRun): ComponentCall {
  const call: ComponentCall = {
    inputs: (plainJson(run.inputs) ?? {}) as Record<string, unknown>,
    messages: (run.rendered ?? []).map(traceMessage),
    outputs: [],
  };
  if (run.error !== undefined) call.error = run.error;
  return call;
}

/** The latest prompt run, rendered before the model call started, whose messages begin its input. */
function latestPrefixOwner(
  prompts: readonly { run: PromptRun; call: ComponentCall }[],
  model: ModelRun,
): { run: PromptRun; call: ComponentCall } | undefined {
  for (let i = prompts.length - 1; i >= 0; i--) {
    const prompt = prompts[i] as { run: PromptRun; call: ComponentCall };
    const rendered = prompt.run.rendered;
    if (prompt.run.order > model.order || !rendered || rendered.length === 0 || rendered.length > model.input.length) continue;
    if (rendered.every((message, j) => sameMessage(message, model.input[j]))) return prompt;
  }
  return undefined;
}

function sameMessage(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isMessage(a) || !isMessage(b)) return false;
  const typeOf = (m: MessageLike) => m.getType?.() ?? m._getType?.();
  return typeOf(a) === typeOf(b) && contentText(a.content) === contentText(b.content);
}

/** A model call as the trace keeps it, with what an output parser made of its answer. */
function modelCallRecord(model: ModelRun, parsers: readonly ParserRun[]): ModelCallRecord {
  const message = model.message;
  const record: ModelCallRecord = {
    text: clipText(isMessage(message) ? contentText(message.content) : (model.text ?? "")),
  };
  if (isMessage(message)) {
    const calls = toolCallsOf(message);
    if (calls.length > 0) record.toolCalls = calls;
  }
  if (model.error !== undefined) record.error = model.error;
  const parser = message === undefined ? undefined : parsers.find((p) => parsedInput(p) === message || sameMessage(parsedInput(p), message));
  if (parser?.error !== undefined) record.error ??= parser.error;
  else if (parser && parser.output !== undefined) {
    const parsed = unwrapOutput(parser.output);
    if (!(typeof parsed === "string" && parsed === record.text)) record.parsed = plainJson(parsed);
  }
  return record;
}

/** A parser's input: the message itself, or LangChain's { input } wrapping of it. */
function parsedInput(parser: ParserRun): unknown {
  const input = parser.input as { input?: unknown } | undefined;
  return isMessage(input) ? input : input?.input;
}

/** Chain outputs that are not objects arrive wrapped as { output }. */
function unwrapOutput(outputs: unknown): unknown {
  const keys = typeof outputs === "object" && outputs !== null ? Object.keys(outputs) : [];
  return keys.length === 1 && keys[0] === "output" ? (outputs as { output: unknown }).output : outputs;
}

function toolOutputText(output: unknown): string {
  if (isMessage(output)) return contentText(output.content);
  return typeof output === "string" ? output : JSON.stringify(plainJson(output));
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return clipText(typeof message === "string" ? message : String(error));
}
