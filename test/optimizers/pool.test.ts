import { describe, expect, it } from "vitest";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import type { Example, ScoredPrediction } from "../../src/optimizers/context.js";
import { OptimizerInputError } from "../../src/optimizers/errors.js";
import { EvolutionaryOptimizer } from "../../src/optimizers/evolutionary-optimizer.js";
import { FewShotOptimizer } from "../../src/optimizers/few-shot-optimizer.js";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import { noiseAwareScore, rankCandidates, trainingScore } from "../../src/optimizers/program/candidate-score.js";
import { emptyPool } from "../../src/optimizers/program/pool-state.js";
import { DEFAULT_POOL_LIMITS, ProgramPool } from "../../src/optimizers/program/program-pool.js";
import { placeholderProblems } from "../../src/prompts/placeholders.js";
import { ReflectiveOptimizer } from "../../src/optimizers/reflective-optimizer.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";
import { promptVariable, reviews, sentimentEvaluator, trainSteps } from "./helpers.js";

const model = new ScriptedLanguageModel({ respond: () => ({ instructions: "x" }) });

describe("program pool", () => {
  it("keeps memory bounded however many examples it sees", async () => {
    const optimizer = new FewShotOptimizer({ maxPredictions: 5, maxCandidates: 4, numCandidates: 3, seed: 2 });
    const variable = promptVariable();
    const evaluate = sentimentEvaluator(variable.name);
    await trainSteps({ optimizer, variable, trainset: reviews("b", 96), evaluate, batchSize: 8 });
    const store: Record<string, unknown> = {};
    optimizer.saveOwnVariables(store);
    const state = store["1"] as { pool: { candidates: unknown[]; predictions: unknown[] } };
    expect(state.pool.predictions).toHaveLength(5);
    expect(state.pool.candidates.length).toBeLessThanOrEqual(4);
    expect(optimizer.leaderboard().length).toBeLessThanOrEqual(4);
  });

  it("bounds remembered predictions in bytes, however large the inputs", () => {
    const pool = new ProgramPool(emptyPool(), { ...DEFAULT_POOL_LIMITS, maxPredictions: 100, maxPredictionBytes: 20_000 });
    const big = (i: number): ScoredPrediction => ({ exampleId: `e${i}`, input: { text: "x".repeat(3000) }, output: "y", score: 1 });
    pool.remember(Array.from({ length: 40 }, (_, i) => big(i)));
    const bytes = JSON.stringify(pool.predictions).length;
    expect(bytes).toBeLessThanOrEqual(20_000);
    expect(pool.predictions.at(-1)?.exampleId).toBe("e39");
  });

  it("keeps each example's latest score once, caps instance scores and rejections, newest kept", () => {
    const pool = new ProgramPool(emptyPool(), { ...DEFAULT_POOL_LIMITS, maxInstanceScores: 3, maxRejected: 2 });
    const candidate = pool.add({ p: { instructions: "a" } }, { parents: [], iteration: 0, origin: "seed" });
    pool.record(candidate, ["e1", "e2", "e3", "e4"].map((exampleId, i) => ({ exampleId, score: i % 2 })));
    pool.record(candidate, [{ exampleId: "e3", score: 1 }]);
    expect(candidate.instanceScores.map((s) => s.exampleId)).toEqual(["e2", "e4", "e3"]);
    expect(trainingScore(candidate)).toEqual({ mean: 1, count: 3 });
    // Held-out scores are recorded but are not training evidence.
    const other = pool.add({ p: { instructions: "b" } }, { parents: [], iteration: 1, origin: "proposal" });
    pool.record(other, [{ exampleId: "e1", score: 1 }]);
    pool.record(other, [{ exampleId: "v1", score: 0 }], { validation: true });
    expect(trainingScore(other)).toEqual({ mean: 1, count: 1 });
    for (let i = 0; i < 5; i++) pool.reject(i, "schema", `reason ${i}`);
    expect(pool.rejected.map((r) => r.iteration)).toEqual([3, 4]);
    expect(pool.add({ p: { instructions: "a" } }, { parents: [], iteration: 3, origin: "proposal" })).toBe(candidate);
  });

  it("ranks by a noise-aware score: many good examples beat one lucky one; validation scores come first", () => {
    const pool = new ProgramPool(emptyPool(), DEFAULT_POOL_LIMITS);
    const lucky = pool.add({ p: { instructions: "lucky" } }, { parents: [], iteration: 1, origin: "proposal" });
    const steady = pool.add({ p: { instructions: "steady" } }, { parents: [], iteration: 1, origin: "proposal" });
    const unscored = pool.add({ p: { instructions: "new" } }, { parents: [], iteration: 2, origin: "proposal" });
    pool.record(lucky, [{ exampleId: "a", score: 1 }]);
    pool.record(steady, Array.from({ length: 50 }, (_, i) => ({ exampleId: `s${i}`, score: i % 10 === 0 ? 0 : 1 })));
    expect(noiseAwareScore(steady, 0.5)).toBeGreaterThan(noiseAwareScore(lucky, 0.5));
    const names = (ranked: readonly { values: Record<string, Record<string, unknown>> }[]) => ranked.map((c) => c.values.p?.instructions);
    expect(names(rankCandidates(pool.candidates, 0.5))).toEqual(["steady", "lucky", "new"]);
    expect(noiseAwareScore(unscored, 0.5)).toBe(Number.NEGATIVE_INFINITY);
    // Without the uncertainty term the lucky one would win: the term is what decides.
    expect(names(rankCandidates(pool.candidates, 0))[0]).toBe("lucky");
    unscored.validationScore = 0.2;
    expect(names(rankCandidates(pool.candidates, 0.5))[0]).toBe("new");
  });
});

describe("state persistence", () => {
  it("refuses a saved state that does not fit, loading nothing", async () => {
    const optimizer = new InstructionOptimizer({ languageModel: model });
    const variable = promptVariable();
    await trainSteps({ optimizer, variable, trainset: reviews("s", 8), evaluate: sentimentEvaluator(variable.name), batchSize: 4 });
    const store: Record<string, unknown> = {};
    optimizer.saveOwnVariables(store);
    const fresh = new InstructionOptimizer({ languageModel: model });
    expect(() => fresh.loadOwnVariables({ "0": { iteration: 4 }, "1": { random: [], pool: 3 } })).toThrow(OptimizerInputError);
    expect(fresh.iterations.get("iteration")).toBe(0);
    expect(fresh.leaderboard()).toEqual([]);
    fresh.loadOwnVariables(store);
    expect(fresh.leaderboard()).toEqual(optimizer.leaderboard().map((r) => ({ ...r, optimizer: fresh.name })));
  });

  it("every optimizer registers the same state variables at construction, and round-trips its config", () => {
    const optimizers = [
      new InstructionOptimizer({ languageModel: model, numCandidates: 4, seed: 3 }),
      new FewShotOptimizer({ maxExamples: 5 }),
      new ReflectiveOptimizer({ languageModel: model, maxMetricCalls: 100 }),
      new EvolutionaryOptimizer({ languageModel: model, populationSize: 6 }),
    ];
    for (const optimizer of optimizers) {
      expect(optimizer.variables).toHaveLength(2);
      const config = optimizer.getConfig();
      const Class = optimizer.constructor as unknown as {
        fromConfig(config: Record<string, unknown>): { getConfig(): Record<string, unknown> };
      };
      const extra = "languageModel" in optimizer ? { languageModel: model } : {};
      const rebuilt = Class.fromConfig({ ...config, ...extra, name: `${config.name}_copy` });
      expect({ ...rebuilt.getConfig(), name: config.name }).toEqual(config);
    }
    expect(optimizers[0]?.getConfig()).toMatchObject({ numCandidates: 4, seed: 3, temperature: 1, maxTrajectory: 20 });
  });
});

describe("cachedEvaluator", () => {
  const examples: Example[] = ["a", "b", "c"].map((id) => ({ id, input: { text: id } }));
  function counting() {
    const seen: string[][] = [];
    const evaluate = cachedEvaluator(async (_candidate, batch) => {
      seen.push(batch.map((e) => e.id ?? ""));
      return batch.map((e): ScoredPrediction => ({ exampleId: e.id ?? "", input: e.input, output: e.id, score: 1 }));
    });
    return { seen, evaluate };
  }

  it("passes on only the (candidate, example) pairs it has not seen, answering in the order asked", async () => {
    const { seen, evaluate } = counting();
    await evaluate({ p: { instructions: "x" } }, examples.slice(0, 2));
    const answers = await evaluate({ p: { instructions: "x" } }, [examples[2]!, examples[0]!, examples[2]!]);
    expect(answers.map((a) => a.exampleId)).toEqual(["c", "a", "c"]);
    expect(seen).toEqual([["a", "b"], ["c"]]);
    expect(evaluate.stats).toEqual({ hits: 2, misses: 3 });
    await evaluate({ p: { instructions: "y" } }, examples.slice(0, 1));
    expect(seen.at(-1)).toEqual(["a"]);
  });

  it("says clearly when the wrapped evaluator returns too few predictions", async () => {
    const evaluate = cachedEvaluator(async () => []);
    await expect(evaluate({}, examples)).rejects.toThrow(/one ScoredPrediction per example/);
  });
});

describe("template placeholders", () => {
  it("reports dropped, invented and unparsable placeholders of an f-string rewrite", () => {
    expect(placeholderProblems("instructions", "Use {a} and {b}.", "Use {b}.", "f-string")[0]).toMatch(/dropped.*\{a\}/);
    expect(placeholderProblems("instructions", "Use {a}.", "Use {a} and {c}.", "f-string")[0]).toMatch(/unknown.*\{c\}/);
    expect(placeholderProblems("instructions", "Use {a}.", "Use {a} and { broken", "f-string").join()).toMatch(/not a valid f-string/);
    expect(placeholderProblems("instructions", "Use {a}.", 'Use {a} as {"k": 1}.', "f-string").join()).toMatch(/unknown/);
    expect(placeholderProblems("instructions", "Use {a}.", "Please use {a}, written as {{a}}.", "f-string")).toEqual([]);
  });

  it("checks a mustache rewrite with the mustache parser: an invented {{foo}} is refused, single braces are text", () => {
    expect(placeholderProblems("instructions", "Use {{a}}.", "Use {{a}} and {{foo}}.", "mustache")[0]).toMatch(/unknown.*\{\{foo\}\}/);
    expect(placeholderProblems("instructions", "Use {{a}}.", 'Use {{a}} as {"k": 1}.', "mustache")).toEqual([]);
  });
});

describe("example selection", () => {
  it("softmax at a low temperature concentrates on the best; random spreads; best is deterministic", async () => {
    const { selectExamples } = await import("../../src/optimizers/example-selection.js");
    const { SeededRandom } = await import("../../src/random/seeded-random.js");
    const items = [1, 0.6, 0.6, 0.6, 0.6];
    const random = SeededRandom.fromSeed(4);
    const draw = (sampling: "softmax" | "random" | "best", temperature: number) =>
      Array.from({ length: 200 }, () => selectExamples(items.map((score, i) => ({ i, score })), 1, {
        sampling,
        temperature,
        score: (item) => item.score,
        random,
      })[0]?.i);
    const topShare = (picks: (number | undefined)[]) => picks.filter((i) => i === 0).length / picks.length;
    expect(topShare(draw("softmax", 0.01))).toBe(1);
    expect(topShare(draw("random", 1))).toBeLessThan(0.35);
    expect(topShare(draw("softmax", 0.3))).toBeGreaterThan(topShare(draw("random", 1)));
    expect(new Set(draw("best", 1))).toEqual(new Set([0]));
  });
});
