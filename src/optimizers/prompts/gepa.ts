import type { ChatMessage } from "../../models/types.js";
import type { RememberedPrediction } from "../pool-state.js";
import { formatPrediction } from "./format.js";

/**
 * GEPA's reflection prompt for one text component: the current text, then the examples it was run on with
 * their inputs, the answers it produced, and the feedback on each; the model diagnoses what went wrong and
 * writes an improved text for that component.
 */
export function reflectionMessages(input: {
  component: string;
  currentText: string;
  examples: readonly RememberedPrediction[];
}): ChatMessage[] {
  const sections = [
    `An AI assistant was given the following text as its '${input.component}' while performing a task:`,
    "```",
    input.currentText,
    "```",
    "",
    "Here are task inputs it received, the answer it gave to each, and feedback on how each answer could be better:",
  ];
  input.examples.forEach((example, i) => sections.push("", `Example ${i + 1}:`, formatPrediction(example)));
  sections.push(
    "",
    `Write an improved '${input.component}' for the assistant. First work out from the inputs what the task is and ` +
      "what format the inputs take. Then look at the feedback: find what the failing answers got wrong and which " +
      "facts, rules or strategies would have led to the right answers, and state them in the new text so the " +
      "assistant gets such cases right in general, not only these examples. Keep what already works. Keep every " +
      "{placeholder} of the current text unchanged and write literal braces as {{ and }}. Answer with JSON matching " +
      "the given schema.",
  );
  return [
    { role: "system", content: "You improve the instructions of AI assistants by reflecting on their mistakes." },
    { role: "user", content: sections.join("\n") },
  ];
}
