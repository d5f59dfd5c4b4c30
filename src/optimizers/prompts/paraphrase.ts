import type { ChatMessage } from "../../models/types.js";

/**
 * The random-search proposal: the text alone, to be said in other words. No example, score or feedback is shown,
 * so a proposal can only reword — the baseline every optimizer that learns from evidence must beat.
 */
export function paraphraseMessages(input: { key: string; text: string }): ChatMessage[] {
  const lines = [
    `Here are the ${input.key} given to an AI model.`,
    "",
    "Text to reword:",
    "```",
    input.text,
    "```",
    "",
    "Write them in other words: keep their meaning, every rule they state and every {placeholder} unchanged; write " +
      "literal braces as {{ and }}. Answer with JSON matching the given schema.",
  ];
  return [
    { role: "system", content: "You reword instructions without changing what they ask for." },
    { role: "user", content: lines.join("\n") },
  ];
}
