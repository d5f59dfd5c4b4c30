import { afterEach, describe, expect, it } from "vitest";
import {
  BudgetExceededError,
  fromOpenAI,
  ModelOptionsError,
  StructuredOutputError,
  UsageLedger,
} from "../../src/models/index.js";
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { answerSchema, openaiClient } from "./helpers.js";

let server: OpenAICompatibleServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const hello = [{ role: "user" as const, content: "hello" }];

describe("UsageLedger", () => {
  it("totals calls, tokens and cost per role and model, and round-trips through JSON", () => {
    const ledger = new UsageLedger({ prices: { big: { inputPerMillionUsd: 2, outputPerMillionUsd: 8 } } });
    ledger.record({ role: "optimizer", model: "big", inputTokens: 1000, outputTokens: 500 });
    ledger.record({ role: "task", model: "small", inputTokens: 10, outputTokens: 5 });
    ledger.record({ role: "task", model: "big", inputTokens: 0, outputTokens: 1_000_000 });
    const summary = ledger.summary();
    expect(summary.byRole.optimizer).toEqual({ calls: 1, inputTokens: 1000, outputTokens: 500, costUsd: 0.006 });
    expect(summary.byRole.task).toEqual({ calls: 2, inputTokens: 10, outputTokens: 1_000_005, costUsd: 8 });
    expect(summary.byModel?.small).toEqual({ calls: 1, inputTokens: 10, outputTokens: 5, costUsd: 0 });
    expect(summary.total.calls).toBe(3);
    expect(summary.total.costUsd).toBeCloseTo(8.006, 10);

    const restored = UsageLedger.fromJSON(JSON.parse(JSON.stringify(ledger.toJSON())));
    expect(restored.summary()).toEqual(summary);

    // restore() puts a saved state into a ledger the caller already holds (resume), all or nothing.
    const held = new UsageLedger({ prices: { big: { inputPerMillionUsd: 2, outputPerMillionUsd: 8 } } });
    held.record({ role: "judge", model: "other", inputTokens: 1, outputTokens: 1 });
    const bad = { version: 1, entries: [...ledger.toJSON().entries, { role: "task", model: "x", calls: -1, inputTokens: 0, outputTokens: 0, costUsd: 0 }] };
    expect(() => held.restore(bad as never)).toThrow(/invalid entry/);
    expect(held.summary().byRole.judge?.calls).toBe(1);
    held.restore(ledger.toJSON());
    expect(held.summary()).toEqual(summary);
  });

  it("refuses malformed saved ledgers, prices and budgets with messages that say what is expected", () => {
    expect(() => UsageLedger.fromJSON({ version: 2 } as never)).toThrow(
      new ModelOptionsError(
        "Not a saved usage ledger: expected { version: 1, entries: [...] } as written by UsageLedger.toJSON().",
      ),
    );
    expect(() =>
      UsageLedger.fromJSON({ version: 1, entries: [{ role: "boss", model: "m", calls: 1, inputTokens: 0, outputTokens: 0, costUsd: 0 }] } as never),
    ).toThrow(/invalid entry .*role must be one of task, optimizer, judge/);
    expect(() => new UsageLedger({ prices: { m: { inputPerMillionUsd: -1, outputPerMillionUsd: 1 } } })).toThrow(
      /The price of model 'm' must be \{ inputPerMillionUsd, outputPerMillionUsd \} with non-negative numbers/,
    );
  });

  it("counts reserved calls against maxCalls and says which limit to raise", () => {
    const ledger = new UsageLedger();
    const budget = { maxCalls: 2 };
    const first = ledger.reserve(budget, "optimizer", "m");
    ledger.reserve(budget, "optimizer", "m");
    expect(() => ledger.reserve(budget, "optimizer", "m")).toThrow(
      new BudgetExceededError("maxCalls", 2, 2, "0 call(s) made, 2 in flight"),
    );
    let error: unknown;
    try {
      ledger.check(budget);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toBe(
      "Budget exhausted: maxCalls=2 reached (0 call(s) made, 2 in flight). The call was not sent. " +
        "Raise budget.maxCalls (or remove it) to allow more, or resume from the last checkpoint with a larger budget.",
    );
    first.release();
    expect(() => ledger.check(budget)).not.toThrow();
    first.commit({ inputTokens: 1, outputTokens: 1 }); // already released: ignored
    expect(ledger.summary().total.calls).toBe(0);
  });
});

describe("budget on a model", () => {
  it("stops at exactly maxCalls even with concurrent calls in flight", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "ok", latencyMs: 20 });
    const model = fromOpenAI(openaiClient(server), { model: "m", concurrency: 8, budget: { maxCalls: 5 } });
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => model.generateText(hello)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused).toHaveLength(7);
    for (const r of refused) expect(r.reason).toBeInstanceOf(BudgetExceededError);
    expect(server.requests).toHaveLength(5);
    expect(model.ledger.summary().total.calls).toBe(5);
  });

  it("stops on maxTokens and maxCostUsd shared by two models through one ledger", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "a".repeat(400) }); // 100 output tokens
    const ledger = new UsageLedger({ prices: { priced: { inputPerMillionUsd: 0, outputPerMillionUsd: 10_000 } } });
    const first = fromOpenAI(openaiClient(server), { model: "free", ledger, budget: { maxTokens: 150 } });
    const second = fromOpenAI(openaiClient(server), { model: "priced", ledger, budget: { maxTokens: 150 } });
    await first.generateText(hello);
    await second.generateText(hello); // 2 × (2 input + 100 output) = 204 tokens now
    await expect(first.generateText(hello)).rejects.toThrow(/maxTokens=150 reached \(204 token\(s\) used\)/);

    const costly = fromOpenAI(openaiClient(server), { model: "priced", ledger, budget: { maxCostUsd: 1 } });
    await expect(costly.generateText(hello)).rejects.toThrow(/maxCostUsd=1 reached \(\$1\.0000 spent\)/);
    expect(server.requests).toHaveLength(2);
    expect(ledger.summary().byModel).toMatchObject({ free: { calls: 1 }, priced: { calls: 1, costUsd: 1 } });
  });

  it("checks the budget before every repair round, so a run stops cleanly mid-call", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "not json" });
    const model = fromOpenAI(openaiClient(server), { model: "m", budget: { maxCalls: 2 }, maxRepairs: 5 });
    const error = await model.generateStructured(hello, { schema: answerSchema }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).not.toBeInstanceOf(StructuredOutputError);
    expect(server.requests).toHaveLength(2);
  });
});
