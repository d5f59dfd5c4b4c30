import type { ChatMessage } from "../../models/types.js";
import type { RememberedPrediction } from "../pool-state.js";
import { describeKeys, formatPrediction, formatValue } from "./format.js";

export interface TrajectoryEntry {
  value: Record<string, unknown>;
  /** Mean score in [0, 1]; shown as 0–100. */
  score: number;
}

/**
 * OPRO's meta-prompt: previous values with their scores in ascending order (so the best sit closest to the
 * request), a few task exemplars showing where the text is used, and the request for a new, different,
 * higher-scoring, concise value.
 */
export function oproMessages(input: {
  keys: readonly string[];
  trajectory: readonly TrajectoryEntry[];
  exemplars: readonly RememberedPrediction[];
}): ChatMessage[] {
  const target = describeKeys(input.keys);
  const sections: string[] = [
    `Your task is to write ${target} of a prompt that an AI system follows to solve a task.`,
    "",
    "Below are previous versions with their scores (0 to 100, higher is better), sorted from lowest to highest score.",
  ];
  for (const entry of input.trajectory) {
    sections.push("", "Version:", formatValue(entry.value), `Score: ${Math.round(entry.score * 100)}`);
  }
  if (input.exemplars.length > 0) {
    sections.push("", "Below are examples of the task, with the answer the system gave using the latest version.");
    input.exemplars.forEach((exemplar, i) => sections.push("", `Example ${i + 1}:`, formatPrediction(exemplar)));
  }
  sections.push(
    "",
    `Write a new version of ${target} that is different from all the versions above and scores higher than all of ` +
      "them. Keep it concise, general and effective. Keep every {placeholder} of the current version unchanged, " +
      "and write literal braces as {{ and }}. Answer with JSON matching the given schema.",
  );
  return [
    { role: "system", content: "You are an optimizer of prompts: you rewrite prompt text so that it scores higher." },
    { role: "user", content: sections.join("\n") },
  ];
}
