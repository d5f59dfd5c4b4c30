import { Embeddings } from "@langchain/core/embeddings";
import { describe, expect, it } from "vitest";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import { dominatedNovelty, survivors } from "../../src/optimizers/dominated-novelty.js";
import { OptimizerOptionError } from "../../src/optimizers/errors.js";
import {
  EvolutionaryOptimizer,
  type EvolutionaryOptimizerFields,
} from "../../src/optimizers/evolutionary-optimizer.js";
import { LexicalDistance } from "../../src/optimizers/text-distance.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";
import {
  accuracy,
  BAD_INSTRUCTIONS,
  finalize,
  GOOD_INSTRUCTIONS,
  promptVariable,
  reviews,
  rewriterResponder,
  sentimentEvaluator,
  trainSteps,
  type TrainingRun,
} from "./helpers.js";

const trainset = reviews("t", 32);
const valset = reviews("v", 16);

function setup(fields: Partial<EvolutionaryOptimizerFields> = {}) {
  const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
  const optimizer = new EvolutionaryOptimizer({ languageModel: model, seed: 9, ...fields });
  const variable = promptVariable();
  const evaluate = cachedEvaluator(sentimentEvaluator(variable.name));
  const run: TrainingRun = { optimizer, variable, trainset, valset, evaluate, batchSize: 8 };
  return { model, optimizer, variable, evaluate, run };
}

/** Embeds a text as letter counts, and records every text it was asked to embed. */
class LetterEmbeddings extends Embeddings {
  readonly embedded: string[] = [];
  constructor() {
    super({});
  }
  async embedDocuments(documents: string[]): Promise<number[][]> {
    this.embedded.push(...documents);
    return documents.map((text) => {
      const counts = new Array<number>(26).fill(0);
      for (const char of text.toLowerCase()) {
        const code = char.charCodeAt(0) - 97;
        if (code >= 0 && code < 26) counts[code] = (counts[code] ?? 0) + 1;
      }
      return counts;
    });
  }
  async embedQuery(document: string): Promise<number[]> {
    return (await this.embedDocuments([document]))[0] ?? [];
  }
}

describe("EvolutionaryOptimizer (OMEGA)", () => {
  it("raises held-out accuracy, with one model call per offspring per step", async () => {
    const { model, optimizer, variable, run } = setup();
    expect(accuracy(variable.json(), valset)).toBe(0.75);
    const callsPerStep: number[] = [];
    let before = 0;
    await trainSteps({
      ...run,
      afterStep: () => {
        callsPerStep.push(model.calls.length - before);
        before = model.calls.length;
      },
    });
    await finalize(run);
    expect(callsPerStep).toEqual([1, 1, 1, 1]);
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
    expect(accuracy(variable.json(), valset)).toBe(1);
    expect(optimizer.leaderboard()[0]?.validationScore).toBe(1);
  });

  it("finalize keeps the best candidate, not the one in place", async () => {
    const { optimizer, variable, run } = setup({ selectionTemperature: 0.01, crossoverProbability: 0 });
    await trainSteps({ ...run, maxSteps: 2 });
    variable.update({ instructions: BAD_INSTRUCTIONS });
    await optimizer.finalizeVariableValues([variable], {});
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
    variable.update({ instructions: BAD_INSTRUCTIONS });
    await finalize(run);
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
  });

  it("crosses two scored parents over, showing both and the good and bad predictions", async () => {
    const { model, run } = setup({ crossoverProbability: 1 });
    await trainSteps({ ...run, maxSteps: 2 });
    const [mutation, crossover] = model.calls.map((call) => call.messages.at(-1)?.content ?? "");
    expect(mutation).not.toContain("Version B:");
    expect(mutation).toContain("Examples it gets wrong:");
    expect(crossover).toContain("Version A:");
    expect(crossover).toContain("Version B:");
    expect(crossover).toContain(GOOD_INSTRUCTIONS);
    expect(model.calls[1]?.request?.name).toBe("crossover");
  });

  it("keeps the population at populationSize and embeds each distinct text once", async () => {
    let call = 0;
    const model = new ScriptedLanguageModel({
      respond: () => {
        call += 1;
        return { instructions: `Variant ${call}: classify the sentiment of reviews, approach ${"x".repeat(call)}.` };
      },
    });
    const embeddings = new LetterEmbeddings();
    const optimizer = new EvolutionaryOptimizer({ languageModel: model, embeddings, populationSize: 3, numCandidates: 2 });
    const variable = promptVariable();
    const evaluate = cachedEvaluator(sentimentEvaluator(variable.name));
    await trainSteps({ optimizer, variable, trainset, evaluate, batchSize: 4 });
    expect(model.calls).toHaveLength(16);
    expect(optimizer.leaderboard().length).toBeLessThanOrEqual(3);
    expect(embeddings.embedded.length).toBeGreaterThan(3);
    expect(new Set(embeddings.embedded).size).toBe(embeddings.embedded.length);
  });

  it("is reproducible, and resumes from saved state to the same result", async () => {
    const first = setup({ name: "omega", crossoverProbability: 0.5 });
    await trainSteps(first.run);
    await finalize(first.run);
    const second = setup({ name: "omega", crossoverProbability: 0.5 });
    await trainSteps(second.run);
    await finalize(second.run);
    expect(second.optimizer.leaderboard()).toEqual(first.optimizer.leaderboard());
    expect(second.model.calls).toEqual(first.model.calls);

    const resumed = setup({ name: "omega", crossoverProbability: 0.5 });
    await trainSteps({ ...resumed.run, maxSteps: 2 });
    const store: Record<string, unknown> = {};
    resumed.optimizer.saveOwnVariables(store);
    const fresh = new EvolutionaryOptimizer({ languageModel: resumed.model, seed: 9, name: "omega", crossoverProbability: 0.5 });
    fresh.loadOwnVariables(JSON.parse(JSON.stringify(store)) as Record<string, unknown>);
    const rest = { ...resumed.run, optimizer: fresh, fromStep: 2 };
    await trainSteps(rest);
    await finalize(rest);
    expect(fresh.leaderboard()).toEqual(first.optimizer.leaderboard());
    expect(resumed.variable.json()).toEqual(first.variable.json());
  });

  it("rejects bad options with typed errors", () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    expect(() => new EvolutionaryOptimizer({ languageModel: model, crossoverProbability: 1.5 })).toThrow(OptimizerOptionError);
    expect(() => new EvolutionaryOptimizer({ languageModel: model, populationSize: 1 })).toThrow(/populationSize/);
    expect(() => new EvolutionaryOptimizer({ languageModel: model, embeddings: {} as never })).toThrow(/embedDocuments/);
    expect(() => new EvolutionaryOptimizer({ languageModel: model, selectionTemperature: 0 })).toThrow(/selectionTemperature/);
  });
});

describe("dominated novelty search", () => {
  const lexical = new LexicalDistance();
  const distance = (a: string, b: string) => lexical.distance(a, b);

  it("scores a member by its distance to fitter ones: near-copies of better members lose to distinct ones", () => {
    const members = [
      { id: "best", fitness: 1, text: "watch for sarcasm in reviews" },
      { id: "copy", fitness: 0.9, text: "watch for sarcasm in the reviews" },
      { id: "other", fitness: 0.5, text: "count positive and negative words" },
    ];
    const scores = dominatedNovelty(members, 3, distance);
    expect(scores.get("best")).toBe(Number.POSITIVE_INFINITY);
    expect(scores.get("copy")).toBeLessThan(scores.get("other") ?? 0);
    expect(survivors(members, 2, 3, distance)).toEqual(new Set(["best", "other"]));
    expect(survivors(members, 2, 3, distance, new Set(["copy"]))).toEqual(new Set(["copy", "best"]));
  });

  it("lexical distance is 0 for equal texts, 1 for disjoint ones, and symmetric", () => {
    expect(lexical.distance("a b", "a b")).toBe(0);
    expect(lexical.distance("a b", "c d")).toBe(1);
    expect(lexical.distance("a b c", "a")).toBeCloseTo(lexical.distance("a", "a b c"));
  });
});
