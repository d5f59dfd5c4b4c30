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
    expect(best?.values).toEqual({ prompt: { instructions: GOOD_INSTRUCTIONS } });
    expect(best?.validationScore).toBe(1);
  });

  it("proposes the fix only when the meta-prompt shows failing examples, with scores on 0–100", async () => {
    const { model, run } = setup();
    await trainSteps({ ...run, maxSteps: 1 });
    const prompt = model.calls[0]?.messages.at(-1)?.content ?? "";
    expect(prompt).toContain(SEED_INSTRUCTIONS);
    expect(prompt).toMatch(/Score: 75\b/);
    expect(prompt.match(/^Example \d+:/gm)).toHaveLength(3);
    expect(prompt).toMatch(/^This prompt's output: (positive|negative)$/m);
  });

  it("finalize keeps the best validated program, not the newest proposal", async () => {
    const { optimizer, variable, run } = setup();
    await trainSteps(run);
    // The stand-in drifts to a worse text once the good one is known; put the worst candidate in place.
    variable.update({ instructions: BAD_INSTRUCTIONS });
    await finalize(run);
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
    expect(accuracy(variable.json(), valset)).toBe(1);
    // Without a validation set, the noise-aware training score decides.
    variable.update({ instructions: BAD_INSTRUCTIONS });
    await optimizer.finalizeVariableValues([variable], {});
    expect(variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
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
      await trainSteps(run);
      await finalize(run);
    }
    const strip = (o: InstructionOptimizer) => o.leaderboard().map(({ optimizer: _o, ...rest }) => rest);
    expect(strip(second.optimizer)).toEqual(strip(first.optimizer));
    expect(second.variable.json()).toEqual(first.variable.json());
    expect(second.model.calls).toEqual(first.model.calls);
  });

  it("state saved mid-run and loaded into a fresh optimizer continues to the same result", async () => {
    const straight = setup({ name: "opro" });
    await trainSteps(straight.run);
    await finalize(straight.run);

    const resumed = setup({ name: "opro" });
    await trainSteps({ ...resumed.run, maxSteps: 2 });
    const store: Record<string, unknown> = {};
    resumed.optimizer.saveOwnVariables(store);
    const fresh = new InstructionOptimizer({ languageModel: resumed.model, seed: 7, name: "opro" });
    fresh.loadOwnVariables(JSON.parse(JSON.stringify(store)) as Record<string, unknown>);
    const rest = { ...resumed.run, optimizer: fresh, fromStep: 2 };
    await trainSteps(rest);
    await finalize(rest);

    expect(fresh.iterations.get("iteration")).toBe(3);
    expect(resumed.variable.json()).toEqual(straight.variable.json());
    expect(fresh.leaderboard()).toEqual(straight.optimizer.leaderboard());
  });

  it("says up front that a step needs an evaluator, and how to give one, changing nothing", async () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    const optimizer = new InstructionOptimizer({ languageModel: model });
    const variable = promptVariable();
    const predictions = await sentimentEvaluator(variable.name)({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("p", 4));
    await expect(optimizer.invoke({ variables: [variable], predictions })).rejects.toThrow(/context.evaluate[\s\S]*ProgramEvaluator/);
    expect(model.calls).toHaveLength(0);
    expect(optimizer.iterations.get("iteration")).toBe(0);
    expect(variable.get("instructions")).toBe(SEED_INSTRUCTIONS);
  });

  it("asks for no more proposals than the metric budget can score, and says it is done when none can be", async () => {
    let version = 0;
    const model = new ScriptedLanguageModel({ respond: () => ({ instructions: `Classify the review, version ${++version}.` }) });
    const optimizer = new InstructionOptimizer({ languageModel: model, maxMetricCalls: 20 });
    const variable = promptVariable();
    const evaluate = cachedEvaluator(sentimentEvaluator(variable.name));
    const stops: string[] = [];
    const batch = reviews("m", 8);
    const callsPerStep: number[] = [];
    for (let step = 0; step < 4; step++) {
      const before = model.calls.length;
      const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, batch);
      await optimizer.applyOptimization([variable], undefined, { predictions, evaluate, stopTraining: (reason) => void stops.push(reason) });
      callsPerStep.push(model.calls.length - before);
    }
    // Each proposal costs 8 runs on the batch: 20 runs pay for two; the step that cannot pay asks for nothing.
    expect(optimizer.metricCalls).toBeLessThanOrEqual(20);
    expect(callsPerStep).toEqual([2, 0, 0, 0]);
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatch(/its own maxMetricCalls=20 cannot pay for another proposal/);
    expect(optimizer.stopReason).toMatch(/maxMetricCalls/);
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
    const evaluate = sentimentEvaluator(variable.name);
    const predictions = await evaluate({ templated: variable.json() as unknown as Record<string, unknown> }, reviews("r", 4));
    await optimizer.invoke({ variables: [variable], predictions, context: { evaluate } });
    expect(model.calls).toHaveLength(2);
    expect(model.calls[1]?.messages.at(-1)?.content).toContain("{text}");
    expect(variable.get("instructions")).toBe("Label {text} as positive or negative; beware of sarcasm.");
    expect(optimizer.proposalStats().failed).toBe(0);
  });

  it("counts proposals that stay broken after repair or fail in the model by reason, without crashing", async () => {
    let call = 0;
    const model = new ScriptedLanguageModel({
      respond: () => {
        call += 1;
        if (call === 1) return { instructions: "Use {question} and {{literal}} braces." };
        if (call === 2) return { instructions: "Still {invented}." };
        throw new StructuredOutputError("no valid JSON", { raw: "Sorry, I cannot", issues: [{ path: "", message: "not JSON: prose" }], attempts: 3 });
      },
    });
    const optimizer = new InstructionOptimizer({ languageModel: model, numCandidates: 1 });
    const variable = promptVariable();
    const evaluate = sentimentEvaluator(variable.name);
    const before = variable.json();
    for (let i = 0; i < 2; i++) {
      const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("x", 4));
      await optimizer.invoke({ variables: [variable], predictions, context: { evaluate } });
    }
    expect(variable.json()).toEqual(before);
    const stats = optimizer.proposalStats();
    expect(stats).toMatchObject({ proposals: 2, failed: 2, rejected: { placeholders: 1, "not-json": 1 } });
    expect(stats.latestFailure).toMatch(/placeholders: rejected after repair.*\{invented\}/);
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
    const evaluate = sentimentEvaluator(variable.name);
    const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("a", 4));
    await expect(
      optimizer.invoke({ variables: [variable], predictions, context: { evaluate } }, { signal: controller.signal }),
    ).rejects.toThrow();
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
    const evaluate = sentimentEvaluator(variable.name);
    const predictions = await evaluate({ prompt: variable.json() as unknown as Record<string, unknown> }, reviews("b", 4));
    await expect(optimizer.invoke({ variables: [variable], predictions, context: { evaluate } })).rejects.toThrow(BudgetExceededError);
    expect(optimizer.leaderboard().map((c) => c.origin)).toEqual(["seed"]);
    expect(variable.get("instructions")).toBe(SEED_INSTRUCTIONS);
  });

  it("rejects bad options with typed errors that say how to fix them", () => {
    const model = new ScriptedLanguageModel({ respond: rewriterResponder() });
    expect(() => new InstructionOptimizer({ languageModel: model, numCandidate: 3 } as never)).toThrow(UnknownArgumentError);
    expect(() => new InstructionOptimizer({} as never)).toThrow(/needs `languageModel`.*fromChatModel\(new ChatOpenAI/);
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

  it("treats each string key of its schema as a component: one per step in turn, or all at once", async () => {
    const schema = {
      type: "object",
      properties: { persona: { type: "string" }, instructions: { type: "string" } },
      required: ["persona", "instructions"],
    };
    const respond = (_messages: unknown, request?: { schema: { properties?: Record<string, unknown> } }) =>
      Object.fromEntries(Object.keys(request?.schema.properties ?? {}).map((key) => [key, key.includes("persona") ? "A careful critic." : GOOD_INSTRUCTIONS]));
    const run = async (componentSelection: "round-robin" | "all") => {
      const model = new ScriptedLanguageModel({ respond });
      const optimizer = new InstructionOptimizer({ languageModel: model, schema, numCandidates: 1, componentSelection });
      const variable = new Variable({ name: "two", schema, value: { persona: "A critic.", instructions: SEED_INSTRUCTIONS } });
      const evaluate = async (candidate: Record<string, Record<string, unknown>>, examples: readonly { id?: string; input: Record<string, unknown> }[]) =>
        examples.map((e) => ({
          exampleId: e.id ?? "",
          input: e.input,
          output: "",
          score: Object.values(candidate.two ?? {}).filter((v) => v === GOOD_INSTRUCTIONS || v === "A careful critic.").length / 2,
        }));
      const predictions = await evaluate({ two: variable.json() }, reviews("k", 2));
      await optimizer.invoke({ variables: [variable], predictions, context: { evaluate } });
      return { model, variable };
    };
    const single = await run("round-robin");
    expect(Object.keys(single.model.calls[0]?.request?.schema.properties ?? {})).toEqual(["instructions"]);
    expect(single.variable.json()).toEqual({ persona: "A critic.", instructions: GOOD_INSTRUCTIONS });
    const joint = await run("all");
    expect(Object.keys(joint.model.calls[0]?.request?.schema.properties ?? {}).sort()).toEqual(["two_instructions", "two_persona"]);
    expect(joint.variable.json()).toEqual({ persona: "A careful critic.", instructions: GOOD_INSTRUCTIONS });
  });

  it("refuses invoke input that is not a list of variables", async () => {
    const optimizer = new InstructionOptimizer({ languageModel: new ScriptedLanguageModel({ respond: () => ({}) }) });
    await expect(optimizer.invoke({ variables: "prompt" } as never)).rejects.toThrow(OptimizerInputError);
  });
});
