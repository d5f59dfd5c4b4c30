import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { ChainValues } from "@langchain/core/utils/types";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import { describe, expect, it } from "vitest";
import { UnknownArgumentError } from "../../src/errors.js";
import { BudgetExceededError, StructuredOutputError } from "../../src/models/errors.js";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import { OptimizerInputError, OptimizerOptionError } from "../../src/optimizers/errors.js";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";
import { Variable } from "../../src/variables/variable.js";
import {
  accuracy,
  BAD_INSTRUCTIONS,
  finalize,
  GOOD_INSTRUCTIONS,
  promptVariable,
  RecordingModel,
  reviews,
  rewriterResponder,
  SEED_INSTRUCTIONS,
  sentimentEvaluator,
  trainSteps,
  type TrainingRun,
} from "./helpers.js";

const trainset = reviews("t", 24);
const valset = reviews("v", 16);

function setup(options: { seed?: number; name?: string } = {}) {
  const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
  const optimizer = new InstructionOptimizer({ languageModel: model, seed: options.seed ?? 7, name: options.name });
  const variable = promptVariable();
  const evaluate = cachedEvaluator(sentimentEvaluator(variable.name));
  const run: TrainingRun = { optimizer, variable, trainset, valset, evaluate, batchSize: 8 };
  return { model, optimizer, variable, evaluate, run };
}

describe("InstructionOptimizer (OPRO)", () => {
  it("raises held-out accuracy from a weak seed prompt and asks for numCandidates proposals per step", async () => {
    const { model, optimizer, variable, run } = setup();
    expect(accuracy(variable.json(), valset)).toBeLessThanOrEqual(0.75);
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
    expect(callsPerStep).toEqual([8, 8, 8]);
    expect(model.calls.every((call) => call.request?.schema.required?.includes("instructions"))).toBe(true);
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
    expect(accuracy(variable.json(), valset)).toBe(1);
    expect(variable.get("examples")).toEqual([]);
    const best = optimizer.leaderboard()[0];
    expect(best?.value).toEqual({ instructions: GOOD_INSTRUCTIONS });
    expect(best?.validationScore).toBe(1);
  });

  it("proposes the fix only when the meta-prompt shows failing examples, with scores on 0–100", async () => {
    const { model, run } = setup();
    await trainSteps({ ...run, maxSteps: 1 });
    const prompt = model.calls[0]?.messages.at(-1)?.content ?? "";
    expect(prompt).toContain(SEED_INSTRUCTIONS);
    expect(prompt).toMatch(/Score: 75\b/);
    expect(prompt.match(/^Example \d+:/gm)).toHaveLength(3);
  });

  it("finalize keeps the best scored candidate when the last proposal is worse", async () => {
    const { optimizer, variable, run } = setup();
    // Without an evaluator in the steps each proposal is assigned unscored, so the run ends on the drifted,
    // worse proposal; finalize must go back to the best scored one.
    await trainSteps({ ...run, evaluatorInSteps: false, maxSteps: 2 });
    expect(variable.get("instructions")).toBe(BAD_INSTRUCTIONS);
    const newest = [...optimizer.leaderboard()].sort((a, b) => b.iteration - a.iteration)[0];
    expect(newest?.value).toEqual({ instructions: BAD_INSTRUCTIONS });

    // No validation set: the noise-aware training score decides.
    await optimizer.finalizeVariableValues([variable], {});
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);

    variable.update({ instructions: BAD_INSTRUCTIONS });
    await finalize(run);
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
    expect(accuracy(variable.json(), valset)).toBe(1);
  });

  it("finalize scores the top candidates on the valset through the cache and pays nothing the second time", async () => {
    const { optimizer, evaluate, run } = setup();
    await trainSteps(run);
    await finalize(run);
    const paid = optimizer.metricCalls;
    const misses = evaluate.stats.misses;
    await finalize(run);
    expect(optimizer.metricCalls).toBe(paid);
    expect(evaluate.stats.misses).toBe(misses);
    expect(evaluate.stats.hits).toBeGreaterThanOrEqual(valset.length);
  });

  it("is reproducible: the same seed gives the same candidates and final value", async () => {
    const first = setup({ seed: 3 });
    const second = setup({ seed: 3 });
    for (const { run } of [first, second]) {
      await trainSteps({ ...run, evaluatorInSteps: false });
      await finalize(run);
    }
    const strip = (o: InstructionOptimizer) => o.leaderboard().map(({ optimizer: _o, ...rest }) => rest);
    expect(strip(second.optimizer)).toEqual(strip(first.optimizer));
    expect(second.variable.json()).toEqual(first.variable.json());
    expect(second.model.calls).toEqual(first.model.calls);
  });

  it("state saved mid-run and loaded into a fresh optimizer continues to the same result", async () => {
    const straight = setup({ name: "opro" });
    await trainSteps({ ...straight.run, evaluatorInSteps: false });
    await finalize(straight.run);

    const resumed = setup({ name: "opro" });
    await trainSteps({ ...resumed.run, evaluatorInSteps: false, maxSteps: 2 });
    const store: Record<string, unknown> = {};
    resumed.optimizer.saveOwnVariables(store);
    const fresh = new InstructionOptimizer({ languageModel: resumed.model, seed: 7, name: "opro" });
    fresh.loadOwnVariables(JSON.parse(JSON.stringify(store)) as Record<string, unknown>);
    const rest = { ...resumed.run, optimizer: fresh, fromStep: 2, evaluatorInSteps: false };
    await trainSteps(rest);
    await finalize(rest);

    expect(fresh.iterations.get("iteration")).toBe(3);
    expect(resumed.variable.json()).toEqual(straight.variable.json());
    expect(fresh.leaderboard()).toEqual(straight.optimizer.leaderboard());
  });

  it("without an evaluator, invoke makes one proposal from the given predictions and assigns it", async () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    const optimizer = new InstructionOptimizer({ languageModel: model, numExemplars: 4 });
    const variable = promptVariable();
    const predictions = await sentimentEvaluator(variable.name)({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("p", 4));
    const output = await optimizer.invoke({ variables: [variable], predictions });
    expect(model.calls).toHaveLength(1);
    expect(output.optimized).toEqual(["prompt"]);
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
    expect(output.variables.prompt).toEqual(variable.json());
  });

  it("repairs a proposal that drops a placeholder once, showing the model the problem", async () => {
    const model = new ScriptedLanguageModel({
      respond: (messages) =>
        messages.at(-1)?.content.includes("dropped the placeholder")
          ? { instructions: "Label {text} as positive or negative; beware of sarcasm." }
          : { instructions: "Label the review; beware of sarcasm." },
    });
    const optimizer = new InstructionOptimizer({ languageModel: model, numCandidates: 1 });
    const variable = promptVariable("templated", { instructions: "Classify {text}." });
    await optimizer.invoke({ variables: [variable], reward: 0.5 });
    expect(model.calls).toHaveLength(2);
    expect(model.calls[1]?.messages.at(-1)?.content).toContain("{text}");
    expect(variable.get("instructions")).toBe("Label {text} as positive or negative; beware of sarcasm.");
    expect(optimizer.rejections("templated")).toEqual([]);
  });

  it("records and skips proposals that stay broken after repair or fail in the model, without crashing", async () => {
    let call = 0;
    const model = new ScriptedLanguageModel({
      respond: () => {
        call += 1;
        if (call === 1) return { instructions: "Use {question} and {{literal}} braces." };
        if (call === 2) return { instructions: "Still {invented}." };
        throw new StructuredOutputError("no valid JSON", { raw: "oops", issues: [], attempts: 3 });
      },
    });
    const optimizer = new InstructionOptimizer({ languageModel: model });
    const variable = promptVariable();
    const before = variable.json();
    await optimizer.invoke({ variables: [variable], reward: 0.2 });
    await optimizer.invoke({ variables: [variable], reward: 0.2 });
    expect(variable.json()).toEqual(before);
    const reasons = optimizer.rejections("prompt").map((r) => r.reason);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/rejected after repair.*\{invented\}/);
    expect(reasons[1]).toMatch(/model error: no valid JSON/);
    expect(optimizer.leaderboard()).toHaveLength(1);
  });

  it("passes the optimizer run's callbacks, signal and temperature 1.0 to every model call", async () => {
    const model = new RecordingModel({ respond: rewriterResponder() });
    const optimizer = new InstructionOptimizer({ languageModel: model, numCandidates: 2 });
    const variable = promptVariable();
    const evaluate = sentimentEvaluator(variable.name);
    const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("c", 4));
    const runs: { id: string; name: string | undefined }[] = [];
    class Recorder extends BaseCallbackHandler {
      name = "recorder";
      override async handleChainStart(
        _chain: Serialized,
        _inputs: ChainValues,
        runId: string,
        _parentRunId?: string,
        _tags?: string[],
        _metadata?: Record<string, unknown>,
        _runType?: string,
        runName?: string,
      ) {
        runs.push({ id: runId, name: runName });
      }
    }
    const controller = new AbortController();
    await optimizer.invoke(
      { variables: [variable], predictions, context: { evaluate } },
      { callbacks: [new Recorder()], signal: controller.signal },
    );
    expect(runs).toHaveLength(1);
    expect(model.options).toHaveLength(2);
    for (const options of model.options) {
      const callbacks = options?.config?.callbacks;
      expect(callbacks).toBeInstanceOf(CallbackManager);
      expect((callbacks as CallbackManager).getParentRunId()).toBe(runs[0]?.id);
      expect(options?.signal).toBeInstanceOf(AbortSignal);
      expect(options?.temperature).toBe(1);
    }
  });

  it("an aborted step throws and leaves the optimizer state and the variable untouched", async () => {
    const controller = new AbortController();
    const model = new ScriptedLanguageModel({
      respond: () => {
        controller.abort();
        return { instructions: GOOD_INSTRUCTIONS };
      },
    });
    const optimizer = new InstructionOptimizer({ languageModel: model, numCandidates: 1 });
    const variable = promptVariable();
    const store: Record<string, unknown> = {};
    optimizer.saveOwnVariables(store);
    await expect(optimizer.invoke({ variables: [variable], reward: 0.1 }, { signal: controller.signal })).rejects.toThrow();
    const after: Record<string, unknown> = {};
    optimizer.saveOwnVariables(after);
    expect(after["1"]).toEqual(store["1"]);
    expect(variable.get("instructions")).toBe(SEED_INSTRUCTIONS);
  });

  it("lets a spent model budget stop the step instead of recording it as a bad proposal", async () => {
    const model = new ScriptedLanguageModel({
      respond: () => {
        throw new BudgetExceededError("maxCalls", 3, 3, "3 optimizer calls");
      },
    });
    const optimizer = new InstructionOptimizer({ languageModel: model, numCandidates: 1 });
    const variable = promptVariable();
    await expect(optimizer.invoke({ variables: [variable], reward: 0.1 })).rejects.toThrow(BudgetExceededError);
    expect(optimizer.leaderboard()).toEqual([]);
    expect(variable.get("instructions")).toBe(SEED_INSTRUCTIONS);
  });

  it("rejects bad options with typed errors that say how to fix them", () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    expect(() => new InstructionOptimizer({ languageModel: model, numCandidate: 3 } as never)).toThrow(UnknownArgumentError);
    expect(() => new InstructionOptimizer({} as never)).toThrow(/needs `languageModel`/);
    expect(() => new InstructionOptimizer({ languageModel: model, numCandidates: 0 })).toThrow(OptimizerOptionError);
    expect(() => new InstructionOptimizer({ languageModel: model, seed: 1.5 })).toThrow(/seed/);
    expect(
      () =>
        new InstructionOptimizer({
          languageModel: model,
          schema: { type: "object", properties: { count: { type: "integer" } } },
        }),
    ).toThrow(/'count' is not/);
    expect(() => new InstructionOptimizer({ languageModel: model, temperature: -1 })).toThrow(/temperature/);
  });

  it("rewrites any set of string keys given by its schema", async () => {
    const schema = {
      type: "object",
      properties: { persona: { type: "string" }, instructions: { type: "string" } },
      required: ["persona", "instructions"],
    };
    const model = new ScriptedLanguageModel({
      respond: () => ({ persona: "A careful critic.", instructions: GOOD_INSTRUCTIONS }),
    });
    const optimizer = new InstructionOptimizer({ languageModel: model, schema });
    const variable = new Variable({ name: "two", schema, value: { persona: "A critic.", instructions: SEED_INSTRUCTIONS } });
    await optimizer.invoke({ variables: [variable], reward: 0 });
    expect(variable.json()).toEqual({ persona: "A careful critic.", instructions: GOOD_INSTRUCTIONS });
    expect(model.calls[0]?.request?.schema.properties).toHaveProperty("persona");
  });

  it("refuses invoke input that is not a list of variables", async () => {
    const optimizer = new InstructionOptimizer({ languageModel: new ScriptedLanguageModel({ respond: () => ({}) }) });
    await expect(optimizer.invoke({ variables: "prompt" } as never)).rejects.toThrow(OptimizerInputError);
  });
});
