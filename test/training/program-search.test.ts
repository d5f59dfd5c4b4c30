import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ReflectiveOptimizer } from "../../src/optimizers/reflective-optimizer.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { evaluate } from "../../src/training/evaluate.js";
import { fit } from "../../src/training/fit.js";
import { buildProgram, optimizerModel, orders, taskReply } from "../support/order-world.js";

let server: OpenAICompatibleServer;
beforeEach(async () => {
  server = await startOpenAICompatibleServer({ handler: taskReply });
});
afterEach(async () => {
  await server.close();
});

describe("program-level search on a two-prompt chain", () => {
  it("traces each prompt's own inputs and outputs", async () => {
    const { program } = buildProgram(server);
    const result = await evaluate(program, { dataset: orders("t", 2), reward: exactMatch() });
    const trace = result.predictions[0]?.trace;
    expect(trace?.extract?.[0]?.inputs).toEqual({ order: "Order t0: 2 chairs at 10 EUR each." });
    expect(trace?.extract?.[0]?.outputs[0]?.text).toBe("quantity=2; price=10");
    expect(trace?.answer?.[0]?.inputs).toEqual({ facts: "quantity=2; price=10" });
    expect(trace?.answer?.[0]?.outputs[0]?.text).toBe("20");
  });

  it("GEPA reaches the ceiling when the fix needs both prompts", async () => {
    const { program, extract, answer } = buildProgram(server);
    const model = optimizerModel();
    const optimizer = new ReflectiveOptimizer({ languageModel: model, seed: 1 });
    const result = await fit(program, {
      trainset: orders("tr", 9),
      valset: orders("va", 6),
      reward: exactMatch(),
      optimizers: optimizer,
      maxMetricCalls: 120,
    });
    expect(result.record.initialValScore).toBe(0);
    expect(result.best.valScore).toBe(1);
    expect(extract.variable.get("instructions")).toMatch(/currency/);
    expect(answer.variable.get("instructions")).toMatch(/currency/);
    const aboutExtract = model.calls.find((call) => call.messages.some((m) => /Prompt 'extract'/.test(m.content)));
    const shown = aboutExtract?.messages.map((m) => m.content).join("\n") ?? "";
    expect(shown).toMatch(/This prompt's output: quantity=\d+; price=\d+/);
    expect(result.metricCalls.used).toBeLessThanOrEqual(120);
  });
});
