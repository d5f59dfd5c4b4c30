import type { ScoredPrediction } from "../../data/scored-prediction.js";
import type { ComponentCall } from "../../data/trace.js";
import type { ComponentInfo } from "../context.js";

/** Where a component sits in the program, as its traces show it. */
export interface ComponentPlace {
  /** 0-based step number and the number of trainable steps. */
  index: number;
  count: number;
  /** Components whose inputs contained this component's output. */
  feeds: string[];
  /** Its output is (part of) the program's answer. */
  final: boolean;
}

/** The text a call produced, as later steps would see it. */
export function callOutputText(call: ComponentCall): string {
  const last = call.outputs.at(-1);
  if (!last) return "";
  if (last.parsed !== undefined) return typeof last.parsed === "string" ? last.parsed : JSON.stringify(last.parsed);
  return last.text;
}

/**
 * The place of `name` among the program's components: its order (from the program walk, else from the order
 * the traces show), which components consume its output, and whether its output is the program's answer.
 */
export function placeOf(
  name: string,
  components: readonly ComponentInfo[] | undefined,
  predictions: readonly ScoredPrediction[],
): ComponentPlace {
  const names = components && components.length > 0 ? components.map((c) => c.name) : orderFromTraces(predictions);
  const index = Math.max(0, names.indexOf(name));
  const feeds = new Set<string>();
  let final = false;
  for (const prediction of predictions) {
    const own = prediction.trace?.[name] ?? [];
    const outputs = own.map(callOutputText).filter((text) => text.trim().length >= 3);
    if (outputs.length === 0) continue;
    const answer = typeof prediction.output === "string" ? prediction.output : JSON.stringify(prediction.output ?? "");
    if (outputs.some((text) => answer.includes(text) || text.includes(answer))) final = true;
    for (const [other, calls] of Object.entries(prediction.trace ?? {})) {
      if (other === name) continue;
      const inputs = calls.map((call) => JSON.stringify(call.inputs)).join("\n");
      if (outputs.some((text) => inputs.includes(JSON.stringify(text).slice(1, -1)))) feeds.add(other);
    }
  }
  return { index, count: Math.max(names.length, index + 1), feeds: [...feeds], final };
}

function orderFromTraces(predictions: readonly ScoredPrediction[]): string[] {
  const names: string[] = [];
  for (const prediction of predictions) {
    for (const name of Object.keys(prediction.trace ?? {})) if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** "It is step 1 of 2 of the program; its output feeds 'answer'." */
export function describePlace(place: ComponentPlace): string {
  if (place.count <= 1) return "It is the program's only trainable prompt.";
  const parts = [`It is step ${place.index + 1} of ${place.count} of the program`];
  if (place.feeds.length > 0) parts.push(`its output feeds ${place.feeds.map((f) => `'${f}'`).join(" and ")}`);
  if (place.final) parts.push("its output is the program's answer");
  return `${parts.join("; ")}.`;
}
