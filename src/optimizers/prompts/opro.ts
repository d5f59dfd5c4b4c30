import type { ChatMessage } from "../../models/types.js";
import type { RememberedPrediction } from "../program/pool-state.js";
import { componentHeader, componentLabels, componentNoun, type ComponentView } from "./component-header.js";
import { formatPrediction, formatValue } from "./format.js";

export interface TrajectoryEntry {
  /** The version: the text of one component, or an object with one property per component rewritten together. */
  value: unknown;
  /** Mean score in [0, 1]; shown as 0–100. */
  score: number;
}

/**
 * OPRO's meta-prompt: which prompt(s) to rewrite and where they sit, previous versions with their scores in
 * ascending order (so the best sit closest to the request), a few task exemplars showing what the prompt
 * received and produced, and the request for a new, different, higher-scoring, concise version.
 */
export function oproMessages(input: {
  views: readonly ComponentView[];
  trajectory: readonly TrajectoryEntry[];
  exemplars: readonly RememberedPrediction[];
}): ChatMessage[] {
  const joint = input.views.length > 1;
  const target = `the ${input.views.map((v) => `${v.component.key} of ${componentNoun(v)}`).join(" and ")}${joint ? ", together" : ""}`;
  const sections: string[] = [`Your task is to write ${target}: text that an AI program follows to solve a task.`];
  for (const view of input.views) sections.push(...componentHeader(view));
  sections.push(
    "",
    "Below are previous versions with their scores (0 to 100, higher is better), sorted from lowest to highest score.",
  );
  for (const entry of input.trajectory) {
    sections.push("", "Version:", formatValue(entry.value), `Score: ${Math.round(entry.score * 100)}`);
  }
  if (input.exemplars.length > 0) {
    sections.push("", "Below are examples of the task, with what the program did using the latest version.");
    input.exemplars.forEach((exemplar, i) =>
      sections.push("", `Example ${i + 1}:`, formatPrediction(exemplar, { components: componentLabels(input.views) })),
    );
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
