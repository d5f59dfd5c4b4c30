import type { RememberedPrediction } from "../pool-state.js";

const MAX_FIELD_CHARS = 1500;

function clip(text: string): string {
  return text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS)} …[truncated]` : text;
}

function show(value: unknown): string {
  return clip(typeof value === "string" ? value : JSON.stringify(value));
}

/** A candidate value as the model reads it: the bare text for one key, JSON for several. */
export function formatValue(value: Record<string, unknown>): string {
  const entries = Object.entries(value);
  if (entries.length === 1 && typeof entries[0]?.[1] === "string") return clip(entries[0][1]);
  return clip(JSON.stringify(value, null, 2));
}

/** One scored prediction: input, the answer given, the expected answer, score and feedback when known. */
export function formatPrediction(prediction: RememberedPrediction, options: { showScore?: boolean } = {}): string {
  const lines = [`Input: ${show(prediction.input)}`, `Answer given: ${show(prediction.output)}`];
  if (prediction.expected !== undefined) lines.push(`Expected answer: ${show(prediction.expected)}`);
  if (options.showScore ?? true) lines.push(`Score: ${Math.round(prediction.score * 100)}/100`);
  if (prediction.feedback) lines.push(`Feedback: ${clip(prediction.feedback)}`);
  return lines.join("\n");
}

/** "the instructions" / "the fields 'a' and 'b'" */
export function describeKeys(keys: readonly string[]): string {
  if (keys.length === 1) return `the ${keys[0]}`;
  return `the fields ${keys.map((k) => `'${k}'`).join(", ")}`;
}
