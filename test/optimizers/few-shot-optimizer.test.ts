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
    expect(optimizer.leaderboard()[0]?.value).toEqual({ examples: value.examples });
  });

  it("finalize keeps the best set when the last proposal is worse", async () => {
    const { optimizer, variable, run } = setup({ minExamples: 3, maxExamples: 3 });
    await trainSteps({ ...run, evaluatorInSteps: false });
    const last = variable.json();
    expect(showsSarcasm(last)).toBe(false);
    expect(accuracy(last, valset)).toBe(0.75);
    const newest = [...optimizer.leaderboard()].sort((a, b) => b.iteration - a.iteration)[0];
    expect(newest?.value).toEqual({ examples: last.examples });

    await finalize(run);
    expect(accuracy(variable.json(), valset)).toBe(1);
    expect(variable.json()).not.toEqual(last);
  });

  it("keeps every distinct set as its own candidate (the duplicate check looks at the examples)", async () => {
    const { optimizer, run } = setup({ numCandidates: 6 });
    await trainSteps({ ...run, maxSteps: 1 });
    const values = optimizer.leaderboard().map((record) => JSON.stringify(record.value));
    expect(values.length).toBeGreaterThan(3);
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
    });
    await optimizer.applyOptimization([variable], undefined, {
      predictions: await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, second),
      evaluate,
    });
    const secondBatchTexts = new Set(second.map((e) => e.input.text));
    const born = optimizer.leaderboard().filter((record) => record.iteration === 2);
    expect(born.length).toBeGreaterThan(1);
    for (const record of born) {
      for (const demo of record.value.examples as { input: { text: string } }[]) {
        expect(secondBatchTexts.has(demo.input.text)).toBe(false);
      }
    }
  });

  it("'best' sampling takes the highest-scored predictions and ignores those below minScore", async () => {
    const optimizer = new FewShotOptimizer({ sampling: "best", minExamples: 2, maxExamples: 2 });
    const variable = promptVariable();
    const scores = [0.3, 0.9, 0.6, 1.0, 0.2];
    const predictions: ScoredPrediction[] = scores.map((score, i) => ({
      exampleId: `p${i}`,
      input: { text: `review ${i}` },
      output: `answer ${i}`,
      score,
    }));
    await optimizer.invoke({ variables: [variable], predictions });
    expect(variable.get("examples")).toEqual([
      { input: { text: "review 3" }, output: "answer 3" },
      { input: { text: "review 1" }, output: "answer 1" },
    ]);
  });

  it("records a skipped step when no prediction is good enough to show", async () => {
    const optimizer = new FewShotOptimizer({});
    const variable = promptVariable();
    const predictions: ScoredPrediction[] = [{ exampleId: "x", input: { text: "meh" }, output: "positive", score: 0 }];
    await optimizer.invoke({ variables: [variable], predictions });
    expect(variable.get("examples")).toEqual([]);
    expect(optimizer.rejections("prompt")[0]?.reason).toMatch(/minScore/);
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
    for (const record of instructionOptimizer.leaderboard()) expect(Object.keys(record.value)).toEqual(["instructions"]);
    for (const record of fewShotOptimizer.leaderboard()) expect(Object.keys(record.value)).toEqual(["examples"]);
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
