import type { ToolCallRecord, TraceMessage } from "../data/trace.js";

/** Longest string a trace keeps; longer texts are cut (traces live in optimizer memory and checkpoints). */
export const MAX_TRACE_TEXT = 4000;
/** Most items of one list a trace keeps (the last ones: the latest turns of a conversation matter most). */
const MAX_TRACE_ITEMS = 40;
const MAX_DEPTH = 6;

export function clipText(text: string, max = MAX_TRACE_TEXT): string {
  return text.length > max ? `${text.slice(0, max)} …[${text.length - max} more characters]` : text;
}

type MessageLike = {
  getType?: () => string;
  _getType?: () => string;
  content?: unknown;
  tool_calls?: unknown;
  tool_call_id?: unknown;
};

/** Whether `value` is a LangChain message (duck-typed: two copies of @langchain/core may meet here). */
export function isMessage(value: unknown): value is MessageLike {
  const candidate = value as MessageLike | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    (typeof candidate.getType === "function" || typeof candidate._getType === "function") &&
    "content" in candidate
  );
}

const ROLES: Record<string, TraceMessage["role"]> = {
  human: "user",
  ai: "assistant",
  system: "system",
  developer: "system",
  tool: "tool",
};

/** The text of a message's content: a string as is, text parts joined, other parts named. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return content === undefined || content === null ? "" : JSON.stringify(content);
  return content
    .map((part: { type?: unknown; text?: unknown }) =>
      typeof part === "string" ? part : typeof part?.text === "string" ? part.text : `[${String(part?.type ?? "part")}]`,
    )
    .join("");
}

export function toolCallsOf(message: MessageLike): ToolCallRecord[] {
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as { name?: unknown; args?: unknown; id?: unknown }[]) : [];
  return calls.map((call) => {
    const record: ToolCallRecord = { name: String(call.name ?? ""), args: plainJson(call.args ?? {}) };
    if (typeof call.id === "string") record.id = call.id;
    return record;
  });
}

/** A LangChain message as a trace message (role, clipped text, tool calls). */
export function traceMessage(message: MessageLike): TraceMessage {
  const type = message.getType?.() ?? message._getType?.() ?? "human";
  const traced: TraceMessage = { role: ROLES[type] ?? "user", content: clipText(contentText(message.content)) };
  const calls = toolCallsOf(message);
  if (calls.length > 0) traced.toolCalls = calls;
  if (typeof message.tool_call_id === "string") traced.toolCallId = message.tool_call_id;
  return traced;
}

/**
 * Any value as bounded plain JSON: messages become trace messages, long strings and lists are cut, class
 * instances become their enumerable fields, functions and cycles are dropped.
 */
export function plainJson(value: unknown, depth = 0, seen: Set<object> = new Set()): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return clipText(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object") return null;
  if (seen.has(value) || depth >= MAX_DEPTH) return "[…]";
  if (isMessage(value)) return traceMessage(value);
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const kept = value.length > MAX_TRACE_ITEMS ? value.slice(value.length - MAX_TRACE_ITEMS) : value;
      return kept.map((item) => plainJson(item, depth + 1, seen));
    }
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === "function") continue;
      out[key] = plainJson(item, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
