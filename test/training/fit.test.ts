import { StringOutputParser } from "@langchain/core/output_parsers";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it, vi } from "vitest";
import { createUsageHandler } from "../../src/models/usage-handler.js";
import { UsageLedger } from "../../src/models/usage-ledger.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { fit } from "../../src/training/fit.js";
import { evaluate } from "../../src/training/evaluate.js";
import { DatasetError, TrainingOptionsError } from "../../src/training/errors.js";
import type { TrainingHooks } from "../../src/training/hooks.js";
import { PassThrough } from "node:stream";
import { progressBar } from "../../src/training/progress.js";
import type { Variable } from "../../src/variables/variable.js";
import { HintOptimizer } from "./support/hint-optimizer.js";
import { SentimentChatModel, sentimentData } from "./support/sentiment.js";

function makeChain(name = "sentiment") {
  const prompt = new TrainablePrompt({
    name,
    instructions: "Classify the review as positive or negative. Answer with one word.",
    messages: "Review: {review}",
  });
  const model = new SentimentChatModel({});
  return { prompt, model, chain: prompt.pipe(model).pipe(new StringOutputParser()) };
}

describe("fit", () => {
  it("raises validation accuracy from the seed prompt's to what the scripted model allows", async () => {
    const { chain, prompt } = makeChain();
    const { trainset, valset } = sentimentData();
    const before = await evaluate(chain, { dataset: valset, reward: exactMatch() });
    expect(before.mean).toBeCloseTo(5 / 8); // the 3 sarcastic validation reviews fail

    const optimizer = new HintOptimizer();
    const result = await fit(chain, {
      trainset,
      valset,
      reward: exactMatch(),
      optimizers: [optimizer],
      epochs: 2,
      batchSize: 4,
      seed: 7,
      progress: false,
    });

    expect(result.status).toBe("completed");
    expect(result.record.initialValScore).toBeCloseTo(5 / 8);
    expect(result.best.valScore).toBe(1);
    expect(prompt.variable.get("instructions")).toMatch(/sarcasm/);
    expect(result.history).toHaveLength(6);
    expect(result.history.map((h) => h.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.history[2]!.valReward).toBe(1);
    const after = await evaluate(chain, { dataset: valset, reward: exactMatch() });
    expect(after.mean).toBe(1);
    // Candidates were checked on batches through the cache: repeated (values, example) pairs were free.
    expect(result.cache.hits).toBeGreaterThan(0);
  });

  it("evaluates candidates through config overrides, leaving the shared variable alone until accepted", async () => {
    const { chain, prompt, model } = makeChain();
    const { trainset } = sentimentData();
    const shown: { system: string; variable: string }[] = [];
    model.onCall = ({ system }) => shown.push({ system, variable: prompt.variable.get("instructions") });
    const optimizer = new HintOptimizer();
    await fit(chain, {
      trainset: trainset.filter((e) => e.id!.startsWith("sarcastic")),
      reward: exactMatch(),
      optimizers: optimizer,
      batchSize: 5,
      progress: false,
    });
    // The proposal was run while the shared variable still held the seed: it came through the config.
    const proposalRuns = shown.filter((s) => /sarcasm/.test(s.system));
    expect(proposalRuns).toHaveLength(5);
    expect(proposalRuns.every((s) => !/sarcasm/.test(s.variable))).toBe(true);
    expect(optimizer.memory.get("accepted")).toBe(1);
    expect(prompt.variable.get("instructions")).toMatch(/sarcasm/);
  });

  it("calls the training callbacks in order", async () => {
    const { chain } = makeChain();
    const { trainset, valset } = sentimentData();
    const events: string[] = [];
    const callbacks: TrainingHooks = {
      onTrainBegin: (info) => void events.push(`train-begin ${info.batchesPerEpoch}`),
      onEpochBegin: (epoch) => void events.push(`epoch-begin ${epoch}`),
      onBatchBegin: ({ batch }) => void events.push(`batch-begin ${batch}`),
      onBatchEnd: (entry) => void events.push(`batch-end ${entry.batch}`),
      onEpochEnd: (info) => void events.push(`epoch-end ${info.epoch} ${info.valReward !== undefined}`),
      onTrainEnd: (info) => void events.push(`train-end ${info.status}`),
    };
    await fit(chain, {
      trainset: trainset.slice(0, 6),
      valset: valset.slice(0, 2),
      reward: exactMatch(),
      optimizers: new HintOptimizer(),
      batchSize: 3,
      progress: false,
      hooks: callbacks,
    });
    expect(events).toEqual([
      "train-begin 2",
      "epoch-begin 0",
      "batch-begin 0",
      "batch-end 0",
      "batch-begin 1",
      "batch-end 1",
      "epoch-end 0 true",
      "train-end completed",
    ]);
  });

  it("stops early when validation does not improve for `patience` epochs", async () => {
    const { chain } = makeChain();
    const { trainset, valset } = sentimentData();
    const plainOnly = trainset.filter((e) => e.id!.startsWith("plain"));
    const result = await fit(chain, {
      trainset: plainOnly,
      valset,
      reward: exactMatch(),
      optimizers: new HintOptimizer(),
      epochs: 10,
      batchSize: 7,
      earlyStopping: { patience: 2 },
      progress: false,
    });
    expect(result.status).toBe("early-stopped");
    expect(result.history.filter((h) => h.valReward !== undefined)).toHaveLength(2);
  });

  it("splits a validation set off the trainset when asked", async () => {
    const { chain } = makeChain();
    const { trainset } = sentimentData();
    const result = await fit(chain, {
      trainset,
      validationSplit: 0.25,
      // A reward typed by the chain's output (string here).
      reward: (prediction: string, example) => (prediction.trim() === example.expected ? 1 : 0),
      optimizers: new HintOptimizer(),
      batchSize: 9,
      progress: false,
    });
    expect(result.record.settings).toMatchObject({ trainSize: 9, valSize: 3 });
  });

  it("stops cleanly on abort and finalizes what it has", async () => {
    const { chain } = makeChain();
    const { trainset, valset } = sentimentData();
    const controller = new AbortController();
    const result = await fit(chain, {
      trainset,
      valset,
      reward: exactMatch(),
      optimizers: new HintOptimizer(),
      epochs: 3,
      batchSize: 4,
      signal: controller.signal,
      progress: false,
      hooks: { onBatchEnd: (entry) => void (entry.step === 2 && controller.abort()) },
    });
    expect(result.status).toBe("aborted");
    expect(result.history).toHaveLength(2);
  });

  it("books the chain's own model calls in the ledger and stops cleanly at exactly the budget", async () => {
    const { chain } = makeChain();
    const { trainset } = sentimentData();
    const usage = new UsageLedger();
    const result = await fit(chain, {
      trainset,
      reward: exactMatch(),
      optimizers: new HintOptimizer(),
      batchSize: 2,
      concurrency: 2,
      usage,
      budget: { maxCalls: 5 },
      progress: false,
    });
    expect(result.status).toBe("budget-exhausted");
    // No handler was given: fit attached one, so the task calls were counted and refused past the budget.
    expect(usage.summary().byRole.task?.calls).toBe(5);
    expect(usage.summary().total.calls).toBe(5);
    expect(result.usage.total.calls).toBe(5);
    expect(result.record.settings.stoppedBecause).toMatch(/maxCalls/);
  });

  it("stops one run at a time before the refused model call, so LangChain logs no handler error", async () => {
    const { chain } = makeChain();
    const { trainset } = sentimentData();
    const usage = new UsageLedger();
    const logged: string[] = [];
    const error = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
    const warn = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
    try {
      const result = await fit(chain, {
        trainset,
        reward: exactMatch(),
        optimizers: new HintOptimizer(),
        batchSize: 2,
        concurrency: 1,
        usage,
        budget: { maxCalls: 3 },
        progress: false,
      });
      expect(result.status).toBe("budget-exhausted");
      expect(usage.summary().total.calls).toBe(3);
      expect(logged.filter((line) => line.includes("Error in handler"))).toEqual([]);
    } finally {
      error.mockRestore();
      warn.mockRestore();
    }
  });

  it("does not count a call twice when the caller attached its own usage handler", async () => {
    const { chain } = makeChain();
    const { trainset } = sentimentData();
    const usage = new UsageLedger();
    await fit(chain, {
      trainset: trainset.slice(0, 4),
      reward: exactMatch(),
      optimizers: new HintOptimizer(),
      batchSize: 4,
      usage,
      config: { callbacks: [createUsageHandler({ ledger: usage, role: "task" })] },
      progress: false,
    });
    const counted = usage.summary().byRole.task?.calls ?? 0;
    const fresh = new UsageLedger();
    await fit(makeChain().chain, {
      trainset: trainset.slice(0, 4),
      reward: exactMatch(),
      optimizers: new HintOptimizer(),
      batchSize: 4,
      usage: fresh,
      progress: false,
    });
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBe(fresh.summary().byRole.task?.calls);
  });

  describe("option errors", () => {
    const { trainset } = sentimentData();
    it.each([
      [{ batchSize: 0 }, /batchSize must be a positive integer, got 0/],
      [{ epochs: 1.5 }, /epochs must be a positive integer, got 1.5/],
      [{ validationSplit: 1.2 }, /validationSplit must be between 0 and 1/],
      [{ earlyStopping: { patience: 2 } }, /earlyStopping watches the validation score: give `valset` or `validationSplit`/],
      [{ resume: true }, /resume: true needs `checkpoint`/],
      [{ budget: { maxCalls: 3 } }, /pass `usage`/],
      [{ batchsize: 4 }, /fit does not know the option\(s\) 'batchsize'/],
      [{ valset: [], validationSplit: 0.2 }, /Give either `valset` or `validationSplit`, not both/],
      [{ valset: [], earlyStopping: { patience: 0 } }, /earlyStopping.patience must be a positive integer \(epochs\), got 0/],
      [{ reward: "exact" }, /fit needs `reward`: a function \(prediction, example\)/],
      [{ optimizers: [] }, /fit needs `optimizers`: an Optimizer or a non-empty array of them/],
      [{ optimizers: [new HintOptimizer({ name: "same" }), new HintOptimizer({ name: "same" })] }, /Two optimizers are named 'same'/],
      [{ seed: 0.5 }, /seed must be an integer, got 0.5/],
      [{ trainset: [] }, /The trainset is empty: give fit at least one example/],
      [{ concurrency: 0 }, /concurrency must be a positive integer, got 0/],
    ])("%o → typed error", async (extra, message) => {
      const { chain } = makeChain();
      const run = fit(chain, { trainset, reward: exactMatch(), optimizers: new HintOptimizer(), ...extra } as never);
      await expect(run).rejects.toThrow(TrainingOptionsError);
      await expect(fit(chain, { trainset, reward: exactMatch(), optimizers: new HintOptimizer(), ...extra } as never)).rejects.toThrow(message);
    });

    it("refuses optimizers that act on none of the program's variables", async () => {
      const { chain } = makeChain();
      const other = new HintOptimizer();
      Object.defineProperty(other, "matches", { value: () => false });
      await expect(fit(chain, { trainset, reward: exactMatch(), optimizers: other })).rejects.toThrow(
        /None of the optimizers \(hint_optimizer.*\) acts on the program's variables \(sentiment\): their schemas do not fit/,
      );
    });

    it("refuses a trainset that is not an array of examples", async () => {
      const { chain } = makeChain();
      await expect(fit(chain, { trainset: "data.jsonl" as never, reward: exactMatch(), optimizers: new HintOptimizer() })).rejects.toThrow(
        DatasetError,
      );
      await expect(fit(chain, { trainset: "data.jsonl" as never, reward: exactMatch(), optimizers: new HintOptimizer() })).rejects.toThrow(
        /trainset must be an array of \{ input, expected\? \} examples/,
      );
    });

    it("evaluate needs a reward", async () => {
      const { chain } = makeChain();
      await expect(evaluate(chain, { dataset: trainset } as never)).rejects.toThrow(/evaluate needs `reward`/);
    });

    it("refuses a program without a TrainablePrompt", async () => {
      const model = new SentimentChatModel({});
      await expect(fit(model, { trainset, reward: exactMatch(), optimizers: new HintOptimizer() })).rejects.toThrow(
        /The program has no TrainablePrompt/,
      );
    });
  });
});

describe("fit: what it keeps and shows", () => {
  it("brings back the best validated values when finalize does worse (unless restoreBest is false)", async () => {
    class Saboteur extends HintOptimizer {
      override async finalize(variable: Variable<object>): Promise<void> {
        variable.assign({ ...variable.json(), instructions: "Everything is positive." });
      }
    }
    const { trainset, valset } = sentimentData();
    const first = makeChain("restore_a");
    const restored = await fit(first.chain, { trainset, valset, reward: exactMatch(), optimizers: new Saboteur(), batchSize: 4, progress: false });
    expect(first.prompt.variable.get("instructions")).toMatch(/sarcasm/);
    expect(restored.best.valScore).toBe(1);

    const second = makeChain("restore_b");
    const kept = await fit(second.chain, {
      trainset,
      valset,
      reward: exactMatch(),
      optimizers: new Saboteur(),
      batchSize: 4,
      progress: false,
      restoreBest: false,
    });
    expect(second.prompt.variable.get("instructions")).toBe("Everything is positive.");
    expect(kept.best.valScore).toBeCloseTo(5 / 8);
  });

  it("hands optimizers JSON predictions even when the program returns chat messages", async () => {
    const prompt = new TrainablePrompt({ name: "raw", instructions: "Classify.", messages: "Review: {review}" });
    const chain = prompt.pipe(new SentimentChatModel({}));
    const seen: unknown[] = [];
    class Spy extends HintOptimizer {
      override async optimize(...args: Parameters<HintOptimizer["optimize"]>): Promise<void> {
        seen.push(...(args[2].predictions ?? []).map((p) => p.output));
      }
    }
    const { trainset } = sentimentData();
    await fit(chain, { trainset: trainset.slice(0, 2), reward: exactMatch(), optimizers: new Spy(), batchSize: 2, progress: false });
    expect(seen.sort()).toEqual(["negative", "positive"]);
  });

  it("draws a progress bar on a terminal stream and stays quiet otherwise", async () => {
    const written: string[] = [];
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    stream.on("data", (chunk: Buffer) => written.push(chunk.toString()));
    const { chain } = makeChain("bar");
    const { trainset } = sentimentData();
    await fit(chain, {
      trainset: trainset.slice(0, 4),
      reward: exactMatch(),
      optimizers: new HintOptimizer(),
      batchSize: 2,
      progress: false,
      hooks: progressBar(stream as unknown as NodeJS.WriteStream),
    });
    expect(written.join("")).toMatch(/tuning \[.*\] 2\/2 steps/);
  });
});

// Type-level check (never run): a reward must accept what the program returns.
export function rewardMustMatchTheProgramOutput(): void {
  const { chain } = makeChain("typed");
  // @ts-expect-error the chain answers strings, not numbers
  void fit(chain, { trainset: [], reward: (prediction: number) => prediction, optimizers: new HintOptimizer() });
}

describe("fit: concurrency", () => {
  it("runs at most `concurrency` examples at once, and uses that many", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const prompt = new TrainablePrompt({ name: "limited", instructions: "Classify.", messages: "Review: {review}" });
    const model = new SentimentChatModel({});
    const slow = RunnableLambda.from(async (value: unknown) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return value;
    });
    const chain = prompt.pipe(slow).pipe(model).pipe(new StringOutputParser());
    const { trainset } = sentimentData();
    await fit(chain, { trainset, reward: exactMatch(), optimizers: new HintOptimizer(), batchSize: 12, concurrency: 3, progress: false });
    expect(maxInFlight).toBe(3);
  });
});
