import type { ChatMessage } from "../../models/types.js";
import type { RememberedPrediction } from "../program/pool-state.js";
import { componentHeader, componentLabels, componentNoun, type ComponentView } from "./component-header.js";
import { formatPrediction } from "./format.js";

/**
 * GEPA's reflection prompt for one component: which prompt it is and where it sits in the program, its
 * current text, then the examples it was run on — what this prompt received and produced, the program's
 * answer, the expected answer and the feedback; the model diagnoses what went wrong and writes a new text.
 */
export function reflectionMessages(input: {
  view: ComponentView;
  currentText: string;
  examples: readonly RememberedPrediction[];
}): ChatMessage[] {
  const { component } = input.view;
  const sections = [
    `An AI program runs one or more prompts. You are improving the ${component.key} of one of them.`,
    ...componentHeader(input.view),
    "",
    `Its current ${component.key}:`,
    "```",
    input.currentText,
    "```",
    "",
    "Here are examples the program ran: the program's input, what this prompt received and produced, the program's " +
      "answer, the expected answer, and feedback on the answer:",
  ];
  input.examples.forEach((example, i) =>
    sections.push("", `Example ${i + 1}:`, formatPrediction(example, { components: componentLabels([input.view]) })),
  );
  sections.push(
    "",
    `Write improved ${component.key} for ${componentNoun(input.view)}. First work out from the inputs what this prompt's ` +
      "job in the program is and what its inputs look like. Then look at what it produced and at the feedback: find " +
      "what went wrong in this step (or what this step could do so that the next steps get it right), and which " +
      "facts, rules or strategies would have led to the right answers, and state them in the new text so the prompt " +
      "gets such cases right in general, not only these examples. Keep what already works. Keep every {placeholder} " +
      "of the current text unchanged and write literal braces as {{ and }}. Answer with JSON matching the given schema.",
  );
  return [
    { role: "system", content: "You improve the prompts of AI programs by reflecting on their mistakes." },
    { role: "user", content: sections.join("\n") },
  ];
}
