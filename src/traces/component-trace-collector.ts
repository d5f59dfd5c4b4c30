import { BaseTracer, type Run } from "@langchain/core/tracers/base";
import type { ComponentCall, ModelCallRecord, ProgramTrace, ToolResultRecord } from "../data/trace.js";
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

/**
 * Collects, for one program run, what each TrainablePrompt rendered and what the model calls it fed
 * returned. Attach a fresh collector to each program run's callbacks (runs never share one), then read
 * `trace()` once the run has ended.
 *
 * A model call belongs to the latest prompt run whose rendered messages begin its input messages: in a
 * sequence the prompt's output is the model's input; in an agent loop each later call extends them. Tool
 * runs are matched to model calls by tool-call id; output parsers by the message they parsed.
 */
export class ComponentTraceCollector extends BaseTracer {
  name = "tunechain_component_trace";
  private readonly runs: Run[] = [];

  constructor() {
    // Awaited, so every end event is recorded before the program's invoke resolves.
    super({ _awaitHandler: true });
  }

  protected async persistRun(): Promise<void> {}

  override onRunCreate(run: Run): void {
    this.runs.push(run);
  }

  /** Whether a model call of this run failed (as opposed to the program failing after the model answered). */
  modelCallFailed(): boolean {
    return this.runs.some((run) => run.run_type === "llm" && run.error !== undefined);
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
    this.attachToolResults(prompts);
    return trace;
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
  private attachToolResults(prompts: readonly PromptRun[]): void {
    for (const run of this.runs) {
      if (run.run_type !== "tool") continue;
      const callId = typeof run.extra?.tool_call_id === "string" ? run.extra.tool_call_id : undefined;
      const name = run.name;
      const owner =
        prompts.findLast((p) => p.call.outputs.some((o) => o.toolCalls?.some((c) => callId !== undefined && c.id === callId))) ??
        prompts.findLast((p) => p.run.start_time <= run.start_time && p.call.outputs.some((o) => o.toolCalls?.some((c) => c.name === name)));
      if (!owner) continue;
      const result: ToolResultRecord = { name };
      if (callId !== undefined) result.callId = callId;
      if (run.error) result.error = firstLine(run.error);
      else result.output = clipText(toolOutputText((run.outputs as { output?: unknown } | undefined)?.output));
      (owner.call.toolResults ??= []).push(result);
    }
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
