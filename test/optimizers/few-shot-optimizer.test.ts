import { describe, expect, it } from "vitest";
import { UnknownArgumentError } from "../../src/errors.js";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import type { Example, ScoredPrediction } from "../../src/optimizers/context.js";
import { OptimizerOptionError } from "../../src/optimizers/errors.js";
import { FewShotOptimizer, type FewShotOptimizerFields } from "../../src/optimizers/few-shot-optimizer.js";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import type { PromptValue } from "../../src/prompts/schemas.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";
import {
  accuracy,
  finalize,
  promptVariable,
  reviews,
  rewriterResponder,
  SARCASM_MARK,
  SEED_INSTRUCTIONS,
  sentimentEvaluator,
  trainSteps,
  type TrainingRun,
} from "./helpers.js";

const valset = reviews("v", 16);
const plainOnly = (examples: Example[]) => examples.filter((e) => !String(e.input.text).includes(SARCASM_MARK));
/** Two mixed batches, then a batch without sarcasm: the last set can only show plain reviews. */
const trainset = [...reviews("a", 8), ...reviews("b", 8), ...plainOnly(reviews("c", 16))];

const showsSarcasm = (value: PromptValue) => value.examples.some((e) => String(e.input.text).includes(SARCASM_MARK));

function setup(fields: FewShotOptimizerFields = {}) {
  const optimizer = new FewShotOptimizer({ seed: 11, maxPredictions: 8, ...fields });
  const variable = promptVariable();
  const evaluate = cachedEvaluator(sentimentEvaluator(variable.name));
  const run: TrainingRun = { optimizer, variable, trainset, valset, evaluate, batchSize: 8 };
  return { optimizer, variable, evaluate, run };
}

describe("FewShotOptimizer", () => {
  it("raises held-out accuracy by choosing demonstrations, and never touches the instructions", async () => {
    const { optimizer, variable, run } = setup();
    expect(accuracy(variable.json(), valset)).toBe(0.75);
    await trainSteps(run);
    await finalize(run);
    const value = variable.json();
    expect(accuracy(value, valset)).toBe(1);
    expect(showsSarcasm(value)).toBe(true);
    expect(value.instructions).toBe(SEED_INSTRUCTIONS);
    expect(value.examples.length).toBeGreaterThanOrEqual(1);
    expect(value.examples.length).toBeLessThanOrEqual(3);
    for (const example of value.examples) expect(Object.keys(example).sort()).toEqual(["input", "output"]);
    expect(optimizer.leaderboard()[0]?.values).toEqual({ prompt: { examples: value.examples } });
  });

  it("finalize keeps the best validated set, not the one in place", async () => {
    const { variable, run } = setup({ minExamples: 3, maxExamples: 3 });
    await trainSteps(run);
    const plain = plainOnly(reviews("z", 8)).slice(0, 3).map((e) => ({ input: e.input, output: e.expected }));
    variable.update({ examples: plain });
    expect(accuracy(variable.json(), valset)).toBe(0.75);
    await finalize(run);
    expect(accuracy(variable.json(), valset)).toBe(1);
    expect(showsSarcasm(variable.json())).toBe(true);
  });

  it("never proposes the same set twice: every set in a step is new, and distinct from those tried before", async () => {
    const { optimizer, run } = setup({ numCandidates: 6 });
    await trainSteps({ ...run, maxSteps: 2 });
    const values = optimizer.leaderboard().map((record) => JSON.stringify(record.values));
    expect(optimizer.proposalStats()).toMatchObject({ proposals: 12, rejected: {} });
    expect(values).toHaveLength(13);
    expect(new Set(values).size).toBe(values.length);
  });

  it("sets scored on a batch do not demonstrate that batch's own examples", async () => {
    const optimizer = new FewShotOptimizer({ numCandidates: 6, maxExamples: 2, seed: 4 });
    const variable = promptVariable();
    const evaluate = sentimentEvaluator(variable.name);
    const first = reviews("a", 8);
    const second = reviews("b", 8);
    await optimizer.applyOptimization([variable], undefined, {
      predictions: await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, first),
      evaluate,
    });
    await optimizer.applyOptimization([variable], undefined, {
      predictions: await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, second),
      evaluate,
    });
    const secondBatchTexts = new Set(second.map((e) => e.input.text));
    const born = optimizer.leaderboard().filter((record) => record.iteration === 2);
    expect(born.length).toBeGreaterThan(1);
    for (const record of born) {
      for (const demo of record.values.prompt?.examples as { input: { text: string } }[]) {
        expect(secondBatchTexts.has(demo.input.text)).toBe(false);
      }
    }
  });

  it("'best' sampling takes the prompt's own outputs from the best-scored runs and ignores those below minScore", async () => {
    const optimizer = new FewShotOptimizer({ sampling: "best", minExamples: 2, maxExamples: 2, source: "bootstrapped" });
    const variable = promptVariable();
    const scores = [0.3, 0.9, 0.6, 1.0, 0.2];
    const predictions: ScoredPrediction[] = scores.map((score, i) => ({
      exampleId: `p${i}`,
      input: { text: `review ${i}`, extra: "not the prompt's" },
      output: `program answer ${i}`,
      score,
      trace: { prompt: [{ inputs: { text: `review ${i}` }, messages: [], outputs: [{ text: `answer ${i}` }] }] },
    }));
    // Any set of demonstrations beats none on this evaluator.
    const evaluate = async (candidate: Record<string, Record<string, unknown>>, examples: readonly Example[]) =>
      examples.map((e): ScoredPrediction => ({
        exampleId: e.id ?? "",
        input: e.input,
        output: "",
        score: (candidate.prompt?.examples as unknown[]).length > 0 ? 1 : 0,
      }));
    await optimizer.invoke({ variables: [variable], predictions, context: { evaluate } });
    expect(variable.get("examples")).toEqual([
      { input: { text: "review 3" }, output: "answer 3" },
      { input: { text: "review 1" }, output: "answer 1" },
    ]);
  });

  it("takes labelled demonstrations (input → expected) when the prompt's input and output are the program's", async () => {
    const optimizer = new FewShotOptimizer({ source: "labelled", sampling: "best", minExamples: 1, maxExamples: 1 });
    const variable = promptVariable();
    const evaluate = sentimentEvaluator(variable.name);
    const labelled = reviews("l", 4).slice(3); // a subtle sarcastic review, labelled negative
    const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("w", 4));
    await optimizer.invoke({ variables: [variable], predictions, context: { evaluate, trainset: labelled } });
    const shown = variable.get("examples") as { input: Record<string, unknown>; output: unknown }[];
    expect(shown.length).toBe(1);
    expect(labelled.some((e) => e.input.text === shown[0]?.input.text && e.expected === shown[0]?.output)).toBe(true);
  });

  it("counts a step with no demonstration good enough to show, changing nothing", async () => {
    const optimizer = new FewShotOptimizer({ source: "bootstrapped" });
    const variable = promptVariable();
    const predictions: ScoredPrediction[] = [
      { exampleId: "x", input: { text: "meh" }, output: "positive", score: 0, trace: { prompt: [{ inputs: { text: "meh" }, messages: [], outputs: [{ text: "positive" }] }] } },
    ];
    await optimizer.invoke({ variables: [variable], predictions, context: { evaluate: sentimentEvaluator(variable.name) } });
    expect(variable.get("examples")).toEqual([]);
    expect(optimizer.proposalStats()).toMatchObject({ proposals: 0, rejected: { "no-evidence": 1 } });
  });

  it("is reproducible with the same seed", async () => {
    const first = setup({ sampling: "random" });
    const second = setup({ sampling: "random" });
    for (const { run } of [first, second]) {
      await trainSteps(run);
      await finalize(run);
    }
    const strip = (o: FewShotOptimizer) => o.leaderboard().map(({ optimizer: _o, ...rest }) => rest);
    expect(strip(second.optimizer)).toEqual(strip(first.optimizer));
    expect(second.variable.json()).toEqual(first.variable.json());
  });

  it("state saved mid-run and loaded into a fresh optimizer continues to the same result", async () => {
    const straight = setup({ name: "shots" });
    await trainSteps(straight.run);
    await finalize(straight.run);

    const resumed = setup({ name: "shots" });
    await trainSteps({ ...resumed.run, maxSteps: 1 });
    const store: Record<string, unknown> = {};
    resumed.optimizer.saveOwnVariables(store);
    const fresh = new FewShotOptimizer({ seed: 11, maxPredictions: 8, name: "shots" });
    fresh.loadOwnVariables(JSON.parse(JSON.stringify(store)) as Record<string, unknown>);
    const rest = { ...resumed.run, optimizer: fresh, fromStep: 1 };
    await trainSteps(rest);
    await finalize(rest);
    expect(resumed.variable.json()).toEqual(straight.variable.json());
    expect(fresh.leaderboard()).toEqual(straight.optimizer.leaderboard());
  });

  it("with InstructionOptimizer on one {instructions, examples} variable, each changes only its own keys", async () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    const instructionOptimizer = new InstructionOptimizer({ languageModel: model, seed: 1 });
    const fewShotOptimizer = new FewShotOptimizer({ seed: 1 });
    const variable = promptVariable();
    const evaluate = cachedEvaluator(sentimentEvaluator(variable.name));
    for (const batch of [reviews("m", 8), reviews("n", 8)]) {
      const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, batch);
      const context = { predictions, evaluate, valset };
      const beforeInstruction = variable.json();
      await instructionOptimizer.applyOptimization([variable], undefined, context);
      expect(variable.get("examples")).toEqual(beforeInstruction.examples);
      const beforeFewShot = variable.json();
      await fewShotOptimizer.applyOptimization([variable], undefined, context);
      expect(variable.get("instructions")).toBe(beforeFewShot.instructions);
    }
    expect(variable.get("instructions")).not.toBe(SEED_INSTRUCTIONS);
    // Once the instructions fixed every answer, no set of examples can do better on the batch: the current
    // value is re-scored with the new instructions instead of being judged by the stale predictions.
    expect(accuracy(variable.json(), valset)).toBe(1);
    expect(variable.get("examples")).toEqual([]);
    for (const record of instructionOptimizer.leaderboard()) expect(Object.keys(record.values.prompt ?? {})).toEqual(["instructions"]);
    for (const record of fewShotOptimizer.leaderboard()) expect(Object.keys(record.values.prompt ?? {})).toEqual(["examples"]);
    expect(model.calls.every((call) => Object.keys(call.request?.schema.properties ?? {}).join() === "instructions")).toBe(
      true,
    );
  });

  it("rejects bad options with typed errors", () => {
    expect(() => new FewShotOptimizer({ minExamples: 4, maxExamples: 2 })).toThrow(/maxExamples.*at least.*minExamples/);
    expect(() => new FewShotOptimizer({ sampling: "greedy" as never })).toThrow(OptimizerOptionError);
    expect(() => new FewShotOptimizer({ temperature: 0 })).toThrow(/temperature/);
    expect(() => new FewShotOptimizer({ k: 3 } as never)).toThrow(UnknownArgumentError);
    expect(
      () => new FewShotOptimizer({ schema: { type: "object", properties: { instructions: { type: "string" } } } }),
    ).toThrow(/one array property/);
  });
});
