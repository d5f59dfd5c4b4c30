import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cachedEvaluator } from "../../src/optimizers/cached-evaluator.js";
import type { CandidateEvaluator, Example } from "../../src/optimizers/context.js";
import { OptimizerOptionError } from "../../src/optimizers/errors.js";
import { defaultMiproTrials, MiproOptimizer, type MiproOptimizerFields } from "../../src/optimizers/mipro-optimizer.js";
import type { ChatMessage, StructuredRequest } from "../../src/models/types.js";
import { INSTRUCTIONS_SCHEMA, type PromptValue } from "../../src/prompts/schemas.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { fit } from "../../src/training/fit.js";
import { Variable } from "../../src/variables/variable.js";
import { buildProgram, optimizerReply, orders, taskReply } from "../support/order-world.js";
import {
  accuracy,
  answer,
  GOOD_INSTRUCTIONS,
  promptVariable,
  reviews,
  rewriterResponder,
  SARCASM_MARK,
  SEED_INSTRUCTIONS,
  sentimentEvaluator,
  type CountingEvaluator,
} from "./helpers.js";

const trainset = reviews("t", 24);
const valset = reviews("v", 16);

/** The proposer: a dataset summary when asked for one; otherwise the helpers' rewriter (the fix only when a failed sarcastic review is shown). */
function miproResponder(messages: readonly ChatMessage[], request: StructuredRequest | undefined): object {
  if ("summary" in (request?.schema.properties ?? {})) return { summary: "Short product reviews, each labelled positive or negative." };
  return rewriterResponder()(messages, request) as object;
}

/** Like sentimentEvaluator, but the task model ignores demonstrations: only the instructions matter. */
function instructionsOnlyEvaluator(variableName: string): CountingEvaluator {
  const inner = sentimentEvaluator(variableName);
  const evaluate = async (candidate: Record<string, Record<string, unknown>>, examples: readonly Example[]) => {
    evaluate.runs += examples.length;
    return inner({ [variableName]: { ...candidate[variableName], examples: [] } }, examples);
  };
  evaluate.runs = 0;
  return evaluate;
}

interface Setup {
  optimizer: MiproOptimizer;
  model: ScriptedLanguageModel;
  variable: Variable<PromptValue>;
  evaluate: CandidateEvaluator;
  program: CountingEvaluator;
}

function setup(fields: Partial<MiproOptimizerFields> = {}, program: CountingEvaluator = sentimentEvaluator("prompt")): Setup {
  const model = new ScriptedLanguageModel({ respond: miproResponder });
  const optimizer = new MiproOptimizer({ languageModel: model, seed: 4, ...fields });
  return { optimizer, model, variable: promptVariable(), evaluate: cachedEvaluator(program), program };
}

/** A hand-written loop: MIPROv2 draws its own minibatches, so a step needs no batch predictions. */
async function run(s: Setup, steps: number, from = 0): Promise<void> {
  for (let i = from; i < steps && !s.optimizer.stopReason; i++) {
    await s.optimizer.applyOptimization([s.variable], undefined, { evaluate: s.evaluate, trainset, valset });
  }
  await s.optimizer.finalizeVariableValues([s.variable], { evaluate: s.evaluate, valset });
}

describe("MiproOptimizer (MIPROv2)", () => {
  it("raises held-out accuracy: grounded proposals, demonstration sets, and a search over their combinations", async () => {
    const s = setup();
    expect(accuracy(s.variable.json(), valset)).toBe(0.75);
    await run(s, 40);
    expect(s.optimizer.stopReason).toMatch(/all 10 trials done/);
    expect(accuracy(s.variable.json(), valset)).toBe(1);
    const board = s.optimizer.leaderboard();
    expect(board[0]?.validationScore).toBe(1);
    // First call: the dataset summary; then numCandidates − 1 = 5 grounded proposals.
    expect(s.model.calls).toHaveLength(6);
    expect(Object.keys(s.model.calls[0]?.request?.schema.properties ?? {})).toEqual(["summary"]);
    const proposal = s.model.calls[1]?.messages.at(-1)?.content ?? "";
    expect(proposal).toContain("Summary of the dataset: Short product reviews");
    expect(proposal).toContain("Prompt 'prompt' (its instructions). It is the program's only trainable prompt.");
    expect(proposal).toMatch(/Example 1:\nProgram input: .*\nThis prompt's input: .*\nThis prompt's output: /);
    expect(proposal).toContain(`Its current instructions:\n\`\`\`\n${SEED_INSTRUCTIONS}\n\`\`\``);
    const tips = new Set(s.model.calls.slice(1).map((c) => /\nTip: (.*)\n/.exec(c.messages.at(-1)?.content ?? "")?.[1] ?? ""));
    expect(tips.size).toBeGreaterThan(1);
  });

  it("changes the instructions, not only the demonstrations, when the instructions are what matters", async () => {
    const s = setup({}, instructionsOnlyEvaluator("prompt"));
    await run(s, 40);
    expect(s.variable.get("instructions")).toBe(GOOD_INSTRUCTIONS);
    const best = s.optimizer.leaderboard()[0];
    expect(best?.validationScore).toBe(1);
    expect(best?.changed).toContain("prompt.instructions");
    expect(best?.origin).toBe("proposal");
  });

  it("finds a demonstration set when no instruction can help: bootstrapped from the program's own runs, or labelled", async () => {
    // A proposer that never mentions sarcasm: only a demonstration of a subtle sarcastic review labelled negative helps.
    const model = new ScriptedLanguageModel({
      respond: (_messages, request) =>
        "summary" in (request?.schema.properties ?? {}) ? { summary: "Reviews." } : { instructions: "Decide whether the review is positive or negative." },
    });
    const s: Setup = { ...setup(), model, optimizer: new MiproOptimizer({ languageModel: model, seed: 2, numTrials: 30 }) };
    await run(s, 60);
    const value = s.variable.json();
    expect(accuracy(value, valset)).toBe(1);
    expect(value.examples.some((d) => String(d.input.text).includes(SARCASM_MARK) && !String(d.input.text).includes("#sarcasm"))).toBe(true);
    for (const demo of value.examples) expect(demo.output).toBe(answer({ instructions: GOOD_INSTRUCTIONS }, String(demo.input.text)));
  });

  it("asks for no proposal the budget could not try, and pays no program run beyond its own maxMetricCalls", async () => {
    // 16 for the seed on the valset, then the bootstrap minibatch and one trial must fit: they do not in 20.
    const small = setup({ maxMetricCalls: 20 });
    await run(small, 5);
    expect(small.model.calls).toHaveLength(0);
    expect(small.optimizer.stopReason).toMatch(/its own maxMetricCalls=20 cannot pay for bootstrapping and one trial/);
    expect(small.program.runs).toBeLessThanOrEqual(20);

    for (const limit of [60, 90, 130]) {
      const s = setup({ maxMetricCalls: limit });
      await run(s, 100);
      expect(s.program.runs).toBeLessThanOrEqual(limit);
      expect(s.optimizer.metricCalls).toBe(s.program.runs);
      expect(s.optimizer.stopReason).toBeDefined();
    }
  });

  it("scales the minibatch down to what the budget can pay for the planned trials", async () => {
    const s = setup({ maxMetricCalls: 130 });
    await s.optimizer.applyOptimization([s.variable], undefined, { evaluate: s.evaluate, trainset, valset });
    const store: Record<string, unknown> = {};
    s.optimizer.saveOwnVariables(store);
    // 130 − 16 (seed) − 3 full evaluations × 16 = 66 runs for the bootstrap and 10 trials: 6 a minibatch.
    expect((store["2"] as { minibatchSize: number }).minibatchSize).toBe(6);
    expect(setup().optimizer.estimateStepCost({ trainSize: 24, valSize: 16, batchSize: 8, components: 2 })).toMatchObject({
      metricCalls: expect.closeTo(24 + 16 / 5 + 24 / 10, 5),
      optimizerCalls: 0.6,
    });
  });

  it("plans DSPy's default number of trials: max(2 · v · log2 N, 1.5 · N)", () => {
    expect(defaultMiproTrials(1, 6, true)).toBe(10);
    expect(defaultMiproTrials(2, 6, true)).toBe(20);
    expect(defaultMiproTrials(1, 6, false)).toBe(9);
    expect(defaultMiproTrials(1, 12, true)).toBe(18);
  });

  it("is reproducible, and resumes from saved state to the same result", async () => {
    const first = setup({ name: "mipro" });
    const second = setup({ name: "mipro" });
    await run(first, 40);
    await run(second, 40);
    expect(second.optimizer.leaderboard()).toEqual(first.optimizer.leaderboard());
    expect(second.model.calls).toEqual(first.model.calls);

    const interrupted = setup({ name: "mipro" });
    for (let i = 0; i < 4; i++) {
      await interrupted.optimizer.applyOptimization([interrupted.variable], undefined, { evaluate: interrupted.evaluate, trainset, valset });
    }
    const store: Record<string, unknown> = {};
    interrupted.optimizer.saveOwnVariables(store);
    const resumed: Setup = { ...interrupted, optimizer: new MiproOptimizer({ languageModel: interrupted.model, seed: 4, name: "mipro" }) };
    resumed.optimizer.loadOwnVariables(JSON.parse(JSON.stringify(store)) as Record<string, unknown>);
    await run(resumed, 40, 4);
    expect(resumed.variable.json()).toEqual(first.variable.json());
    expect(resumed.optimizer.leaderboard()).toEqual(first.optimizer.leaderboard());
    expect(resumed.optimizer.metricCalls).toBe(first.optimizer.metricCalls);
    expect(resumed.optimizer.proposalStats()).toEqual(first.optimizer.proposalStats());
  });

  it("a step aborted midway leaves its search memory and its pool as they were", async () => {
    const controller = new AbortController();
    let calls = 0;
    const model = new ScriptedLanguageModel({
      respond: (messages, request) => {
        if (++calls === 3) controller.abort();
        return miproResponder(messages, request);
      },
    });
    const s: Setup = { ...setup(), model, optimizer: new MiproOptimizer({ languageModel: model, seed: 4 }) };
    const before: Record<string, unknown> = {};
    s.optimizer.saveOwnVariables(before);
    await expect(
      s.optimizer.applyOptimization([s.variable], undefined, { evaluate: s.evaluate, trainset, valset, signal: controller.signal }),
    ).rejects.toThrow();
    const after: Record<string, unknown> = {};
    s.optimizer.saveOwnVariables(after);
    // The pool state and the search memory (the base's iteration counter counts the step that was started).
    expect([after["1"], after["2"]]).toEqual([before["1"], before["2"]]);
    expect(s.variable.json()).toEqual(promptVariable().json());
  });

  it("routes to prompt variables ({instructions, examples}), round-trips its config, and checks its options", () => {
    const model = new ScriptedLanguageModel({ respond: miproResponder });
    const optimizer = new MiproOptimizer({ languageModel: model, auto: "medium", seed: 9, maxMetricCalls: 300 });
    expect(optimizer.matches(promptVariable())).toBe(true);
    expect(optimizer.matches(new Variable({ name: "text", schema: INSTRUCTIONS_SCHEMA, value: { instructions: "x" } }))).toBe(false);
    const tool = new Variable({
      name: "tool",
      schema: { type: "object", properties: { description: { type: "string" } }, required: ["description"] },
      value: { description: "x" },
    });
    expect(optimizer.matches(tool)).toBe(false);
    expect(optimizer.numCandidates).toBe(12);
    expect(optimizer.variables).toHaveLength(3);
    const config = optimizer.getConfig();
    expect(config).toMatchObject({ auto: "medium", numCandidates: 12, minibatchSize: 35, fullEvalEvery: 5, seed: 9, maxMetricCalls: 300 });
    const Class = MiproOptimizer as unknown as { fromConfig(config: Record<string, unknown>): MiproOptimizer };
    const rebuilt = Class.fromConfig({ ...config, languageModel: model, name: "copy" });
    expect({ ...rebuilt.getConfig(), name: config.name }).toEqual(config);
    const instructionsOnly = new MiproOptimizer({ languageModel: model, schema: INSTRUCTIONS_SCHEMA });
    expect(instructionsOnly.matches(new Variable({ name: "text", schema: INSTRUCTIONS_SCHEMA, value: { instructions: "x" } }))).toBe(true);
    expect(() => new MiproOptimizer({ languageModel: model, auto: "huge" as never })).toThrow(OptimizerOptionError);
    expect(() => new MiproOptimizer({ languageModel: model, fullEvalEvery: 0 })).toThrow(/fullEvalEvery/);
    expect(() => new MiproOptimizer({ languageModel: undefined as never })).toThrow(/languageModel/);
  });
});

describe("MiproOptimizer on a two-prompt chain", () => {
  let server: OpenAICompatibleServer;
  beforeEach(async () => {
    server = await startOpenAICompatibleServer({ handler: taskReply });
  });
  afterEach(async () => {
    await server.close();
  });

  it("proposes per prompt from each prompt's own trace and finds the combination that needs both", async () => {
    const { program, extract, answer: answerPrompt } = buildProgram(server);
    const model = new ScriptedLanguageModel({ respond: optimizerReply });
    const result = await fit(program, {
      trainset: orders("tr", 12),
      valset: orders("va", 6),
      reward: exactMatch(),
      optimizers: new MiproOptimizer({ languageModel: model, seed: 1 }),
      maxMetricCalls: 240,
      progress: false,
    });
    expect(result.record.initialValScore).toBe(0);
    expect(result.best.valScore).toBe(1);
    expect(extract.variable.get("instructions")).toMatch(/currency/);
    expect(answerPrompt.variable.get("instructions")).toMatch(/currency/);
    expect(result.metricCalls.used).toBeLessThanOrEqual(240);
    // Each proposal shows the program's structure and the prompt's own inputs and outputs.
    const aboutExtract = model.calls.find((c) => c.messages.some((m) => /Prompt 'extract' \(its instructions\)/.test(m.content)));
    const text = aboutExtract?.messages.map((m) => m.content).join("\n") ?? "";
    expect(text).toContain("The program's prompts, in the order they run:\n1. 'extract', asked \"Order: {order}\"; its output feeds 'answer'.");
    expect(text).toMatch(/This prompt's output: quantity=\d+; price=\d+/);
  });
});
