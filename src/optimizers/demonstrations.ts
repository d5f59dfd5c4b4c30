// Demonstrations drawn from the program's own traces and from labelled examples, for the optimizers that build
// demonstration sets (MIPROv2's bootstrapped sets, SIMBA's "append a demo"). The rules are FewShotOptimizer's:
// a prompt's demonstration is what that prompt received and produced in a well-scored run; a labelled example
// is a demonstration only for a prompt whose inputs and output are the program's own.
import type { Example } from "../data/example.js";
import { exampleIdOf } from "../data/example.js";
import type { ScoredPrediction } from "../data/scored-prediction.js";
import type { ComponentCall } from "../data/trace.js";
import type { FewShotExample } from "../prompts/schemas.js";
import type { ComponentInfo } from "./context.js";
import { placeOf } from "./program/program-structure.js";

/** A demonstration with the score of the run it comes from (1 for a labelled example) and that example's id. */
export interface DemoCandidate {
  demo: FewShotExample;
  score: number;
  exampleId: string;
}

/** The answer of a call's last model call: what an output parser made of it, else its text; undefined when it failed. */
export function lastOutput(call: ComponentCall): unknown {
  const last = call.outputs.at(-1);
  if (!last || last.error) return undefined;
  if (last.parsed !== undefined) return last.parsed;
  return last.text.length > 0 ? last.text : undefined;
}

/** The demonstration one call of a component makes: its inputs as rendered and its output; undefined if it failed. */
export function demoOfCall(call: ComponentCall): FewShotExample | undefined {
  const output = lastOutput(call);
  if (output === undefined || call.error) return undefined;
  return { input: call.inputs, output };
}

/**
 * The component's own (inputs → output) pairs in runs whose program score reached `minScore`, best first, one per
 * distinct input (the best-scored run's).
 */
export function bootstrappedDemos(component: string, predictions: readonly ScoredPrediction[], minScore: number): DemoCandidate[] {
  const byInput = new Map<string, DemoCandidate>();
  for (const prediction of predictions) {
    if (prediction.score < minScore) continue;
    for (const call of prediction.trace?.[component] ?? []) {
      const demo = demoOfCall(call);
      if (!demo) continue;
      const key = JSON.stringify(demo.input);
      const known = byInput.get(key);
      if (!known || prediction.score > known.score) byInput.set(key, { demo, score: prediction.score, exampleId: prediction.exampleId });
    }
  }
  return [...byInput.values()].sort((a, b) => b.score - a.score);
}

/** Training examples as demonstrations of a component: its input variables taken from the example, the expected answer as output. */
export function labelledDemos(info: ComponentInfo | undefined, trainset: readonly Example[]): DemoCandidate[] {
  const keys = info?.inputVariables;
  const demos: DemoCandidate[] = [];
  for (const example of trainset) {
    if (example.expected === undefined) continue;
    const input = keys ? Object.fromEntries(keys.filter((k) => k in example.input).map((k) => [k, example.input[k]])) : example.input;
    demos.push({ demo: { input, output: example.expected }, score: 1, exampleId: exampleIdOf(example) });
  }
  return demos;
}

/**
 * Whether a training example's input and expected answer are this component's own: the traces show it rendered
 * with the program's input values and its output is the program's answer. Without traces, only a program's
 * single component whose inputs the examples give.
 */
export function labelsFit(
  component: string,
  options: {
    components?: readonly ComponentInfo[];
    /** How many components the optimizer acts on. */
    componentCount: number;
    seen: readonly ScoredPrediction[];
    trainset: readonly Example[];
  },
): boolean {
  const traced = options.seen.filter((p) => (p.trace?.[component] ?? []).length > 0);
  if (traced.length === 0) {
    const keys = options.components?.find((c) => c.name === component)?.inputVariables;
    const example = options.trainset[0];
    return options.componentCount === 1 && (keys === undefined || (example !== undefined && keys.every((k) => k in example.input)));
  }
  const place = placeOf(component, options.components, traced);
  if (!place.final) return false;
  return traced.every((prediction) =>
    (prediction.trace?.[component] ?? []).every((call) =>
      Object.entries(call.inputs).every(([key, value]) => JSON.stringify(prediction.input[key]) === JSON.stringify(value)),
    ),
  );
}
