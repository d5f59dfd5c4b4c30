// Issue 12's loose ends that live in fit and the optimizers: two meanings of `callbacks`, steps of one
// optimizer in a batch, usage after a mid-batch budget stop, one placeholder checker for mustache prompts.
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatOpenAI } from "@langchain/openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageLedger } from "../../src/models/usage-ledger.js";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { ScriptedLanguageModel, startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { TrainingOptionsError } from "../../src/training/errors.js";
import { fit } from "../../src/training/fit.js";
import { promptVariable, reviews, rewriterResponder, sentimentEvaluator } from "../optimizers/helpers.js";
import { reply } from "../training/support/loopback-world.js";
import { sentimentData } from "../training/support/sentiment.js";

let server: OpenAICompatibleServer;
beforeEach(async () => {
  server = await startOpenAICompatibleServer({ handler: (request) => reply(request), latencyMs: 20 });
});
afterEach(async () => {
  await server.close();
});

function chat(model = "task-model"): ChatOpenAI {
  return new ChatOpenAI({ model, apiKey: "sk-test-loose-ends", maxRetries: 0, temperature: 0, configuration: { baseURL: server.url } });
}

describe("loose ends", () => {
  it("refuses `callbacks` in fit's options, pointing at config.callbacks and hooks", async () => {
    const prompt = new TrainablePrompt({ name: "p", instructions: "Classify.", messages: "Review: {review}" });
    const options = {
      trainset: sentimentData().trainset,
      reward: exactMatch(),
      optimizers: new InstructionOptimizer({ languageModel: new ScriptedLanguageModel({ respond: rewriterResponder() }) }),
      callbacks: [{ handleLLMStart: () => undefined }],
    };
    const fitting = fit(prompt.pipe(chat()), options as never);
    await expect(fitting).rejects.toThrow(TrainingOptionsError);
    await expect(fit(prompt.pipe(chat()), options as never)).rejects.toThrow(/config: \{ callbacks[\s\S]*`hooks`/);
    expect(server.requests).toHaveLength(0);
  });

  it("optimizer.batch([a, b]) runs the steps one after another: neither loses the other's candidates", async () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    const optimizer = new InstructionOptimizer({ languageModel: model, numCandidates: 1 });
    const variable = promptVariable();
    const evaluate = cachedEvaluator(sentimentEvaluator(variable.name));
    const inputs = await Promise.all(
      ["a", "b"].map(async (prefix) => ({
        variables: [variable],
        predictions: await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews(prefix, 4)),
        context: { evaluate },
      })),
    );
    const outputs = await optimizer.batch(inputs);
    expect(outputs.map((o) => o.iteration)).toEqual([1, 2]);
    // Both steps' batches were credited to the seed candidate: 8 examples, not the 4 of whichever step wrote last.
    const seed = optimizer.leaderboard().find((c) => c.origin === "seed");
    expect(seed?.evaluations).toBe(8);
    expect(model.calls).toHaveLength(2);
  });

  it("after a budget stop in mid-batch, the usage returned equals what the server saw", async () => {
    const ledger = new UsageLedger();
    const prompt = new TrainablePrompt({ name: "sentiment", instructions: "Classify the review.", messages: "Review: {review}" });
    const program = prompt.pipe(chat()).pipe(new StringOutputParser());
    const { trainset, valset } = sentimentData();
    const result = await fit(program, {
      trainset,
      valset,
      reward: exactMatch(),
      optimizers: new InstructionOptimizer({ languageModel: new ScriptedLanguageModel({ respond: rewriterResponder() }) }),
      usage: ledger,
      budget: { maxCalls: 10 },
      concurrency: 4,
      batchSize: 8,
    });
    expect(result.status).toBe("budget-exhausted");
    const taskRequests = server.requests.filter((r) => (r.body as { model?: string }).model === "task-model").length;
    expect(result.usage.byRole.task?.calls).toBe(taskRequests);
    expect(result.record.usage.total.calls).toBe(taskRequests);
    expect(ledger.summary().total.calls).toBe(taskRequests);
  });

  it("a proposal inventing a mustache placeholder is refused by the mustache parser, never fatal", async () => {
    const prompt = new TrainablePrompt({
      name: "sentiment",
      instructions: "Classify the review {{review}}.",
      messages: "Review: {{review}}",
      templateFormat: "mustache",
    });
    const program = prompt.pipe(chat()).pipe(new StringOutputParser());
    const model = new ScriptedLanguageModel({ respond: () => ({ instructions: "Classify {{review}} for {{audience}}." }) });
    const { trainset, valset } = sentimentData();
    const result = await fit(program, {
      trainset,
      valset,
      reward: exactMatch(),
      optimizers: new InstructionOptimizer({ languageModel: model, numCandidates: 1 }),
      batchSize: 6,
    });
    expect(result.status).toBe("completed");
    expect(result.proposals[0]?.rejected.placeholders).toBeGreaterThan(0);
    expect(result.proposals[0]?.latestFailure).toMatch(/unknown placeholder\(s\) \{\{audience\}\}/);
    expect(prompt.variable.get("instructions")).toBe("Classify the review {{review}}.");
  });
});
