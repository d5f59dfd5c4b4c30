import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/models/types.js";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import { RandomSearchOptimizer } from "../../src/optimizers/random-search-optimizer.js";
import { INSTRUCTIONS_SCHEMA } from "../../src/prompts/schemas.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";
import { Variable } from "../../src/variables/variable.js";
import { accuracy, finalize, promptVariable, reviews, SEED_INSTRUCTIONS, sentimentEvaluator, trainSteps, type TrainingRun } from "./helpers.js";

const trainset = reviews("t", 32);
const valset = reviews("v", 16);

/** Rewordings a model might write without seeing any example; one of them happens to mention sarcasm. */
const REWORDINGS = [
  "Decide whether the review is positive or negative.",
  "Label the review's sentiment.",
  "Read the review and classify its sentiment.",
  "Classify the review; beware of sarcasm.",
  "Say if the customer liked the product.",
];

/** A stateless rewording: the text it is shown decides the answer — the next rewording of the list (the seed's: the first). */
function rewordResponder(messages: readonly ChatMessage[]): object {
  const text = /Text to reword:\n```\n([\s\S]*?)\n```/.exec(messages.at(-1)?.content ?? "")?.[1] ?? "";
  return { instructions: REWORDINGS[(REWORDINGS.indexOf(text) + 1) % REWORDINGS.length] };
}

function setup(fields: { name?: string; maxMetricCalls?: number } = {}) {
  const model = new ScriptedLanguageModel({ respond: rewordResponder });
  const optimizer = new RandomSearchOptimizer({ languageModel: model, seed: 6, ...fields });
  const variable = promptVariable();
  const program = sentimentEvaluator(variable.name);
  const run: TrainingRun = { optimizer, variable, trainset, valset, evaluate: cachedEvaluator(program), batchSize: 8 };
  return { model, optimizer, variable, program, run };
}

describe("RandomSearchOptimizer (the baseline)", () => {
  it("rewords without evidence and keeps what scores higher: a lucky rewording raises held-out accuracy", async () => {
    const { optimizer, variable, model, run } = setup();
    expect(accuracy(variable.json(), valset)).toBe(0.75);
    await trainSteps(run);
    await finalize(run);
    expect(variable.get("instructions")).toBe("Classify the review; beware of sarcasm.");
    expect(accuracy(variable.json(), valset)).toBe(1);
    // The model is shown nothing but a text to reword: no example, score or feedback.
    for (const call of model.calls) {
      const content = call.messages.map((m) => m.content).join("\n");
      expect(content).not.toMatch(/Example|Score|Feedback|Wrong|Expected/);
      expect(content).toMatch(/Text to reword:\n```\n/);
    }
    expect(model.calls[0]?.messages.at(-1)?.content).toContain(SEED_INSTRUCTIONS);
    expect(optimizer.leaderboard()[0]?.validationScore).toBe(1);
  });

  it("asks for no more rewordings than the budget can score on the batch", async () => {
    const { optimizer, model, run } = setup({ maxMetricCalls: 30 });
    await trainSteps(run);
    expect(optimizer.metricCalls).toBeLessThanOrEqual(30);
    expect(optimizer.stopReason).toMatch(/its own maxMetricCalls=30 cannot pay for another proposal/);
    // Every rewording paid for was scored (or was a repeat): none was refused for want of budget.
    const stats = optimizer.proposalStats();
    expect(stats.rejected.budget).toBeUndefined();
    expect(model.calls).toHaveLength(stats.proposals);
    const scored = optimizer.leaderboard().filter((c) => c.origin === "proposal" && c.evaluations > 0).length;
    expect(scored + (stats.rejected.duplicate ?? 0)).toBe(stats.proposals);
  });

  it("is reproducible, and resumes from saved state to the same result", async () => {
    const first = setup({ name: "rs" });
    const second = setup({ name: "rs" });
    for (const { run } of [first, second]) {
      await trainSteps(run);
      await finalize(run);
    }
    expect(second.optimizer.leaderboard()).toEqual(first.optimizer.leaderboard());
    const resumed = setup({ name: "rs" });
    await trainSteps({ ...resumed.run, maxSteps: 2 });
    const store: Record<string, unknown> = {};
    resumed.optimizer.saveOwnVariables(store);
    const fresh = new RandomSearchOptimizer({ languageModel: resumed.model, seed: 6, name: "rs" });
    fresh.loadOwnVariables(JSON.parse(JSON.stringify(store)) as Record<string, unknown>);
    const rest = { ...resumed.run, optimizer: fresh, fromStep: 2 };
    await trainSteps(rest);
    await finalize(rest);
    expect(resumed.variable.json()).toEqual(first.variable.json());
    expect(fresh.leaderboard()).toEqual(first.optimizer.leaderboard());
  });

  it("routes to {instructions} (a prompt variable or any text variable), round-trips its config", () => {
    const model = new ScriptedLanguageModel({ respond: rewordResponder });
    const optimizer = new RandomSearchOptimizer({ languageModel: model, numCandidates: 3, redrawProbability: 0.5 });
    expect(optimizer.matches(promptVariable())).toBe(true);
    expect(optimizer.matches(new Variable({ name: "t", schema: INSTRUCTIONS_SCHEMA, value: { instructions: "x" } }))).toBe(true);
    expect(optimizer.variables).toHaveLength(2);
    const config = optimizer.getConfig();
    expect(config).toMatchObject({ numCandidates: 3, redrawProbability: 0.5, temperature: 1 });
    const Class = RandomSearchOptimizer as unknown as { fromConfig(config: Record<string, unknown>): RandomSearchOptimizer };
    expect({ ...Class.fromConfig({ ...config, languageModel: model, name: "copy" }).getConfig(), name: config.name }).toEqual(config);
    expect(optimizer.estimateStepCost({ trainSize: 40, valSize: 20, batchSize: 8, components: 1 })).toEqual({ metricCalls: 24, optimizerCalls: 1.5 });
    expect(() => new RandomSearchOptimizer({ languageModel: model, redrawProbability: 2 })).toThrow(/redrawProbability/);
  });
});
