import type { Example } from "../../data/example.js";
import type { ChatMessage } from "../../models/types.js";
import type { RememberedPrediction } from "../program/pool-state.js";
import { componentHeader, componentLabels, componentNoun, type ComponentView } from "./component-header.js";
import { clip, formatPrediction, show } from "./format.js";

/**
 * The tips MIPROv2's grounded proposer draws one of at random for each proposal (DSPy's list, in our words):
 * they push the proposals apart so the search has different instructions to choose among.
 */
export const PROPOSAL_TIPS: readonly string[] = [
  "",
  "Be creative: try an approach the current instructions do not take.",
  "Keep the instructions clear and concise.",
  "Make the instructions informative and descriptive: say what matters and why.",
  "Describe a high-stakes setting in which getting the answer right matters.",
  'Give the model a persona suited to the task ("You are a …").',
];

/**
 * MIPROv2's dataset descriptor, in one call: a few training examples (inputs and expected answers) and the
 * request to summarize what the data is about, what the inputs look like and what a good answer is.
 */
export function datasetSummaryMessages(examples: readonly Example[]): ChatMessage[] {
  const lines = [
    "Here are examples from the dataset an AI program is tuned on, each with its input and the expected answer:",
  ];
  examples.forEach((example, i) => {
    lines.push("", `Sample ${i + 1}:`, `Input: ${show(example.input)}`);
    if (example.expected !== undefined) lines.push(`Expected answer: ${show(example.expected)}`);
  });
  lines.push(
    "",
    "Summarize the dataset in a few sentences: what the task is, what the inputs look like, what the expected answers " +
      "look like, and any pattern that seems to decide the answer. Answer with JSON matching the given schema.",
  );
  return [
    { role: "system", content: "You describe datasets precisely and briefly." },
    { role: "user", content: lines.join("\n") },
  ];
}

/** "1. 'extract', asked "Order: {order}"; its output feeds 'answer'." — one line per prompt, in program order. */
export function programStructure(views: readonly ComponentView[]): string[] {
  const lines = ["The program's prompts, in the order they run:"];
  views.forEach((view, i) => {
    const parts = [`${i + 1}. '${view.component.variable}'${view.info?.kind === "tool" ? " (a tool)" : ""}`];
    if (view.info?.template) parts[0] += `, asked "${clip(view.info.template, 300)}"`;
    if (view.place.feeds.length > 0) parts.push(`its output feeds ${view.place.feeds.map((f) => `'${f}'`).join(" and ")}`);
    if (view.place.final) parts.push("its output is the program's answer");
    lines.push(`${parts.join("; ")}.`);
  });
  return lines;
}

/**
 * MIPROv2's grounded instruction proposal for one prompt: a summary of the dataset, the program's structure, the
 * prompt's place and template, example runs showing what this prompt received and produced, its current
 * instructions and a tip; the model writes one new version.
 */
export function groundedProposalMessages(input: {
  view: ComponentView;
  /** Every prompt of the program, in order (the program's structure). */
  structure: readonly ComponentView[];
  summary?: string;
  examples: readonly RememberedPrediction[];
  currentText: string;
  tip: string;
}): ChatMessage[] {
  const { component } = input.view;
  const sections = [
    `You write the ${component.key} of one prompt of an AI program. Ground them in the data and in what the program does.`,
  ];
  if (input.summary) sections.push("", `Summary of the dataset: ${clip(input.summary, 1200)}`);
  if (input.structure.length > 1) sections.push("", ...programStructure(input.structure));
  sections.push("", ...componentHeader(input.view));
  if (input.examples.length > 0) {
    sections.push(
      "",
      "Here are example runs of the program: its input, what this prompt received and produced, the program's answer, " +
        "the expected answer and the score:",
    );
    input.examples.forEach((example, i) =>
      sections.push("", `Example ${i + 1}:`, formatPrediction(example, { components: componentLabels([input.view]) })),
    );
  }
  sections.push("", `Its current ${component.key}:`, "```", input.currentText, "```");
  if (input.tip) sections.push("", `Tip: ${input.tip}`);
  sections.push(
    "",
    `Write new ${component.key} for ${componentNoun(input.view)}: work out from the data and the examples what this prompt's ` +
      "job in the program is and what would make its outputs right, and state it so that the prompt handles such inputs " +
      "in general, not only these examples. Keep every {placeholder} of the current text unchanged and write literal " +
      "braces as {{ and }}. Answer with JSON matching the given schema.",
  );
  return [
    { role: "system", content: "You write instructions for the prompts of AI programs, grounded in their data." },
    { role: "user", content: sections.join("\n") },
  ];
}
