import type { ChatMessage } from "../../models/types.js";
import type { RememberedPrediction } from "../program/pool-state.js";
import { componentHeader, componentLabels, componentNoun, type ComponentView } from "./component-header.js";
import { formatPrediction, formatValue } from "./format.js";

interface Shown {
  views: readonly ComponentView[];
  good: readonly RememberedPrediction[];
  bad: readonly RememberedPrediction[];
}

function target(views: readonly ComponentView[]): string {
  return views.map((v) => `the ${v.component.key} of ${componentNoun(v)}`).join(" and ");
}

function evidence(shown: Shown): string[] {
  const components = componentLabels(shown.views);
  const lines: string[] = [];
  if (shown.good.length > 0) {
    lines.push("", "Examples it handles well:");
    shown.good.forEach((p, i) => lines.push("", `Example ${i + 1}:`, formatPrediction(p, { components })));
  }
  if (shown.bad.length > 0) {
    lines.push("", "Examples it gets wrong:");
    shown.bad.forEach((p, i) => lines.push("", `Example ${shown.good.length + i + 1}:`, formatPrediction(p, { components })));
  }
  return lines;
}

const CLOSING =
  "Keep every {placeholder} unchanged and write literal braces as {{ and }}. Answer with JSON matching the given schema.";

const SYSTEM: ChatMessage = {
  role: "system",
  content: "You evolve the prompts of an AI program: you rewrite and recombine them so that they score higher.",
};

/** Mutation: rewrite one parent so it keeps what works and fixes what fails. */
export function mutationMessages(input: Shown & { parent: unknown }): ChatMessage[] {
  const lines = [
    `Here is ${target(input.views)} of an AI program:`,
    ...input.views.flatMap(componentHeader),
    "",
    formatValue(input.parent),
    ...evidence(input),
    "",
    "Rewrite it into a better variant: keep what makes the good examples work, change what makes the bad ones " +
      `fail, and feel free to try a different approach. ${CLOSING}`,
  ];
  return [SYSTEM, { role: "user", content: lines.join("\n") }];
}

/** Crossover: merge two parents into one child that combines their strengths. */
export function crossoverMessages(input: Shown & { first: unknown; second: unknown }): ChatMessage[] {
  const lines = [
    `Here are two versions of ${target(input.views)} of an AI program.`,
    ...input.views.flatMap(componentHeader),
    "",
    "Version A:",
    formatValue(input.first),
    "",
    "Version B:",
    formatValue(input.second),
    ...evidence(input),
    "",
    `Combine them into one version that keeps the strengths of both and fixes the failures shown. ${CLOSING}`,
  ];
  return [SYSTEM, { role: "user", content: lines.join("\n") }];
}
