import type { ChatMessage } from "../../models/types.js";
import type { RememberedPrediction } from "../program/pool-state.js";
import { componentHeader, componentLabels, type ComponentView } from "./component-header.js";
import { formatPrediction } from "./format.js";

/** One prompt of the program as SIMBA's rule request shows it: its header and its current text. */
export interface AdvisedPrompt {
  view: ComponentView;
  /** The JSON property the advice for this prompt goes in. */
  property: string;
  currentText: string;
}

/**
 * SIMBA's "append a rule" request (DSPy's OfferFeedback): the program's prompts with their current text, then two
 * runs of the program on the same example — a worse and a better one, each showing what every prompt received
 * and produced, the answer, the score and the feedback (one of them may be missing when every run scored the
 * same) — and the request for advice per prompt that would make it act like the better run.
 */
export function ruleMessages(input: {
  prompts: readonly AdvisedPrompt[];
  worse?: RememberedPrediction;
  better?: RememberedPrediction;
}): ChatMessage[] {
  const sections = [
    "An AI program runs one or more prompts. Here they are, in the order they run, with their current instructions:",
  ];
  for (const prompt of input.prompts) {
    sections.push("", ...componentHeader(prompt.view), `Its current ${prompt.view.component.key}:`, "```", prompt.currentText, "```");
  }
  const components = componentLabels(input.prompts.map((p) => p.view));
  const run = (title: string, prediction: RememberedPrediction | undefined, missing: string) => {
    sections.push("", `${title}:`);
    sections.push(prediction ? formatPrediction(prediction, { components }) : missing);
  };
  sections.push("", "Below are two runs of the program on the same input.");
  run("Worse run", input.worse, "(not available: no run on this input scored lower than the better one)");
  run("Better run", input.better, "(not available: no run on this input scored higher than the worse one; compare the worse run with the expected answer)");
  const names = input.prompts.map((p) => `'${p.property}'`).join(", ");
  sections.push(
    "",
    "For each prompt, write advice that would make it act like the better run — and give the expected answer — when it " +
      'receives similar inputs in the future: "If the prompt receives <a pattern in its input>, then it should <what to ' +
      'do or avoid>." Contrast the two runs to find where each prompt went wrong, if it did. Advice for a prompt must be ' +
      "about that prompt's own job, concrete and general at once; the prompt will not see these runs. Write an empty " +
      "string for a prompt that needs no advice. Use no {placeholders}; write literal braces as {{ and }}. " +
      `Answer with JSON matching the given schema: one property per prompt (${names}).`,
  );
  return [
    {
      role: "system",
      content: "You compare a better and a worse run of an AI program and advise each of its prompts how to do better.",
    },
    { role: "user", content: sections.join("\n") },
  ];
}
