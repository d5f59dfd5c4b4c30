import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createUsageHandler, UsageLedger, type Budget } from "../../src/models/index.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { fit } from "../../src/training/fit.js";
import { buildWorld, reply } from "./support/loopback-world.js";
import { sentimentData } from "./support/sentiment.js";

let server: OpenAICompatibleServer;
let dir: string;
beforeEach(async () => {
  server = await startOpenAICompatibleServer({ handler: (request) => reply(request) });
  dir = await mkdtemp(join(tmpdir(), "tunechain-budget-"));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function tune(budget: Budget, checkpoint: string, resume = false, concurrency = 2) {
  const ledger = new UsageLedger();
  const world = buildWorld(server, { ledger, budget });
  const { trainset, valset } = sentimentData();
  const result = await fit(world.chain, {
    trainset,
    valset,
    reward: exactMatch(),
    optimizers: world.optimizers,
    epochs: 2,
    batchSize: 4,
    concurrency,
    seed: 5,
    progress: false,
    usage: ledger,
    budget,
    checkpoint,
    resume,
    config: { callbacks: [createUsageHandler({ ledger, budget, role: "task" })] },
  });
  return { world, result, ledger };
}

describe("fit under a budget", () => {
  it("stops cleanly when the budget runs out, finalizes, and a resume with a larger budget finishes the run", async () => {
    const checkpoint = join(dir, "run.ckpt");
    const first = await tune({ maxCalls: 30 }, checkpoint);
    expect(first.result.status).toBe("budget-exhausted");
    expect(first.result.record.settings.stoppedBecause).toMatch(/Budget exhausted: maxCalls=30 reached/);
    expect(first.ledger.summary().total.calls).toBeLessThanOrEqual(30);
    expect(first.result.usage.byRole.task?.calls).toBeGreaterThan(0);
    expect(first.result.usage.byRole.optimizer?.calls).toBeGreaterThan(0);
    expect(first.result.history.length).toBeGreaterThan(0);
    expect(first.result.history.length).toBeLessThan(6);
    const spent = first.ledger.summary().total.calls;

    const second = await tune({ maxCalls: 10_000 }, checkpoint, true);
    expect(second.result.status).toBe("completed");
    expect(second.result.history).toHaveLength(6);
    expect(second.result.history.slice(0, first.result.history.length)).toEqual(first.result.history);
    expect(second.result.record.finalValScore).toBe(1);
    // The resumed ledger starts from what the checkpoint had spent, so budgets count the whole run.
    expect(second.ledger.summary().total.calls).toBeGreaterThan(spent);
  });

  it("prints nothing when the budget refuses task calls with several in flight", async () => {
    const printed: string[] = [];
    const keep = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
    vi.spyOn(console, "error").mockImplementation(keep);
    vi.spyOn(console, "warn").mockImplementation(keep);
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    // Four examples at once against three calls: the task model's fourth call is refused by the usage handler.
    const { result, ledger } = await tune({ maxCalls: 3 }, join(dir, "quiet.ckpt"), false, 4);
    expect(result.status).toBe("budget-exhausted");
    expect(result.record.settings.stoppedBecause).toMatch(/Budget exhausted: maxCalls=3 reached \(0 call\(s\) made, 3 in flight\)/);
    expect(ledger.summary().total.calls).toBeLessThanOrEqual(3);
    expect(server.requests.length).toBeLessThanOrEqual(3);
    expect(printed).toEqual([]);
  });
});
