import type { Example } from "../data/example.js";
import type { ScoredPrediction } from "../data/scored-prediction.js";
import type { ComponentInfo } from "../optimizers/context.js";
import { EvolutionaryOptimizer } from "../optimizers/evolutionary-optimizer.js";
import { InstructionOptimizer } from "../optimizers/instruction-optimizer.js";
import type { Optimizer } from "../optimizers/optimizer.js";
import { componentsOf, type Component } from "../optimizers/program/components.js";
import type { ComponentView } from "../optimizers/prompts/component-header.js";
import { reflectionMessages } from "../optimizers/prompts/gepa.js";
import { mutationMessages } from "../optimizers/prompts/omega.js";
import { oproMessages } from "../optimizers/prompts/opro.js";
import { ReflectiveOptimizer } from "../optimizers/reflective-optimizer.js";
import type { TrainablePrompt } from "../prompts/trainable-prompt.js";
import { schemaKeys } from "../variables/schema.js";
import type { Variable } from "../variables/variable.js";
import { estimateTokens, messageTokens, textOf } from "./token-count.js";

/** Tokens of one optimizer-model call, as the estimate assumes them. */
export interface OptimizerCallTokens {
  input: number;
  output: number;
  /** How the request was sized (for the estimate's assumptions). */
  basis: string;
}

/** Examples shown by an optimizer whose request shape the estimate does not know (a GEPA-like reflection). */
const GENERIC_EXAMPLES = 3;

/**
 * The tokens of an average request of `optimizer` over a run of `steps` steps, built with the optimizer's own
 * meta-prompt builder (OPRO, GEPA, OMEGA) from synthetic scored examples: training examples whose answer is the
 * expected one, with exactMatch-style feedback and a one-call trace of the prompt. An optimizer of another class
 * is sized as a GEPA reflection on three examples. A proposal (the answer) is taken to be twice the size of the
 * current text: rewrites add rules.
 */
export function optimizerCallTokens(
  optimizer: Optimizer,
  context: { variables: readonly Variable<object>[]; prompts: readonly TrainablePrompt[]; trainset: readonly Example[]; steps: number },
): OptimizerCallTokens | undefined {
  const matched = context.variables.filter((v) => v.trainable && optimizer.matches(v));
  const component = componentsOf(matched, schemaKeys(optimizer.schema()))[0];
  if (!component) return undefined;
  const variable = matched.find((v) => v.name === component.variable) as Variable<object>;
  const current = (variable.json() as Record<string, unknown>)[component.key];
  const view = viewOf(component, context.prompts);
  const predictions = (count: number) => context.trainset.slice(0, count).map((example, i) => syntheticPrediction(example, i, component));
  const output = 2 * estimateTokens(JSON.stringify({ [component.key]: current }));

  if (optimizer instanceof InstructionOptimizer) {
    // The trajectory grows by up to numCandidates versions a step, capped at maxTrajectory: average it over the run.
    const entryTokens = estimateTokens(`\nVersion:\n${textOf(current)}\nScore: 50`);
    const base = messageTokens(oproMessages({ views: [view], trajectory: [], exemplars: predictions(optimizer.numExemplars) }));
    let versions = 0;
    for (let step = 0; step < Math.max(1, context.steps); step++) {
      versions += Math.min(optimizer.maxTrajectory, 1 + step * optimizer.numCandidates);
    }
    const meanVersions = versions / Math.max(1, context.steps);
    return {
      input: Math.round(base + meanVersions * entryTokens),
      output,
      basis: `OPRO meta-prompt with ${optimizer.numExemplars} exemplars and ${meanVersions.toFixed(1)} past versions on average`,
    };
  }
  if (optimizer instanceof ReflectiveOptimizer) {
    const input = messageTokens(reflectionMessages({ view, currentText: textOf(current), examples: predictions(optimizer.minibatchSize) }));
    return { input, output, basis: `GEPA reflection on a minibatch of ${optimizer.minibatchSize}` };
  }
  if (optimizer instanceof EvolutionaryOptimizer) {
    const shown = predictions(2 * optimizer.numExemplars);
    const half = Math.ceil(shown.length / 2);
    const input = messageTokens(mutationMessages({ views: [view], parent: current, good: shown.slice(0, half), bad: shown.slice(half) }));
    return { input, output, basis: `OMEGA mutation with ${optimizer.numExemplars} good and ${optimizer.numExemplars} bad examples` };
  }
  const input = messageTokens(reflectionMessages({ view, currentText: textOf(current), examples: predictions(GENERIC_EXAMPLES) }));
  return { input, output, basis: `${optimizer.constructor.name}: sized as a reflection on ${GENERIC_EXAMPLES} examples (its request shape is not known to the estimate)` };
}

function viewOf(component: Component, prompts: readonly TrainablePrompt[]): ComponentView {
  const index = Math.max(0, prompts.findIndex((p) => p.variableName === component.variable));
  const prompt = prompts[index];
  const template = prompt?.userMessages.promptMessages
    .map((message) => (message as { prompt?: { template?: unknown } }).prompt?.template)
    .filter((text): text is string => typeof text === "string")
    .join("\n");
  const info: ComponentInfo = {
    name: component.variable,
    index,
    ...(template ? { template } : {}),
    ...(prompt ? { kind: "prompt" as const } : { kind: "tool" as const }),
  };
  return { component, place: { index, count: Math.max(1, prompts.length), feeds: [], final: index === prompts.length - 1 }, info };
}

function syntheticPrediction(example: Example, index: number, component: Component): ScoredPrediction {
  const answer = textOf(example.expected ?? "");
  return {
    exampleId: example.id ?? `example-${index}`,
    input: example.input,
    output: answer,
    expected: example.expected,
    score: 0,
    feedback: `Expected ${JSON.stringify(answer)} but the answer was ${JSON.stringify(answer)}.`,
    trace: { [component.variable]: [{ inputs: example.input, messages: [], outputs: [{ text: answer }] }] },
  };
}
