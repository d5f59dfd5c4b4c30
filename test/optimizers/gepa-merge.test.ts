import { describe, expect, it } from "vitest";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import type { Example, ScoredPrediction } from "../../src/optimizers/context.js";
import { ReflectiveOptimizer } from "../../src/optimizers/reflective-optimizer.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";
import { Variable } from "../../src/variables/variable.js";
import { trainSteps } from "./helpers.js";

// A two-component prompt: sarcastic reviews need a hint in `instructions`, negated ones ("not bad") a hint in
// `persona`. Each reflection sees a one-example minibatch, so each child fixes one component only; only a
// merge of two children that descend from the seed fixes both.
const SCHEMA = {
  type: "object",
  properties: { persona: { type: "string" }, instructions: { type: "string" } },
  required: ["persona", "instructions"],
};
type TwoPart = { persona: string; instructions: string };

function examples(prefix: string, count: number): Example[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = i % 3;
    const text =
      kind === 0
        ? `Oh great, item ${prefix}${i} broke again.`
        : kind === 1
          ? `Item ${prefix}${i} is not bad at all.`
          : `Item ${prefix}${i} is lovely.`;
    return { id: `${prefix}${i}`, input: { text }, expected: kind === 0 ? "negative" : "positive" };
  });
}

function answer(prompt: TwoPart, text: string): string {
  if (text.startsWith("Oh great")) return prompt.instructions.includes("sarcasm") ? "negative" : "positive";
  if (text.includes("not bad")) return prompt.persona.includes("negation") ? "positive" : "negative";
  return "positive";
}

const evaluator = async (candidate: Record<string, Record<string, unknown>>, batch: readonly Example[]) =>
  batch.map((example): ScoredPrediction => {
    const output = answer(candidate.two as TwoPart, String(example.input.text));
    const score = output === example.expected ? 1 : 0;
    return {
      exampleId: example.id ?? "",
      input: example.input,
      output,
      expected: example.expected,
      score,
      feedback: score ? "Correct." : `Wrong: the review "${String(example.input.text)}" is ${String(example.expected)}.`,
    };
  });

/** Adds a component's hint only when the failure it fixes is among the examples shown; otherwise no change. */
function reflectionModel() {
  return new ScriptedLanguageModel({
    respond: (messages, request) => {
      const text = messages.at(-1)?.content ?? "";
      const current = /```\n([\s\S]*?)\n```/.exec(text)?.[1] ?? "";
      if ("persona" in (request?.schema.properties ?? {})) {
        return { persona: /Wrong: the review "Item \S+ is not bad/.test(text) ? `${current} Mind negation.` : current };
      }
      return { instructions: /Wrong: the review "Oh great/.test(text) ? `${current} Beware of sarcasm.` : current };
    },
  });
}

async function tune(useMerge: boolean) {
  const model = reflectionModel();
  const optimizer = new ReflectiveOptimizer({
    languageModel: model,
    schema: SCHEMA,
    minibatchSize: 1,
    candidateSelection: "epsilon-greedy",
    epsilon: 1,
    seed: 1,
    useMerge,
  });
  const variable = new Variable<TwoPart>({
    name: "two",
    schema: SCHEMA,
    value: { persona: "A reviewer.", instructions: "Classify the sentiment." },
  });
  const valset = examples("v", 9);
  const evaluate = cachedEvaluator(evaluator);
  await trainSteps({ optimizer, variable, trainset: examples("t", 12), valset, evaluate, batchSize: 1 });
  await optimizer.finalizeVariableValues([variable], { evaluate, valset });
  return { model, optimizer, variable };
}

describe("ReflectiveOptimizer merge", () => {
  it("merges two children of the seed, each fixing one component, into one that fixes both", async () => {
    const { model, optimizer, variable } = await tune(true);
    const board = optimizer.leaderboard();
    const merged = board.find((record) => record.parents.length === 2);
    expect(merged?.values.two).toEqual({
      instructions: "Classify the sentiment. Beware of sarcasm.",
      persona: "A reviewer. Mind negation.",
    });
    expect(merged?.validationScore).toBe(1);
    const [left, right] = (merged?.parents ?? []).map((id) => board.find((r) => r.id === id));
    expect(left?.parents).toEqual(right?.parents);
    expect(variable.json()).toEqual(merged?.values.two);
    expect(merged?.origin).toBe("merge");
    // The merge made no model call: every call is a one-component reflection.
    expect(model.calls.every((call) => Object.keys(call.request?.schema.properties ?? {}).length === 1)).toBe(true);
  });

  it("without merge no candidate has two parents", async () => {
    const { optimizer } = await tune(false);
    const board = optimizer.leaderboard();
    expect(board.length).toBeGreaterThan(2);
    expect(board.some((record) => record.parents.length === 2)).toBe(false);
    expect(board.some((record) => record.origin === "merge")).toBe(false);
  });
});
