import { describe, expect, it } from "vitest";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import { CandidatePool } from "../../src/optimizers/candidate-pool.js";
import { noiseAwareScore, rankByNoiseAwareScore } from "../../src/optimizers/candidate-score.js";
import type { Example, ScoredPrediction } from "../../src/optimizers/context.js";
import { OptimizerInputError } from "../../src/optimizers/errors.js";
import { EvolutionaryOptimizer } from "../../src/optimizers/evolutionary-optimizer.js";
import { FewShotOptimizer } from "../../src/optimizers/few-shot-optimizer.js";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import { placeholderProblems, scanTemplate } from "../../src/optimizers/placeholders.js";
import { emptyPool } from "../../src/optimizers/pool-state.js";
import { ReflectiveOptimizer } from "../../src/optimizers/reflective-optimizer.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";
import { promptVariable, reviews, sentimentEvaluator, trainSteps } from "./helpers.js";

const model = new ScriptedLanguageModel({ respond: () => ({ instructions: "x" }) });

describe("candidate pool", () => {
  it("keeps memory bounded however many examples it sees", async () => {
    const optimizer = new FewShotOptimizer({ maxPredictions: 5, maxCandidates: 4, numCandidates: 3, seed: 2 });
    const variable = promptVariable();
    const evaluate = sentimentEvaluator(variable.name);
    await trainSteps({ optimizer, variable, trainset: reviews("b", 96), evaluate, batchSize: 8 });
    const store: Record<string, unknown> = {};
    optimizer.saveOwnVariables(store);
    const state = store["1"] as { pools: Record<string, { candidates: unknown[]; predictions: unknown[] }> };
    expect(state.pools.prompt?.predictions).toHaveLength(5);
    expect(state.pools.prompt?.candidates.length).toBeLessThanOrEqual(4);
    expect(optimizer.leaderboard().length).toBeLessThanOrEqual(4);
  });

  it("caps per-candidate instance scores and remembered rejections, newest kept", () => {
    const pool = new CandidatePool(emptyPool(), {
      maxCandidates: 3,
      maxPredictions: 2,
      maxInstanceScores: 3,
      maxRejected: 2,
    });
    const candidate = pool.add({ instructions: "a" }, { parents: [], iteration: 0 });
    pool.creditScores(candidate, ["e1", "e2", "e3", "e4"].map((exampleId, i) => ({ exampleId, score: i % 2 })));
    expect(candidate.instanceScores.map((s) => s.exampleId)).toEqual(["e2", "e3", "e4"]);
    expect(candidate.evaluations).toBe(4);
    expect(candidate.meanScore).toBe(0.5);
    for (let i = 0; i < 5; i++) pool.reject(i, `reason ${i}`);
    expect(pool.rejected.map((r) => r.iteration)).toEqual([3, 4]);
    expect(pool.add({ instructions: "a" }, { parents: [], iteration: 3 })).toBe(candidate);
  });

  it("ranks by a noise-aware score: many good evaluations beat one lucky one", () => {
    const pool = new CandidatePool(emptyPool(), { maxCandidates: 9, maxPredictions: 9, maxInstanceScores: 9, maxRejected: 9 });
    const lucky = pool.add({ instructions: "lucky" }, { parents: [], iteration: 1 });
    const steady = pool.add({ instructions: "steady" }, { parents: [], iteration: 1 });
    const unscored = pool.add({ instructions: "new" }, { parents: [], iteration: 2 });
    pool.creditReward(lucky, 1, 1);
    pool.creditReward(steady, 0.9, 50);
    expect(noiseAwareScore(steady, 0.5)).toBeGreaterThan(noiseAwareScore(lucky, 0.5));
    expect(rankByNoiseAwareScore(pool.candidates, 0.5).map((c) => c.value.instructions)).toEqual(["steady", "lucky", "new"]);
    expect(noiseAwareScore(unscored, 0.5)).toBe(Number.NEGATIVE_INFINITY);
    // Without the uncertainty term the lucky one would win: the term is what decides.
    expect(rankByNoiseAwareScore(pool.candidates, 0)[0]?.value.instructions).toBe("lucky");
  });
});

describe("state persistence", () => {
  it("refuses a saved state that does not fit, loading nothing", async () => {
    const optimizer = new InstructionOptimizer({ languageModel: model });
    const variable = promptVariable();
    await optimizer.invoke({ variables: [variable], reward: 0.5 });
    const store: Record<string, unknown> = {};
    optimizer.saveOwnVariables(store);
    const fresh = new InstructionOptimizer({ languageModel: model });
    expect(() => fresh.loadOwnVariables({ "0": { iteration: 4 }, "1": { random: [], pools: 3 } })).toThrow(OptimizerInputError);
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
  it("reads {name} as a placeholder, {{ }} as literal braces, and counts stray braces", () => {
    const scan = scanTemplate("Answer {question} using {{json}} like {{\"a\": 1}} and { broken");
    expect([...scan.placeholders]).toEqual(["question"]);
    expect(scan.strayBraces).toBe(1);
  });

  it("reports dropped, invented and stray-brace placeholders of a rewrite", () => {
    expect(placeholderProblems("instructions", "Use {a} and {b}.", "Use {b}.")[0]).toMatch(/dropped.*\{a\}/);
    expect(placeholderProblems("instructions", "Use {a}.", "Use {a} and {c}.")[0]).toMatch(/unknown.*\{c\}/);
    expect(placeholderProblems("instructions", "Use {a}.", "Use {a} as {\"k\": 1}.").join()).toMatch(/unmatched braces/);
    expect(placeholderProblems("instructions", "Use {a}.", "Please use {a}, written as {{a}}.")).toEqual([]);
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
