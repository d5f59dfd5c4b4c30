import { JsonOutputParser, StringOutputParser } from "@langchain/core/output_parsers";
import { RunnableLambda, RunnableMap } from "@langchain/core/runnables";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/models/types.js";
import { EvolutionaryOptimizer } from "../../src/optimizers/evolutionary-optimizer.js";
import { FewShotOptimizer } from "../../src/optimizers/few-shot-optimizer.js";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import type { Optimizer } from "../../src/optimizers/optimizer.js";
import { ReflectiveOptimizer } from "../../src/optimizers/reflective-optimizer.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import {
  rawReply,
  ScriptedLanguageModel,
  startOpenAICompatibleServer,
  type CompletionRequest,
  type OpenAICompatibleServer,
} from "../../src/testing/index.js";
import { MissingPromptInputError, SeedValidationError } from "../../src/training/errors.js";
import { evaluate } from "../../src/training/evaluate.js";
import { fit } from "../../src/training/fit.js";
import { buildProgram, chatModel, optimizerModel, orders, taskReply } from "../support/order-world.js";
import { classify, isSarcastic, sentimentData } from "./support/sentiment.js";

/** The sentiment task model behind the loopback server: sarcasm is read right only when the system text names it. */
function sentimentReply(request: CompletionRequest): string {
  const system = request.messages.filter((m) => m.role === "system").map((m) => m.content).join("\n");
  const review = (request.messages.at(-1)?.content ?? "").replace(/^Review:\s*/, "");
  const demos: { review: string; label: string }[] = [];
  const turns = request.messages.filter((m) => m.role !== "system").slice(0, -1);
  for (let i = 0; i + 1 < turns.length; i += 2) demos.push({ review: turns[i]!.content.replace(/^Review:\s*/, ""), label: turns[i + 1]!.content });
  return classify(review, system, demos);
}

/** The sarcasm hint when a failed sarcastic review is shown; otherwise a rewording. Fills every requested property. */
function hintedWhenShown(messages: readonly ChatMessage[]): Record<string, string> {
  const text = messages.map((m) => m.content).join("\n");
  const failed = text.split(/\nExample \d+:\n/).some((block) => isSarcastic(block) && /Score: 0\/100/.test(block));
  return { instructions: failed ? "Classify the review. Watch for sarcasm: praise around a complaint is negative." : "Classify the review carefully." };
}

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

describe("few-shot demonstrations on a two-prompt chain", () => {
  it("builds each prompt's demonstrations from that prompt's own inputs and outputs", async () => {
    const { program } = buildProgram(server);
    const optimizer = new FewShotOptimizer({ seed: 2, componentSelection: "all" });
    // Half credit for the right total without its currency: runs score 0.5, enough to be demonstrations.
    const reward = (output: string, example: { expected?: string }) =>
      output === example.expected ? 1 : output === example.expected?.split(" ")[0] ? 0.5 : 0;
    await fit(program, { trainset: orders("f", 16), reward, optimizers: optimizer, batchSize: 8 });
    const proposed = optimizer.leaderboard().filter((c) => c.origin === "demos");
    expect(proposed.length).toBeGreaterThan(0);
    for (const candidate of proposed) {
      const answerDemos = candidate.values.answer?.examples as { input: Record<string, unknown>; output: unknown }[];
      const extractDemos = candidate.values.extract?.examples as { input: Record<string, unknown>; output: unknown }[];
      expect(answerDemos.length).toBeGreaterThan(0);
      for (const demo of answerDemos) {
        expect(Object.keys(demo.input)).toEqual(["facts"]);
        expect(String(demo.input.facts)).toMatch(/^quantity=\d+; price=\d+$/);
        expect(String(demo.output)).toMatch(/^\d+$/);
      }
      for (const demo of extractDemos) {
        expect(Object.keys(demo.input)).toEqual(["order"]);
        expect(String(demo.output)).toMatch(/^quantity=\d+; price=\d+$/);
      }
    }
  });
});

describe("failures are data", () => {
  /** Answers JSON, except prose for the review that contains "tricky" unless told to always answer JSON. */
  function jsonHandler(request: CompletionRequest): string {
    const system = request.messages.find((m) => m.role === "system")?.content ?? "";
    const review = request.messages.at(-1)?.content ?? "";
    if (review.includes("tricky") && !/always answer json/i.test(system)) return "Sorry, I can't classify this one.";
    return JSON.stringify({ label: review.includes("bad") ? "negative" : "positive" });
  }

  it("a run that answers prose instead of JSON scores 0 with the parse error as feedback; fit completes", async () => {
    await server.close();
    server = await startOpenAICompatibleServer({ handler: jsonHandler });
    const prompt = new TrainablePrompt({ name: "label", instructions: "Label the review.", messages: "Review: {review}" });
    const program = prompt.pipe(chatModel(server)).pipe(new JsonOutputParser());
    const reward = (output: { label?: string }, example: { expected?: unknown }) => (output.label === example.expected ? 1 : 0);
    const data = ["good one", "bad one", "a tricky one", "good two", "bad two", "good three"].map((review, i) => ({
      id: `r${i}`,
      input: { review },
      expected: review.includes("bad") ? "negative" : "positive",
    }));
    const model = new ScriptedLanguageModel({ respond: () => ({ instructions: "Label the review. Always answer JSON." }) });
    const result = await fit(program, {
      trainset: data,
      valset: data,
      reward,
      optimizers: new ReflectiveOptimizer({ languageModel: model }),
      maxMetricCalls: 30,
    });
    expect(result.record.initialValScore).toBeCloseTo(5 / 6);
    const reflection = model.calls[0]?.messages.map((m) => m.content).join("\n") ?? "";
    expect(reflection).toMatch(/Program answer: \(failed\) .*not valid JSON/);
    expect(reflection).toMatch(/The model's last answer was: Sorry, I can't classify this one\./);
    expect(result.best.valScore).toBe(1);
    expect(prompt.variable.get("instructions")).toMatch(/Always answer JSON/);
  });

  it("scores the failing example 0 with the error in `error` and `feedback`", async () => {
    await server.close();
    server = await startOpenAICompatibleServer({ handler: jsonHandler });
    const prompt = new TrainablePrompt({ name: "label", instructions: "Label the review.", messages: "Review: {review}" });
    const program = prompt.pipe(chatModel(server)).pipe(new JsonOutputParser());
    const result = await evaluate(program, { dataset: [{ id: "t", input: { review: "a tricky one" } }], reward: () => 1 });
    expect(result.predictions[0]).toMatchObject({ score: 0, output: null });
    expect(result.predictions[0]?.error).toMatch(/not valid JSON/);
    expect(result.predictions[0]?.feedback).toMatch(/^The program failed: .*\nThe model's last answer was: Sorry, I can't classify this one\.$/);
    // A parser refusing the answer is not retried: one request.
    expect(server.requests).toHaveLength(1);
    // The prompt's own trace shows what the model said.
    expect(result.predictions[0]?.trace?.label?.[0]?.outputs[0]?.text).toBe("Sorry, I can't classify this one.");
  });

  it("a dataset missing a prompt input fails before any model call, naming the example and the key", async () => {
    const { program } = buildProgram(server);
    const data = [...orders("m", 3), { id: "broken", input: { text: "no order here" }, expected: "1 EUR" }];
    const model = optimizerModel();
    await expect(
      fit(program, { trainset: data, reward: exactMatch(), optimizers: new ReflectiveOptimizer({ languageModel: model }) }),
    ).rejects.toThrow(MissingPromptInputError);
    await expect(
      fit(program, { trainset: data, reward: exactMatch(), optimizers: new ReflectiveOptimizer({ languageModel: model }) }),
    ).rejects.toThrow(/Example 'broken' has no input 'order', which prompt 'extract' needs/);
    expect(server.requests).toHaveLength(0);
    expect(model.calls).toHaveLength(0);
  });

  it("a 404 model is not retried, and a seed evaluation that mostly fails stops fit with the first failures", async () => {
    await server.close();
    server = await startOpenAICompatibleServer({
      handler: () => rawReply(404, { error: { message: "The model `gpt-9` does not exist", type: "invalid_request_error" } }),
    });
    const { program } = buildProgram(server);
    const fitting = fit(program, {
      trainset: orders("s", 4),
      valset: orders("v", 4),
      reward: exactMatch(),
      optimizers: new ReflectiveOptimizer({ languageModel: optimizerModel() }),
    });
    await expect(fitting).rejects.toThrow(SeedValidationError);
    await expect(fitting).rejects.toThrow(/failed on 4 of 4 examples[\s\S]*example 'v0': .*does not exist/);
    // One request per example: a 404 is never retried.
    expect(server.requests).toHaveLength(4);
  });
});

describe("one metric budget, counted exactly", () => {
  const names = ["gepa", "opro", "omega", "few-shot"] as const;
  /** Optimizers that never find the fix (each rewrite is new and useless), so the budget is what ends the run. */
  function optimizerNamed(name: (typeof names)[number]): Optimizer {
    let variant = 0;
    const languageModel = new ScriptedLanguageModel({ respond: () => ({ instructions: `Classify the review. Variant ${++variant}.` }) });
    switch (name) {
      case "gepa":
        return new ReflectiveOptimizer({ languageModel, seed: 3 });
      case "opro":
        return new InstructionOptimizer({ languageModel, seed: 3 });
      case "omega":
        return new EvolutionaryOptimizer({ languageModel, seed: 3 });
      case "few-shot":
        return new FewShotOptimizer({ seed: 3 });
    }
  }

  for (const name of names) {
    it(`${name}: the server sees no more task calls than maxMetricCalls; the run ends on it with the best validated program`, async () => {
      await server.close();
      server = await startOpenAICompatibleServer({ handler: (request) => sentimentReply(request) });
      const prompt = new TrainablePrompt({ name: "sentiment", instructions: "Classify the review.", messages: "Review: {review}" });
      const program = prompt.pipe(chatModel(server)).pipe(new StringOutputParser());
      const { trainset, valset } = sentimentData();
      const testset = valset.map((e) => ({ ...e, id: `test-${e.id}` }));
      const maxMetricCalls = 41;
      const result = await fit(program, {
        trainset,
        valset,
        reward: exactMatch(),
        optimizers: optimizerNamed(name),
        maxMetricCalls,
        batchSize: 4,
        testset,
      });
      expect(result.stoppedBy?.limit).toBe("maxMetricCalls");
      // What is left is less than one more move plus the validation fit keeps in reserve for the end.
      expect(result.metricCalls.used).toBeGreaterThan(maxMetricCalls - 8 - valset.length);
      // Every program run is one task call here: the server's count is the run's, plus the test set's.
      expect(result.metricCalls.used).toBeLessThanOrEqual(maxMetricCalls);
      expect(server.requests.length).toBe(result.metricCalls.used + testset.length);
      expect(result.metricCalls.byPhase.test).toBeUndefined();
      expect(result.testScore).toBe(result.best.valScore);
      // Whatever ended the run, the final program is the best one validated on the whole valset.
      const validated = result.record.leaderboard.map((c) => c.validationScore).filter((v): v is number => v !== undefined);
      expect(result.best.valScore).toBe(Math.max(result.record.initialValScore ?? 0, ...validated));
    });
  }
});

describe("traces under concurrency, and a prompt used twice", () => {
  it("each run's trace holds its own example's inputs and outputs, with runs in flight together", async () => {
    await server.close();
    server = await startOpenAICompatibleServer({ handler: taskReply, latencyMs: 30 });
    const { program } = buildProgram(server);
    const data = orders("c", 8);
    const result = await evaluate(program, { dataset: data, reward: exactMatch(), concurrency: 8 });
    for (const [i, prediction] of result.predictions.entries()) {
      expect(prediction.trace?.extract?.[0]?.inputs).toEqual(data[i]?.input);
      const facts = prediction.trace?.extract?.[0]?.outputs[0]?.text;
      expect(prediction.trace?.answer?.[0]?.inputs).toEqual({ facts });
      expect(prediction.trace?.answer?.[0]?.outputs[0]?.text).toBe(prediction.output);
    }
  });

  it("a prompt used twice in one run has two calls, each with its own model output", async () => {
    const { extract } = buildProgram(server);
    const model = chatModel(server);
    const twice = RunnableMap.from({
      first: RunnableLambda.from((input: { a: string; b: string }) => ({ order: input.a }))
        .pipe(extract)
        .pipe(model)
        .pipe(new StringOutputParser()),
      second: RunnableLambda.from((input: { a: string; b: string }) => ({ order: input.b }))
        .pipe(extract)
        .pipe(model)
        .pipe(new StringOutputParser()),
    });
    const input = { a: "Order x1: 2 mugs at 5 EUR each.", b: "Order x2: 3 pens at 7 USD each." };
    const result = await evaluate(twice, { dataset: [{ id: "t", input }], reward: () => 1 });
    const calls = result.predictions[0]?.trace?.extract ?? [];
    expect(calls).toHaveLength(2);
    const byInput = new Map(calls.map((call) => [call.inputs.order, call.outputs.map((o) => o.text)]));
    expect(byInput.get(input.a)).toEqual(["quantity=2; price=5"]);
    expect(byInput.get(input.b)).toEqual(["quantity=3; price=7"]);
  });
});

describe("failed proposals are visible", () => {
  it("an optimizer model answering prose: counted as not JSON in the result and the record, with a process warning", async () => {
    const { program } = buildProgram(server);
    const prose = new ScriptedLanguageModel({ respond: () => "Sure! Here is a better prompt: be precise." });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const result = await fit(program, {
        trainset: orders("p", 9),
        valset: orders("q", 3),
        reward: exactMatch(),
        optimizers: new ReflectiveOptimizer({ name: "gepa", languageModel: prose }),
        maxMetricCalls: 40,
      });
      expect(result.status).toBe("completed");
      const stats = result.proposals[0];
      expect(stats?.proposals).toBeGreaterThan(0);
      expect(stats?.rejected["not-json"]).toBe(stats?.proposals);
      expect(stats?.failed).toBe(stats?.proposals);
      expect(result.record.proposals).toEqual(result.proposals);
      await new Promise((resolve) => setImmediate(resolve));
      const warning = warnings.find((w) => (w as { code?: string }).code === "TUNECHAIN_PROPOSALS_FAILED");
      expect(warning?.message).toMatch(/Optimizer 'gepa': \d+ of \d+ proposals failed \(not-json \d+\)\. Latest: not-json: /);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
