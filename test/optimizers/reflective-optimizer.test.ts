import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/random/seeded-random.js";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import type { ScoredPrediction } from "../../src/optimizers/context.js";
import { OptimizerInputError, OptimizerOptionError } from "../../src/optimizers/errors.js";
import { planMerge } from "../../src/optimizers/merge.js";
import { paretoFront } from "../../src/optimizers/pareto-front.js";
import { selectParent } from "../../src/optimizers/parent-selection.js";
import type { StoredCandidate } from "../../src/optimizers/pool-state.js";
import { ReflectiveOptimizer, type ReflectiveOptimizerFields } from "../../src/optimizers/reflective-optimizer.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";
import { Variable } from "../../src/variables/variable.js";
import {
  accuracy,
  BAD_INSTRUCTIONS,
  finalize,
  GOOD_INSTRUCTIONS,
  promptVariable,
  reviews,
  rewriterResponder,
  SEED_INSTRUCTIONS,
  sentimentEvaluator,
  trainSteps,
  type TrainingRun,
} from "./helpers.js";

const trainset = reviews("t", 24);
const valset = reviews("v", 16);

function setup(fields: Partial<ReflectiveOptimizerFields> = {}) {
  const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
  const optimizer = new ReflectiveOptimizer({ languageModel: model, seed: 5, ...fields });
  const variable = promptVariable();
  const evaluate = cachedEvaluator(sentimentEvaluator(variable.name));
  const run: TrainingRun = { optimizer, variable, trainset, valset, evaluate, batchSize: 4 };
  return { model, optimizer, variable, evaluate, run };
}

function candidate(id: string, scores: Record<string, number>, extra: Partial<StoredCandidate> = {}): StoredCandidate {
  return {
    id,
    value: { instructions: id },
    meanScore: 0,
    evaluations: 0,
    parents: [],
    iteration: 0,
    instanceScores: Object.entries(scores).map(([exampleId, score]) => ({ exampleId, score })),
    ...extra,
  };
}

describe("ReflectiveOptimizer (GEPA)", () => {
  it("raises held-out accuracy from a weak seed prompt", async () => {
    const { optimizer, variable, run } = setup();
    expect(accuracy(variable.json(), valset)).toBe(0.75);
    await trainSteps(run);
    await finalize(run);
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
    expect(accuracy(variable.json(), valset)).toBe(1);
    const board = optimizer.leaderboard();
    expect(board[0]?.validationScore).toBe(1);
    expect(board.find((r) => r.value.instructions === SEED_INSTRUCTIONS)?.validationScore).toBe(0.75);
    expect(board[0]?.parents).toEqual([board.find((r) => r.value.instructions === SEED_INSTRUCTIONS)?.id]);
  });

  it("one iteration: one reflection call, the gate's evaluations, a valset run, and the cache hit for known pairs", async () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    const optimizer = new ReflectiveOptimizer({ languageModel: model, seed: 1 });
    const variable = promptVariable();
    const program = sentimentEvaluator(variable.name);
    const evaluate = cachedEvaluator(program);
    // The minibatch is the batch the loop just scored: the parent's minibatch run is served from the cache.
    const batch = reviews("t", 4).slice(1);
    const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, batch);
    expect(program.runs).toBe(3);
    await optimizer.applyOptimization([variable], undefined, { predictions, evaluate, trainset: batch, valset });
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]?.messages.at(-1)?.content).toContain("Feedback: Wrong");
    // seed on the valset (16) + parent minibatch (0, known) + child minibatch (3) + child on the valset (16)
    expect(optimizer.metricCalls).toBe(35);
    expect(program.runs).toBe(3 + 35);
    expect(evaluate.stats.hits).toBe(3);
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
  });

  it("asks one reflection per text component per iteration", async () => {
    const schema = {
      type: "object",
      properties: { persona: { type: "string" }, instructions: { type: "string" } },
      required: ["persona", "instructions"],
    };
    const model = new ScriptedLanguageModel({
      respond: (_messages, request) =>
        "persona" in (request?.schema.properties ?? {}) ? { persona: "A careful critic." } : { instructions: GOOD_INSTRUCTIONS },
    });
    const optimizer = new ReflectiveOptimizer({ languageModel: model, schema });
    const variable = new Variable({ name: "two", schema, value: { persona: "A critic.", instructions: SEED_INSTRUCTIONS } });
    const evaluate = sentimentEvaluator("two");
    const batch = reviews("t", 4).slice(1);
    const predictions = await evaluate({ two: variable.json() }, batch);
    await optimizer.applyOptimization([variable], undefined, { predictions, evaluate, trainset: batch });
    expect(model.calls.map((c) => Object.keys(c.request?.schema.properties ?? {}))).toEqual([["instructions"], ["persona"]]);
    expect(variable.json()).toEqual({ persona: "A careful critic.", instructions: GOOD_INSTRUCTIONS });
  });

  it("the gate refuses a child that does not beat its parent on the same minibatch", async () => {
    const model = new ScriptedLanguageModel({ respond: () => ({ instructions: BAD_INSTRUCTIONS }) });
    const optimizer = new ReflectiveOptimizer({ languageModel: model });
    const variable = promptVariable();
    const evaluate = sentimentEvaluator(variable.name);
    const batch = reviews("t", 4).slice(1);
    const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, batch);
    await optimizer.applyOptimization([variable], undefined, { predictions, evaluate, trainset: batch });
    expect(variable.get("instructions")).toBe(SEED_INSTRUCTIONS);
    expect(optimizer.leaderboard().map((r) => r.value.instructions)).toEqual([SEED_INSTRUCTIONS]);
    expect(optimizer.rejections("prompt").at(-1)?.reason).toMatch(/gate: child scored 0 .*\(2\)/);
  });

  it("skips an iteration whose minibatch is already perfect, without calling the model", async () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    const optimizer = new ReflectiveOptimizer({ languageModel: model });
    const variable = promptVariable("prompt", { instructions: GOOD_INSTRUCTIONS });
    const evaluate = sentimentEvaluator(variable.name);
    const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, trainset.slice(0, 4));
    await optimizer.applyOptimization([variable], undefined, { predictions, evaluate, trainset });
    expect(model.calls).toHaveLength(0);
  });

  it("stops at the metric-call budget, checked inside the iteration", async () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    const optimizer = new ReflectiveOptimizer({ languageModel: model, maxMetricCalls: 18, seed: 1 });
    const variable = promptVariable();
    const program = sentimentEvaluator(variable.name);
    const evaluate = cachedEvaluator(program);
    const batch = reviews("t", 4).slice(1);
    const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, batch);
    const before = program.runs;
    await optimizer.applyOptimization([variable], undefined, { predictions, evaluate, trainset: batch, valset });
    // Seed on the valset: 16. The parent's minibatch is known from the batch (free). The child's 3 would make 19.
    expect(model.calls).toHaveLength(1);
    expect(optimizer.metricCalls).toBe(16);
    expect(program.runs - before).toBe(16);
    expect(optimizer.rejections("prompt").at(-1)?.reason).toMatch(/budget \(18\)/);
    expect(variable.get("instructions")).toBe(SEED_INSTRUCTIONS);

    // With the budget spent down to 2, the next step cannot even score a fresh minibatch: no model call.
    await optimizer.applyOptimization([variable], undefined, { predictions, evaluate, trainset: reviews("u", 8), valset });
    expect(model.calls).toHaveLength(1);
    expect(optimizer.metricCalls).toBe(16);
  });

  it("without an evaluator reflects on the given predictions; finalize still returns the best, not the last", async () => {
    const { optimizer, variable, model } = setup();
    const program = sentimentEvaluator(variable.name);
    const first = await program({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("p", 8));
    await optimizer.invoke({ variables: [variable], predictions: first });
    expect(model.calls).toHaveLength(1);
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);

    // The next batch is all right but one answer gets a low style score; the reflection drifts to a worse text.
    const second: ScoredPrediction[] = (await program({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("q", 8))).map(
      (p, i) => (i === 0 ? { ...p, score: 0.5, feedback: "Right label, but answer in lower case." } : p),
    );
    await optimizer.invoke({ variables: [variable], predictions: second });
    expect(model.calls).toHaveLength(2);
    expect(variable.get("instructions")).toBe(BAD_INSTRUCTIONS);

    await optimizer.finalizeVariableValues([variable], { evaluate: cachedEvaluator(program), valset });
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
  });

  it("says what it needs when invoked with neither an evaluator nor predictions, changing nothing", async () => {
    const { optimizer, variable } = setup();
    await expect(optimizer.invoke({ variables: [variable] })).rejects.toThrow(OptimizerInputError);
    await expect(optimizer.invoke({ variables: [variable] })).rejects.toThrow(/pass `predictions`/);
    expect(optimizer.iterations.get("iteration")).toBe(0);
    expect(optimizer.leaderboard()).toEqual([]);
  });

  it("records a failing reflection call and carries on", async () => {
    const model = new ScriptedLanguageModel({
      respond: () => {
        throw new Error("rate limited");
      },
    });
    const optimizer = new ReflectiveOptimizer({ languageModel: model });
    const variable = promptVariable();
    const program = sentimentEvaluator(variable.name);
    const predictions = await program({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("p", 4));
    await optimizer.invoke({ variables: [variable], predictions });
    expect(variable.get("instructions")).toBe(SEED_INSTRUCTIONS);
    expect(optimizer.rejections("prompt")[0]?.reason).toMatch(/instructions: model error: rate limited/);
  });

  it("is reproducible, and resumes from saved state to the same result", async () => {
    const first = setup({ name: "gepa" });
    const second = setup({ name: "gepa" });
    for (const { run } of [first, second]) {
      await trainSteps(run);
      await finalize(run);
    }
    expect(second.optimizer.leaderboard()).toEqual(first.optimizer.leaderboard());
    expect(second.model.calls).toEqual(first.model.calls);

    const resumed = setup({ name: "gepa" });
    await trainSteps({ ...resumed.run, maxSteps: 3 });
    const store: Record<string, unknown> = {};
    resumed.optimizer.saveOwnVariables(store);
    const fresh = new ReflectiveOptimizer({ languageModel: resumed.model, seed: 5, name: "gepa" });
    fresh.loadOwnVariables(JSON.parse(JSON.stringify(store)) as Record<string, unknown>);
    const rest = { ...resumed.run, optimizer: fresh, fromStep: 3 };
    await trainSteps(rest);
    await finalize(rest);
    expect(resumed.variable.json()).toEqual(first.variable.json());
    expect(fresh.leaderboard()).toEqual(first.optimizer.leaderboard());
    expect(fresh.metricCalls).toBe(first.optimizer.metricCalls);
  });

  it("rejects bad options with typed errors", () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    expect(() => new ReflectiveOptimizer({ languageModel: model, candidateSelection: "random" as never })).toThrow(
      OptimizerOptionError,
    );
    expect(() => new ReflectiveOptimizer({ languageModel: model, maxMetricCalls: 0 })).toThrow(/maxMetricCalls/);
    expect(() => new ReflectiveOptimizer({ languageModel: model, epsilon: 2 })).toThrow(/epsilon/);
  });
});

describe("Pareto front, parent selection and merge", () => {
  const ids = ["e1", "e2", "e3"];

  it("keeps per-instance winners, drops dominated ones, and weighs them by instances won", () => {
    const a = candidate("c0", { e1: 1, e2: 1, e3: 0 });
    const b = candidate("c1", { e1: 0, e2: 0, e3: 1 });
    const dominated = candidate("c2", { e1: 1, e2: 0, e3: 0 });
    const loser = candidate("c3", { e1: 0, e2: 0, e3: 0 });
    const front = paretoFront([a, b, dominated, loser], ids);
    expect(front.map((m) => [m.candidate.id, m.wins])).toEqual([
      ["c0", 2],
      ["c1", 1],
    ]);
    const random = SeededRandom.fromSeed(42);
    const picks = Array.from({ length: 300 }, () =>
      selectParent([a, b, dominated, loser], ids, { strategy: "pareto", epsilon: 0, random })?.id,
    );
    const share = picks.filter((id) => id === "c0").length / picks.length;
    expect(share).toBeGreaterThan(0.55);
    expect(share).toBeLessThan(0.78);
    expect(picks.every((id) => id === "c0" || id === "c1")).toBe(true);
  });

  it("'best' takes the best aggregate; 'epsilon-greedy' explores with probability epsilon", () => {
    const a = candidate("c0", { e1: 1, e2: 1, e3: 0 });
    const b = candidate("c1", { e1: 0, e2: 0, e3: 1 });
    const random = SeededRandom.fromSeed(3);
    expect(selectParent([b, a], ids, { strategy: "best", epsilon: 0, random })?.id).toBe("c0");
    const greedy = Array.from({ length: 50 }, () => selectParent([b, a], ids, { strategy: "epsilon-greedy", epsilon: 0, random })?.id);
    expect(new Set(greedy)).toEqual(new Set(["c0"]));
    const explore = Array.from({ length: 50 }, () => selectParent([b, a], ids, { strategy: "epsilon-greedy", epsilon: 1, random })?.id);
    expect(new Set(explore)).toEqual(new Set(["c0", "c1"]));
  });

  it("merges two descendants of a common ancestor by taking each side's changed component", () => {
    const root = candidate("c0", {}, { value: { persona: "P0", instructions: "I0" } });
    const left = candidate("c1", {}, { value: { persona: "P1", instructions: "I0" }, parents: ["c0"], iteration: 1 });
    const right = candidate("c2", {}, { value: { persona: "P0", instructions: "I1" }, parents: ["c0"], iteration: 2 });
    const grandchild = candidate("c3", {}, { value: { persona: "P1", instructions: "I2" }, parents: ["c1"], iteration: 3 });
    const random = SeededRandom.fromSeed(1);
    const plan = planMerge([left, right], [root, left, right], () => 0, random);
    expect(plan?.value).toEqual({ persona: "P1", instructions: "I1" });
    expect(plan?.ancestor.id).toBe("c0");
    // A candidate and its own ancestor are never merged; nor are candidates without a common ancestor.
    expect(planMerge([left, grandchild], [root, left, grandchild], () => 0, random)).toBeUndefined();
    expect(planMerge([root, candidate("c9", {})], [root], () => 0, random)).toBeUndefined();
  });
});
