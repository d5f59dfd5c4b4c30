import type { ScoredPrediction } from "../../data/scored-prediction.js";
import type { ComponentCall } from "../../data/trace.js";

const MAX_FIELD_CHARS = 1500;
/** Calls of one component shown per example (an agent may make many). */
const MAX_CALLS_SHOWN = 3;

export function clip(text: string, max = MAX_FIELD_CHARS): string {
  return text.length > max ? `${text.slice(0, max)} …[truncated]` : text;
}

export function show(value: unknown): string {
  return clip(typeof value === "string" ? value : JSON.stringify(value));
}

/** A value as the model reads it: the bare text for a string, JSON otherwise. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return clip(value);
  return clip(JSON.stringify(value, null, 2));
}

/** "the instructions" / "the fields 'a' and 'b'" */
export function describeKeys(keys: readonly string[]): string {
  if (keys.length === 1) return `the ${keys[0]}`;
  return `the fields ${keys.map((k) => `'${k}'`).join(", ")}`;
}

/** What one call of the component produced: its answer (parsed when a parser read it), tool calls, tool results, error. */
function formatCall(call: ComponentCall, label: string): string[] {
  const lines = [`${label} input: ${show(call.inputs)}`];
  if (call.error) lines.push(`${label} error: ${clip(call.error)}`);
  if (call.outputs.length === 0 && !call.error) lines.push(`${label} output: (no model call observed)`);
  for (const output of call.outputs) {
    if (output.error) lines.push(`${label} error: ${clip(output.error)}`);
    const answer = output.parsed !== undefined ? show(output.parsed) : clip(output.text);
    if (answer.length > 0 || !output.toolCalls) lines.push(`${label} output: ${answer}`);
    if (output.toolCalls) {
      lines.push(`${label} tool calls: ${output.toolCalls.map((c) => `${c.name}(${show(c.args)})`).join("; ")}`);
    }
  }
  if (call.steps !== undefined) lines.push(`${label} agent steps (model calls) in this run: ${call.steps}`);
  for (const result of call.toolResults ?? []) {
    lines.push(`Tool result of ${result.name}: ${result.error ? `error: ${clip(result.error)}` : show(result.output ?? "")}`);
  }
  return lines;
}

/** Which component's calls to show, and the words that introduce its lines ("This prompt's", "Prompt 'extract'"). */
export interface ComponentLabel {
  name: string;
  label: string;
}

/**
 * One scored example as an optimizer shows it: the program's input, then — when the run was traced — what each
 * given component received and produced (each call, for agents and prompts used twice), then the program's
 * answer, the expected answer, the score and the feedback.
 */
export function formatPrediction(
  prediction: ScoredPrediction,
  options: { components?: readonly ComponentLabel[]; showScore?: boolean } = {},
): string {
  const lines = [`Program input: ${show(prediction.input)}`];
  for (const { name, label } of options.components ?? []) {
    const calls = prediction.trace?.[name] ?? [];
    if (calls.length > MAX_CALLS_SHOWN) lines.push(`${label} ran ${calls.length} times; the last ${MAX_CALLS_SHOWN}:`);
    calls.slice(-MAX_CALLS_SHOWN).forEach((call, i, shown) => {
      lines.push(...formatCall(call, shown.length === 1 ? label : `${label} call ${calls.length - shown.length + i + 1}`));
    });
    if (calls.length === 0 && prediction.trace) lines.push(`${label} did not run on this example.`);
  }
  lines.push(`Program answer: ${prediction.error ? `(failed) ${clip(prediction.error)}` : show(prediction.output)}`);
  if (prediction.expected !== undefined) lines.push(`Expected answer: ${show(prediction.expected)}`);
  if (options.showScore ?? true) lines.push(`Score: ${Math.round(prediction.score * 100)}/100`);
  if (prediction.feedback) lines.push(`Feedback: ${clip(prediction.feedback)}`);
  return lines.join("\n");
}
