// The seed contract of MiproOptimizer, SimbaOptimizer and RandomSearchOptimizer inside fit: a run is reproducible
// from its seed, a run stopped after a step and resumed from its checkpoint ends exactly like an uninterrupted
// one, and the task model never answers more program runs than maxMetricCalls allows.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatMessage, StructuredRequest } from "../../src/models/types.js";
import { MiproOptimizer } from "../../src/optimizers/mipro-optimizer.js";
import type { Optimizer } from "../../src/optimizers/optimizer.js";
import { RandomSearchOptimizer } from "../../src/optimizers/random-search-optimizer.js";
import { SimbaOptimizer } from "../../src/optimizers/simba-optimizer.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";
import { fit } from "../../src/training/fit.js";
import { isSarcastic, SentimentChatModel, sentimentData } from "../training/support/sentiment.js";

const HINT = "Classify the review. Watch for sarcasm: praise around a complaint is negative.";
const SEED = "Classify the review.";

/** True when a block of the request shows a sarcastic review that scored 0. */
function failedSarcasm(blocks: readonly string[]): boolean {
  return blocks.some((block) => isSarcastic(block) && /Score: 0\/100/.test(block));
}

/** Stateless stand-ins (their answer is a function of the request), so a resumed run gets the answers the first one got. */
const RESPONDERS: Record<string, (messages: readonly ChatMessage[], request: StructuredRequest | undefined) => object> = {
  mipro: (messages, request) => {
    if ("summary" in (request?.schema.properties ?? {})) return { summary: "Short product reviews labelled positive or negative." };
    const text = messages.map((m) => m.content).join("\n");
    return { instructions: failedSarcasm(text.split(/\nExample \d+:\n/).slice(1)) ? HINT : "Classify the review carefully." };
  },
  simba: (messages, request) => {
    const text = messages.map((m) => m.content).join("\n");
    const worse = /\nWorse run:\n([\s\S]*?)\n\nBetter run:/.exec(text)?.[1] ?? "";
    const advice = failedSarcasm([worse]) ? "If praise surrounds a complaint, it is sarcasm: answer negative." : "";
    return Object.fromEntries(Object.keys(request?.schema.properties ?? {}).map((p) => [p, advice]));
  },
  "random-search": (messages) => {
    const text = /Text to reword:\n```\n([\s\S]*?)\n```/.exec(messages.at(-1)?.content ?? "")?.[1] ?? "";
    const chain = [SEED, "Label the review.", "Decide if the review is positive or negative.", "Classify the review; mind the sarcasm."];
    return { instructions: chain[(chain.indexOf(text) + 1) % chain.length] };
  },
};

function optimizerFor(kind: string, model: ScriptedLanguageModel): Optimizer {
  const fields = { languageModel: model, seed: 8, name: kind.replace("-", "_") };
  if (kind === "mipro") return new MiproOptimizer(fields);
  if (kind === "simba") return new SimbaOptimizer(fields);
  return new RandomSearchOptimizer(fields);
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tunechain-new-optimizers-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runFit(kind: string, options: { maxMetricCalls: number; checkpoint?: string; resume?: boolean; abortAfterStep?: number }) {
  const prompt = new TrainablePrompt({ name: "sentiment", instructions: SEED, messages: "Review: {review}" });
  const task = new SentimentChatModel({});
  const program = prompt.pipe(task).pipe(new StringOutputParser());
  const model = new ScriptedLanguageModel({ respond: RESPONDERS[kind]! });
  const controller = new AbortController();
  const { trainset, valset } = sentimentData();
  const result = await fit(program, {
    trainset,
    valset,
    reward: exactMatch(),
    optimizers: optimizerFor(kind, model),
    maxMetricCalls: options.maxMetricCalls,
    batchSize: 4,
    seed: 5,
    progress: false,
    signal: controller.signal,
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    ...(options.resume ? { resume: true } : {}),
    hooks: {
      onBatchEnd: (entry) => {
        if (entry.step === options.abortAfterStep) controller.abort();
      },
    },
  });
  return { result, prompt, task, model };
}

/** What must be equal between two runs that should be the same run. */
function outcome(run: Awaited<ReturnType<typeof runFit>>) {
  const { result } = run;
  return {
    history: result.history,
    best: result.best,
    status: result.status,
    stoppedBy: result.stoppedBy,
    metricCalls: result.metricCalls,
    proposals: result.proposals,
    leaderboard: result.record.leaderboard,
  };
}

describe.each(["mipro", "simba", "random-search"])("%s inside fit", (kind) => {
  it("improves the held-out score, reproducibly from its seed, within maxMetricCalls", async () => {
    const first = await runFit(kind, { maxMetricCalls: 120 });
    const second = await runFit(kind, { maxMetricCalls: 120 });
    expect(outcome(second)).toEqual(outcome(first));
    expect(second.model.calls).toEqual(first.model.calls);
    const { result, task, prompt } = first;
    expect(result.best.valScore).toBeGreaterThan(result.record.initialValScore ?? 1);
    // What the task model reads sarcasm from: the instructions, or a demonstration of a sarcastic review labelled negative.
    const value = prompt.variable.json() as { instructions: string; examples: { input: { review?: string }; output: unknown }[] };
    const demonstrated = value.examples.some((d) => isSarcastic(String(d.input.review ?? "")) && d.output === "negative");
    expect(/sarcasm/.test(value.instructions) || demonstrated).toBe(true);
    // Every program run is one task-model call: the model answered exactly what was paid, within the budget.
    expect(result.metricCalls.used).toBeLessThanOrEqual(120);
    expect(task.calls).toBe(result.metricCalls.used);
  });

  it("resumed from the checkpoint of a run stopped after step 2, ends exactly like the uninterrupted run", async () => {
    const uninterrupted = await runFit(kind, { maxMetricCalls: 120 });
    const checkpoint = join(dir, `${kind}.ckpt.json`);
    const stopped = await runFit(kind, { maxMetricCalls: 120, checkpoint, abortAfterStep: 2 });
    expect(stopped.result.status).toBe("aborted");
    expect(stopped.result.history).toHaveLength(2);
    const resumed = await runFit(kind, { maxMetricCalls: 120, checkpoint, resume: true });
    expect(outcome(resumed)).toEqual(outcome(uninterrupted));
    expect(resumed.prompt.variable.json()).toEqual(uninterrupted.prompt.variable.json());
    // Nothing was paid twice: the two halves ran the task model as often as the uninterrupted run.
    expect(stopped.task.calls + resumed.task.calls).toBe(uninterrupted.task.calls);
  });
});
