// Budget presets: "light" | "medium" | "heavy" resolve to the numbers docs/training.md documents, fit records the
// number it used, and never passes it.
import { describe, expect, it } from "vitest";
import {
  exactMatch,
  fit,
  FewShotOptimizer,
  InstructionOptimizer,
  ReflectiveOptimizer,
  resolveBudgetPreset,
  TrainablePrompt,
  TrainingOptionsError,
} from "../../src/index.js";
import { ScriptedLanguageModel } from "../../src/testing/index.js";
import { keywordExamples, keywordProgram, RuleWriter } from "./support/keyword-world.js";

const model = () => new ScriptedLanguageModel({ respond: () => ({ instructions: "x" }) });
const prompt = (name: string) => new TrainablePrompt({ name, instructions: "Answer.", messages: "{q}" });

describe("budget presets", () => {
  it("GEPA on the quality benchmark's shape (train 40, val 20, batch 8): light 117, medium 252, heavy 580", () => {
    // Step cost 1.5 × 3 + 0.25 × 20 = 9.5, no batch run (GEPA draws its own minibatches), 5 steps an epoch.
    const shape = { trainSize: 40, valSize: 20, batchSize: 8, optimizers: [new ReflectiveOptimizer({ languageModel: model() })], variables: [prompt("route").variable] };
    expect(resolveBudgetPreset("light", shape).maxMetricCalls).toBe(20 + 6 * 9.5 + 1 * 20 + 20);
    expect(resolveBudgetPreset("light", shape).maxMetricCalls).toBe(117);
    expect(resolveBudgetPreset("medium", shape).maxMetricCalls).toBe(252);
    expect(resolveBudgetPreset("heavy", shape).maxMetricCalls).toBe(580);
  });

  it("OPRO with 4 candidates on the quickstart's shape (train 12, val 12, batch 6): light 240, medium 600, heavy 1464", () => {
    // Step cost: the batch run 6 + 4 candidates × 6 = 30; two steps an epoch.
    const shape = {
      trainSize: 12,
      valSize: 12,
      batchSize: 6,
      optimizers: [new InstructionOptimizer({ languageModel: model(), numCandidates: 4 })],
      variables: [prompt("sentiment").variable],
    };
    const light = resolveBudgetPreset("light", shape);
    expect(light.steps).toBe(6);
    expect(light.plan.metricCalls).toBe(30);
    expect(light.maxMetricCalls).toBe(12 + 6 * 30 + 3 * 12 + 12);
    expect(resolveBudgetPreset("medium", shape).maxMetricCalls).toBe(600);
    expect(resolveBudgetPreset("heavy", shape).maxMetricCalls).toBe(1464);
  });

  it("scales the steps with the components: two prompts under OPRO and FewShot give 12 light steps", () => {
    const shape = {
      trainSize: 40,
      valSize: 20,
      batchSize: 8,
      optimizers: [new InstructionOptimizer({ languageModel: model() }), new FewShotOptimizer({})],
      variables: [prompt("extract").variable, prompt("answer").variable],
    };
    const light = resolveBudgetPreset("light", shape);
    // Components: 2 (each optimizer owns one key of each prompt). Step: batch 8 + OPRO 8 × 8 + FewShot 4 × 8 = 104.
    expect(light.plan.components).toBe(2);
    expect(light.plan.metricCalls).toBe(8 + 64 + 32);
    expect(light.steps).toBe(12);
    expect(light.maxMetricCalls).toBe(20 + 12 * 104 + 2 * 20 + 20);
  });

  it("fit resolves a preset, records the number and the preset, and stays within it", async () => {
    const { program } = keywordProgram();
    const trainset = keywordExamples("t", 16);
    const valset = keywordExamples("v", 8);
    const optimizers = [new RuleWriter({ skill: 1, seed: 0 })];
    const expected = resolveBudgetPreset("light", {
      trainSize: 16,
      valSize: 8,
      batchSize: 4,
      optimizers,
      variables: [keywordProgram().prompt.variable],
    }).maxMetricCalls;
    // 8 + 6 × (4 + 4) + floor(6 / 4) × 8 + 8
    expect(expected).toBe(72);
    const result = await fit(program, { trainset, valset, reward: exactMatch(), optimizers, batchSize: 4, maxMetricCalls: "light", progress: false });
    expect(result.record.settings.maxMetricCalls).toBe(72);
    expect(result.record.settings.budgetPreset).toBe("light");
    expect(result.record.settings.epochs).toBe("until the metric budget is spent");
    expect(result.metricCalls.limit).toBe(72);
    expect(result.metricCalls.used).toBeLessThanOrEqual(72);
  });

  it("refuses an unknown preset with the ones it knows", async () => {
    const { program } = keywordProgram();
    const run = fit(program, {
      trainset: keywordExamples("t", 4),
      reward: exactMatch(),
      optimizers: [new RuleWriter({ skill: 1, seed: 0 })],
      maxMetricCalls: "huge" as never,
    });
    await expect(run).rejects.toBeInstanceOf(TrainingOptionsError);
    await expect(run).rejects.toThrow('maxMetricCalls must be a positive integer or one of the presets "light", "medium", "heavy", got "huge"');
  });
});
