import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatMessage, StructuredRequest } from "../../src/models/types.js";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import type { CandidateEvaluator } from "../../src/optimizers/context.js";
import { OptimizerOptionError } from "../../src/optimizers/errors.js";
import { SimbaOptimizer, type SimbaOptimizerFields } from "../../src/optimizers/simba-optimizer.js";
import { INSTRUCTIONS_SCHEMA, type PromptValue } from "../../src/prompts/schemas.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";
import { fit } from "../../src/training/fit.js";
import { Variable } from "../../src/variables/variable.js";
import { buildProgram, orders, taskReply } from "../support/order-world.js";
import { accuracy, promptVariable, reviews, SARCASM_MARK, SEED_INSTRUCTIONS, sentimentEvaluator, type CountingEvaluator } from "./helpers.js";

const trainset = reviews("t", 24);
const valset = reviews("v", 16);
const ADVICE = "If the review praises something that broke, the praise is sarcasm: the review is negative.";

/** The runs a rule request shows, by heading: each block up to the next heading. */
function runsShown(text: string): { worse: string; better: string } {
  const worse = /\nWorse run:\n([\s\S]*?)\n\nBetter run:/.exec(text)?.[1] ?? "";
  const better = /\nBetter run:\n([\s\S]*?)\n\nFor each prompt/.exec(text)?.[1] ?? "";
  return { worse, better };
}

/** Advice only when the worse run shows a subtle sarcastic review read wrong; an empty string otherwise. */
function ruleResponder(messages: readonly ChatMessage[], request: StructuredRequest | undefined): object {
  const text = messages.map((m) => m.content).join("\n");
  const { worse } = runsShown(text);
  const failedSarcasm = worse.includes(SARCASM_MARK) && !worse.includes("#sarcasm") && /Score: 0\/100/.test(worse);
  const properties = Object.keys(request?.schema.properties ?? {});
  return Object.fromEntries(properties.map((p) => [p, failedSarcasm ? ADVICE : ""]));
}

interface Setup {
  optimizer: SimbaOptimizer;
  model: ScriptedLanguageModel;
  variable: Variable<PromptValue>;
  evaluate: CandidateEvaluator;
  program: CountingEvaluator;
}

function setup(fields: Partial<SimbaOptimizerFields> = {}, respond = ruleResponder): Setup {
  const model = new ScriptedLanguageModel({ respond });
  const program = sentimentEvaluator("prompt");
  return {
    optimizer: new SimbaOptimizer({ languageModel: model, seed: 3, ...fields }),
    model,
    variable: promptVariable(),
    evaluate: cachedEvaluator(program),
    program,
  };
}

async function run(s: Setup, steps: number, from = 0): Promise<void> {
  for (let i = from; i < steps && !s.optimizer.stopReason; i++) {
    await s.optimizer.applyOptimization([s.variable], undefined, { evaluate: s.evaluate, trainset, valset });
  }
  await s.optimizer.finalizeVariableValues([s.variable], { evaluate: s.evaluate, valset });
}

describe("SimbaOptimizer (SIMBA)", () => {
  it("raises held-out accuracy by appending a rule written from a worse run", async () => {
    const s = setup();
    expect(accuracy(s.variable.json(), valset)).toBe(0.75);
    await run(s, 4);
    expect(accuracy(s.variable.json(), valset)).toBe(1);
    expect(s.variable.get("instructions")).toBe(`${SEED_INSTRUCTIONS}\n\n${ADVICE}`);
    const request = s.model.calls[0]?.messages.at(-1)?.content ?? "";
    expect(request).toContain(`Prompt 'prompt' (its instructions). It is the program's only trainable prompt.\nIts current instructions:\n\`\`\`\n${SEED_INSTRUCTIONS}\n\`\`\``);
    expect(Object.keys(s.model.calls[0]?.request?.schema.properties ?? {})).toEqual(["prompt"]);
  });

  it("ranks examples by the spread of their runs: a rule request then contrasts a better and a worse run", async () => {
    const s = setup({ maxDemos: 0 });
    await run(s, 3);
    const contrasts = s.model.calls
      .map((c) => runsShown(c.messages.at(-1)?.content ?? ""))
      .filter((r) => r.worse.includes("Program input") && r.better.includes("Program input"));
    expect(contrasts.length).toBeGreaterThan(0);
    for (const { worse, better } of contrasts) {
      // The same example, run by two programs that scored differently on it.
      expect(worse.split("\n")[0]).toBe(better.split("\n")[0]);
      expect(worse).toMatch(/Score: 0\/100/);
      expect(better).toMatch(/Score: 100\/100/);
    }
  });

  it("appends a successful run as a demonstration when no rule comes", async () => {
    const s = setup({}, (_messages, request) => Object.fromEntries(Object.keys(request?.schema.properties ?? {}).map((p) => [p, ""])));
    await run(s, 6);
    const value = s.variable.json();
    expect(value.instructions).toBe(SEED_INSTRUCTIONS);
    expect(value.examples.length).toBeGreaterThan(0);
    // Each demonstration is what the prompt received and produced in a run that scored 1.
    for (const demo of value.examples) expect(Object.keys(demo.input)).toEqual(["text"]);
    expect(accuracy(value, valset)).toBe(1);
    expect(s.optimizer.leaderboard().find((c) => c.values.prompt?.examples === value.examples || c.origin === "demos")).toBeDefined();
    expect(s.optimizer.proposalStats().rejected["no-evidence"]).toBeGreaterThan(0);
  });

  it("pays no program run beyond its own maxMetricCalls and asks for no rule it could not score", async () => {
    for (const limit of [10, 25, 60]) {
      const s = setup({ maxMetricCalls: limit });
      await run(s, 30);
      expect(s.program.runs).toBeLessThanOrEqual(limit);
      expect(s.optimizer.metricCalls).toBe(s.program.runs);
      expect(s.optimizer.stopReason).toMatch(/maxMetricCalls/);
    }
    // 10 runs cannot pay for the sampled runs and one new program on a minibatch of 6: nothing is asked.
    const tiny = setup({ maxMetricCalls: 10 });
    await run(tiny, 3);
    expect(tiny.model.calls).toHaveLength(0);
  });

  it("plans its minibatch from the budget, at least numCandidates examples, at most 32 or the trainset", async () => {
    const planned = async (maxMetricCalls?: number) => {
      const s = setup(maxMetricCalls ? { maxMetricCalls } : {});
      await s.optimizer.applyOptimization([s.variable], undefined, { evaluate: s.evaluate, trainset, valset });
      const store: Record<string, unknown> = {};
      s.optimizer.saveOwnVariables(store);
      return (store["2"] as { minibatchSize: number }).minibatchSize;
    };
    expect(await planned()).toBe(24);
    expect(await planned(640)).toBe(10);
    expect(await planned(100)).toBe(6);
    expect(setup().optimizer.estimateStepCost({ trainSize: 40, valSize: 20, batchSize: 8, components: 2 })).toEqual({
      metricCalls: 32 * 8,
      optimizerCalls: 3,
    });
  });

  it("is reproducible, and resumes from saved state to the same result", async () => {
    const first = setup({ name: "simba" });
    const second = setup({ name: "simba" });
    await run(first, 5);
    await run(second, 5);
    expect(second.optimizer.leaderboard()).toEqual(first.optimizer.leaderboard());
    expect(second.model.calls).toEqual(first.model.calls);

    const interrupted = setup({ name: "simba" });
    for (let i = 0; i < 2; i++) {
      await interrupted.optimizer.applyOptimization([interrupted.variable], undefined, { evaluate: interrupted.evaluate, trainset, valset });
    }
    const store: Record<string, unknown> = {};
    interrupted.optimizer.saveOwnVariables(store);
    const resumed: Setup = { ...interrupted, optimizer: new SimbaOptimizer({ languageModel: interrupted.model, seed: 3, name: "simba" }) };
    resumed.optimizer.loadOwnVariables(JSON.parse(JSON.stringify(store)) as Record<string, unknown>);
    await run(resumed, 5, 2);
    expect(resumed.variable.json()).toEqual(first.variable.json());
    expect(resumed.optimizer.leaderboard()).toEqual(first.optimizer.leaderboard());
    expect(resumed.optimizer.metricCalls).toBe(first.optimizer.metricCalls);
  });

  it("routes to prompt variables, round-trips its config, and checks its options", () => {
    const model = new ScriptedLanguageModel({ respond: ruleResponder });
    const optimizer = new SimbaOptimizer({ languageModel: model, numCandidates: 4, seed: 2 });
    expect(optimizer.matches(promptVariable())).toBe(true);
    expect(optimizer.matches(new Variable({ name: "t", schema: INSTRUCTIONS_SCHEMA, value: { instructions: "x" } }))).toBe(false);
    expect(optimizer.variables).toHaveLength(3);
    const config = optimizer.getConfig();
    expect(config).toMatchObject({ minibatchSize: 32, numCandidates: 4, maxDemos: 4, temperatureForSampling: 0.2, seed: 2 });
    const Class = SimbaOptimizer as unknown as { fromConfig(config: Record<string, unknown>): SimbaOptimizer };
    const rebuilt = Class.fromConfig({ ...config, languageModel: model, name: "copy" });
    expect({ ...rebuilt.getConfig(), name: config.name }).toEqual(config);
    expect(() => new SimbaOptimizer({ languageModel: model, temperatureForSampling: 0 })).toThrow(OptimizerOptionError);
    expect(() => new SimbaOptimizer({ languageModel: model, numCandidates: 0 })).toThrow(/numCandidates/);
  });
});

describe("SimbaOptimizer on a two-prompt chain", () => {
  let server: OpenAICompatibleServer;
  beforeEach(async () => {
    server = await startOpenAICompatibleServer({ handler: taskReply });
  });
  afterEach(async () => {
    await server.close();
  });

  /** Advice per prompt from that prompt's own output in the worse run: keep or write the currency the expected answer has. */
  function currencyAdvice(messages: readonly ChatMessage[], request: StructuredRequest | undefined): object {
    const text = messages.map((m) => m.content).join("\n");
    const { worse } = runsShown(text);
    const expected = /^Expected answer: (.*)$/m.exec(worse)?.[1] ?? "";
    const currency = /\b([A-Z]{3})"?$/.exec(expected)?.[1];
    const own = (name: string) => new RegExp(`^Prompt '${name}' output: (.*)$`, "m").exec(worse)?.[1] ?? "";
    const advice: Record<string, string> = {};
    for (const property of Object.keys(request?.schema.properties ?? {})) {
      const lacks = currency !== undefined && own(property) !== "" && !own(property).includes(currency);
      advice[property] = !lacks ? "" : property === "extract" ? "Keep the currency of the price in the facts." : "End the answer with the currency code.";
    }
    return advice;
  }

  it("one rule request advises every prompt from its own trace in the worse run", async () => {
    const { program, extract, answer } = buildProgram(server);
    const model = new ScriptedLanguageModel({ respond: currencyAdvice });
    const result = await fit(program, {
      trainset: orders("tr", 12),
      valset: orders("va", 6),
      reward: exactMatch(),
      optimizers: new SimbaOptimizer({ languageModel: model, seed: 1, maxDemos: 0 }),
      maxMetricCalls: 150,
      progress: false,
    });
    expect(result.record.initialValScore).toBe(0);
    expect(result.best.valScore).toBe(1);
    expect(extract.variable.get("instructions")).toMatch(/\n\nKeep the currency of the price in the facts\.$/);
    expect(answer.variable.get("instructions")).toMatch(/\n\nEnd the answer with the currency code\.$/);
    expect(Object.keys(model.calls[0]?.request?.schema.properties ?? {})).toEqual(["extract", "answer"]);
    expect(result.metricCalls.used).toBeLessThanOrEqual(150);
  });
});
