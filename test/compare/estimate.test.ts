// estimate(): what a run would spend, worked out without running the program or calling any model.
import { StringOutputParser } from "@langchain/core/output_parsers";
import { RunnableLambda } from "@langchain/core/runnables";
import { ChatOpenAI } from "@langchain/openai";
import { describe, expect, it } from "vitest";
import {
  estimate,
  EstimateOptionsError,
  exactMatch,
  formatEstimate,
  InstructionOptimizer,
  ReflectiveOptimizer,
  resolveBudgetPreset,
  TrainablePrompt,
} from "../../src/index.js";
import { ScriptedLanguageModel } from "../../src/testing/index.js";
import { keywordExamples, RuleWriter } from "./support/keyword-world.js";

const PRICES = {
  "gpt-4o-mini": { inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 },
  "gpt-4o": { inputPerMillionUsd: 2.5, outputPerMillionUsd: 10 },
};

function world() {
  let taskCalls = 0;
  const prompt = new TrainablePrompt({ name: "team", instructions: "Label the customer text with a team.", messages: "Text: {text}" });
  const program = prompt.pipe(RunnableLambda.from(async () => ((taskCalls += 1), "unknown")));
  const proposer = new ScriptedLanguageModel({ modelName: "gpt-4o", respond: () => ({ instructions: "Label it." }) });
  return { prompt, program, proposer, taskCalls: () => taskCalls };
}

describe("estimate", () => {
  it("spends the metric budget when one is set, split by phase, without running the program or calling the optimizer's model", async () => {
    const { program, proposer, taskCalls } = world();
    const result = await estimate(program, {
      trainset: keywordExamples("t", 32),
      valset: keywordExamples("v", 8),
      testset: keywordExamples("x", 40),
      reward: exactMatch(),
      optimizers: [new InstructionOptimizer({ languageModel: proposer, numCandidates: 2 })],
      batchSize: 4,
      maxMetricCalls: 200,
    });
    expect(taskCalls()).toBe(0);
    expect(proposer.calls).toHaveLength(0);
    expect(result.metricCalls).toBe(200);
    expect(result.byPhase.seed + result.byPhase.steps + result.byPhase.validation + result.byPhase.final).toBe(200);
    expect(result.byPhase).toMatchObject({ seed: 8, final: 8 });
    // A step: the batch run 4 + 2 candidates × 4 = 12, and an epoch (8 steps) ends with a validation of 8: 13 a step.
    expect(result.stepPlan.metricCalls).toBe(12);
    expect(result.steps).toBeCloseTo((200 - 16) / 13, 9);
    expect(result.optimizerCalls).toBe(Math.round(result.steps * 2));
    expect(result.testCalls).toBe(40);
    expect(result.taskCalls).toBe(240);
    expect(result.costUsd).toBe(0);
    expect(result.assumptions.join("\n")).toContain("No price table");
  });

  it("follows the epochs when they end the run first, and resolves a preset like fit", async () => {
    const { program } = world();
    const options = {
      trainset: keywordExamples("t", 32),
      valset: keywordExamples("v", 8),
      reward: exactMatch(),
      optimizers: [new RuleWriter({ skill: 1, seed: 0 })],
      batchSize: 4,
    };
    const byEpochs = await estimate(program, { ...options, epochs: 2 });
    // seed validation 8 + 16 steps × (batch 4 + candidate 4) + 2 epoch-end validations × 8
    expect(byEpochs.metricCalls).toBe(8 + 16 * 8 + 2 * 8);
    expect(byEpochs.steps).toBe(16);
    expect(byEpochs.maxMetricCalls).toBeUndefined();
    const preset = await estimate(program, { ...options, maxMetricCalls: "medium" });
    const resolved = resolveBudgetPreset("medium", { trainSize: 32, valSize: 8, batchSize: 4, optimizers: options.optimizers, variables: [world().prompt.variable] });
    expect(preset).toMatchObject({ budgetPreset: "medium", maxMetricCalls: resolved.maxMetricCalls, metricCalls: resolved.maxMetricCalls });
    // The preset pays for 16 steps; the estimate finds about as many in its budget.
    expect(Math.abs(preset.steps - resolved.steps)).toBeLessThan(1);
  });

  it("prices the task calls by the chat model's name and the optimizer's by its model's, from rendered prompts", async () => {
    const prompt = new TrainablePrompt({ name: "sentiment", instructions: "Classify the review as positive or negative.", messages: "Review: {review}" });
    // Nothing listens there: a call would fail the test.
    const chat = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "none", maxRetries: 0, configuration: { baseURL: "http://127.0.0.1:9/v1" } });
    const program = prompt.pipe(chat).pipe(new StringOutputParser());
    const proposer = new ScriptedLanguageModel({ modelName: "gpt-4o", respond: () => ({ instructions: "x" }) });
    const review = "Oh great, it broke the day after the warranty ended.";
    const trainset = Array.from({ length: 6 }, (_, i) => ({ id: `r${i}`, input: { review }, expected: "negative" }));
    const result = await estimate(program, {
      trainset,
      valset: trainset.map((e) => ({ ...e, id: `v${e.id}` })),
      reward: exactMatch(),
      optimizers: [new ReflectiveOptimizer({ languageModel: proposer })],
      maxMetricCalls: 60,
      prices: PRICES,
    });
    expect(proposer.calls).toHaveLength(0);
    expect(result.models).toEqual({ task: "gpt-4o-mini", optimizer: ["gpt-4o"] });
    // The rendered prompt: system instructions + the review line, 4 characters a token.
    const system = Math.ceil("Classify the review as positive or negative.".length / 4);
    const user = Math.ceil(`Review: ${review}`.length / 4);
    expect(result.assumptions.join("\n")).toContain(`Task calls: ${system + user} input tokens`);
    expect(result.taskTokens.output).toBe(result.taskCalls * 2); // "negative": 8 characters
    expect(result.optimizerTokens.input).toBeGreaterThan(result.optimizerCalls * 150); // GEPA's reflection prompt
    expect(result.costByRole.task).toBeCloseTo((result.taskTokens.input * 0.15 + result.taskTokens.output * 0.6) / 1e6, 12);
    expect(result.costByRole.optimizer).toBeCloseTo((result.optimizerTokens.input * 2.5 + result.optimizerTokens.output * 10) / 1e6, 12);
    expect(result.costUsd).toBeCloseTo(result.costByRole.task + result.costByRole.optimizer, 12);
    const text = formatEstimate(result).join("\n");
    expect(text).toContain("Estimate — nothing was run and no model was called; maxMetricCalls 60");
    expect(text).toMatch(/model calls\s+\d+ {2}\(task \d+, optimizer \d+\)/);
  });

  it("refuses options that do not belong to an estimate, saying which", async () => {
    const { program } = world();
    const base = { trainset: keywordExamples("t", 4), reward: exactMatch(), optimizers: [new RuleWriter({ skill: 1, seed: 0 })] };
    await expect(estimate(program, { ...base, budget: { maxCalls: 3 } } as never)).rejects.toBeInstanceOf(EstimateOptionsError);
    await expect(estimate(program, { ...base, budget: { maxCalls: 3 } } as never)).rejects.toThrow("estimate does not use the option(s) 'budget'");
    await expect(estimate(program, { ...base, modelCallsPerRun: 0 })).rejects.toThrow("modelCallsPerRun must be a positive number");
  });
});
