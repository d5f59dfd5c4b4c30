import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/random/seeded-random.js";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import { OptimizerInputError, OptimizerOptionError } from "../../src/optimizers/errors.js";
import { planMerge } from "../../src/optimizers/merge.js";
import { paretoFront } from "../../src/optimizers/pareto-front.js";
import { selectParent } from "../../src/optimizers/parent-selection.js";
import type { StoredCandidate } from "../../src/optimizers/program/pool-state.js";
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
    values: { two: { instructions: id } },
    parents: [],
    iteration: 0,
    origin: "proposal",
    changed: [],
    instanceScores: Object.entries(scores).map(([exampleId, score]) => ({ exampleId, score })),
    ...extra,
  };
}

const instructionsOf = (record: { values: Record<string, Record<string, unknown>> }) => record.values.prompt?.instructions;

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
    expect(board.find((r) => instructionsOf(r) === SEED_INSTRUCTIONS)?.validationScore).toBe(0.75);
    expect(board[0]?.parents).toEqual([board.find((r) => instructionsOf(r) === SEED_INSTRUCTIONS)?.id]);
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

  it("rewrites one text component per iteration in turn, or each one (one reflection each) with \"all\"", async () => {
    const schema = {
      type: "object",
      properties: { persona: { type: "string" }, instructions: { type: "string" } },
      required: ["persona", "instructions"],
    };
    const run = async (componentSelection: "round-robin" | "all") => {
      const model = new ScriptedLanguageModel({
        respond: (_messages, request) =>
          "persona" in (request?.schema.properties ?? {}) ? { persona: "A careful critic." } : { instructions: GOOD_INSTRUCTIONS },
      });
      const optimizer = new ReflectiveOptimizer({ languageModel: model, schema, componentSelection });
      const variable = new Variable({ name: "two", schema, value: { persona: "A critic.", instructions: SEED_INSTRUCTIONS } });
      const evaluate = sentimentEvaluator("two");
      const batch = reviews("t", 4).slice(1);
      const predictions = await evaluate({ two: variable.json() }, batch);
      await optimizer.applyOptimization([variable], undefined, { predictions, evaluate, trainset: batch });
      return { model, variable };
    };
    const single = await run("round-robin");
    expect(single.model.calls.map((c) => Object.keys(c.request?.schema.properties ?? {}))).toEqual([["instructions"]]);
    expect(single.variable.json()).toEqual({ persona: "A critic.", instructions: GOOD_INSTRUCTIONS });
    const all = await run("all");
    expect(all.model.calls.map((c) => Object.keys(c.request?.schema.properties ?? {}))).toEqual([["instructions"], ["persona"]]);
    expect(all.variable.json()).toEqual({ persona: "A careful critic.", instructions: GOOD_INSTRUCTIONS });
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
    expect(optimizer.leaderboard().map(instructionsOf)).toEqual([SEED_INSTRUCTIONS]);
    expect(optimizer.proposalStats().rejected).toEqual({ "below-parent": 1 });
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

  it("pays no reflection call for a rewrite the metric budget could not score, and says it is done", async () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    const optimizer = new ReflectiveOptimizer({ languageModel: model, maxMetricCalls: 18, seed: 1 });
    const variable = promptVariable();
    const program = sentimentEvaluator(variable.name);
    const evaluate = cachedEvaluator(program);
    const batch = reviews("t", 4).slice(1);
    const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, batch);
    const before = program.runs;
    const stops: string[] = [];
    await optimizer.applyOptimization([variable], undefined, {
      predictions,
      evaluate,
      trainset: batch,
      valset,
      stopTraining: (reason) => void stops.push(reason),
    });
    // Seed on the valset: 16. The parent's minibatch is known (free), but the child's 3 would make 19 > 18.
    expect(model.calls).toHaveLength(0);
    expect(optimizer.metricCalls).toBe(16);
    expect(program.runs - before).toBe(16);
    expect(stops).toEqual([expect.stringMatching(/its own maxMetricCalls=18 cannot pay for another GEPA iteration/)]);
    expect(optimizer.stopReason).toMatch(/maxMetricCalls/);
    expect(variable.get("instructions")).toBe(SEED_INSTRUCTIONS);

    // Once done, a step does nothing.
    await optimizer.applyOptimization([variable], undefined, { predictions, evaluate, trainset: reviews("u", 8), valset });
    expect(model.calls).toHaveLength(0);
    expect(optimizer.metricCalls).toBe(16);
  });

  it("says up front that a step needs an evaluator (the gate scores every rewrite), changing nothing", async () => {
    const { optimizer, variable, model } = setup();
    const program = sentimentEvaluator(variable.name);
    const predictions = await program({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("p", 8));
    await expect(optimizer.invoke({ variables: [variable], predictions })).rejects.toThrow(OptimizerInputError);
    await expect(optimizer.invoke({ variables: [variable] })).rejects.toThrow(/context: \{ evaluate/);
    expect(model.calls).toHaveLength(0);
    expect(optimizer.iterations.get("iteration")).toBe(0);
    expect(optimizer.leaderboard()).toEqual([]);
  });

  it("finalize alone (optimize: false) picks the best validated program without a new step", async () => {
    const { optimizer, variable, model, run } = setup();
    await trainSteps({ ...run, maxSteps: 2 });
    const calls = model.calls.length;
    const iteration = optimizer.iterations.get("iteration");
    variable.update({ instructions: BAD_INSTRUCTIONS });
    const output = await optimizer.invoke({ variables: [variable], optimize: false, finalize: true, context: { evaluate: run.evaluate, valset } });
    expect(output.optimized).toEqual([]);
    expect(output.finalized).toEqual(["prompt"]);
    expect(model.calls).toHaveLength(calls);
    expect(optimizer.iterations.get("iteration")).toBe(iteration);
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
  });

  it("counts a failing reflection call as a model error and carries on", async () => {
    const model = new ScriptedLanguageModel({
      respond: () => {
        throw new Error("rate limited");
      },
    });
    const optimizer = new ReflectiveOptimizer({ languageModel: model });
    const variable = promptVariable();
    const program = sentimentEvaluator(variable.name);
    const predictions = await program({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("p", 4));
    await optimizer.invoke({ variables: [variable], predictions, context: { evaluate: program, trainset: reviews("p", 4) } });
    expect(variable.get("instructions")).toBe(SEED_INSTRUCTIONS);
    const stats = optimizer.proposalStats();
    expect(stats).toMatchObject({ proposals: 1, failed: 1, rejected: { "model-error": 1 } });
    expect(stats.latestFailure).toMatch(/prompt: model error: rate limited/);
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
    const components = [
      { id: "two.persona", variable: "two", key: "persona" },
      { id: "two.instructions", variable: "two", key: "instructions" },
    ];
    const at = (persona: string, instructions: string) => ({ two: { persona, instructions } });
    const root = candidate("c0", {}, { values: at("P0", "I0") });
    const left = candidate("c1", {}, { values: at("P1", "I0"), parents: ["c0"], iteration: 1 });
    const right = candidate("c2", {}, { values: at("P0", "I1"), parents: ["c0"], iteration: 2 });
    const grandchild = candidate("c3", {}, { values: at("P1", "I2"), parents: ["c1"], iteration: 3 });
    const random = SeededRandom.fromSeed(1);
    const plan = planMerge([left, right], [root, left, right], components, () => 0, random);
    expect(plan?.values).toEqual(at("P1", "I1"));
    expect(plan?.ancestor.id).toBe("c0");
    // A candidate and its own ancestor are never merged; nor are candidates without a common ancestor.
    expect(planMerge([left, grandchild], [root, left, grandchild], components, () => 0, random)).toBeUndefined();
    expect(planMerge([root, candidate("c9", {})], [root], components, () => 0, random)).toBeUndefined();
  });
});
