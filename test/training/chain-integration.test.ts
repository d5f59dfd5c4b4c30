import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { startOpenAICompatibleServer, type FaultPlan, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { loadVariables, saveVariables } from "../../src/training/artifacts.js";
import { ArtifactError } from "../../src/training/errors.js";
import { evaluate } from "../../src/training/evaluate.js";
import { fit } from "../../src/training/fit.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import { z } from "zod";
import { buildWorld, FAKE_KEY, FAULTS_20_PERCENT, OPTIMIZER_MODEL, reply, SEED_INSTRUCTIONS } from "./support/loopback-world.js";
import { sentimentData } from "./support/sentiment.js";

/** Records chain and chat-model runs with their parents, to check what ran under what. */
class RunRecorder extends BaseCallbackHandler {
  name = "run_recorder";
  readonly runs = new Map<string, { name: string; kind: "chain" | "llm"; parent?: string; model?: string }>();

  override handleChainStart(
    _chain: Serialized,
    _inputs: unknown,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    _runType?: string,
    runName?: string,
  ): void {
    this.runs.set(runId, { name: runName ?? "?", kind: "chain", ...(parentRunId ? { parent: parentRunId } : {}) });
  }

  override handleChatModelStart(
    _llm: Serialized,
    _messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
  ): void {
    const model = (extraParams?.invocation_params as { model?: string } | undefined)?.model;
    this.runs.set(runId, { name: "chat", kind: "llm", ...(parentRunId ? { parent: parentRunId } : {}), ...(model ? { model } : {}) });
  }

  ancestors(runId: string): string[] {
    const names: string[] = [];
    let current = this.runs.get(runId)?.parent;
    while (current !== undefined) {
      const run = this.runs.get(current);
      if (!run) break;
      names.push(run.name);
      current = run.parent;
    }
    return names;
  }
}

let server: OpenAICompatibleServer | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tunechain-chain-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function tune(faultPlan?: FaultPlan, extra: { checkpoint?: string; recordPath?: string; callbacks?: BaseCallbackHandler[] } = {}) {
  server = await startOpenAICompatibleServer({ handler: (request) => reply(request), ...(faultPlan ? { faults: faultPlan } : {}) });
  const world = buildWorld(server, faultPlan ? { timeoutMs: 400 } : {});
  const { trainset, valset } = sentimentData();
  const result = await fit(world.chain, {
    trainset,
    valset,
    reward: exactMatch(),
    optimizers: world.optimizers,
    epochs: 2,
    batchSize: 4,
    concurrency: 4,
    seed: 5,
    progress: false,
    retries: 8,
    retryDelayMs: 1,
    ...(extra.checkpoint ? { checkpoint: extra.checkpoint } : {}),
    ...(extra.recordPath ? { recordPath: extra.recordPath } : {}),
    ...(extra.callbacks ? { config: { callbacks: extra.callbacks } } : {}),
  });
  const faults = server.requests.filter((r) => r.fault !== undefined).map((r) => r.fault!);
  await server.close();
  server = undefined;
  return { world, result, faults };
}

describe("a TrainablePrompt → ChatOpenAI → StringOutputParser chain tuned by fit", () => {
  it("rises from the seed prompt's validation accuracy to what the scripted model allows, with optimizer runs traced", async () => {
    const recorder = new RunRecorder();
    const { world, result } = await tune(undefined, { callbacks: [recorder] });

    expect(result.status).toBe("completed");
    expect(result.record.initialValScore).toBeCloseTo(5 / 8);
    expect(result.record.finalValScore).toBe(1);
    expect(result.best.valScore).toBe(1);
    const tuned = world.prompt.variable.json();
    expect(tuned.instructions === SEED_INSTRUCTIONS && tuned.examples.length === 0).toBe(false);
    // Both optimizers took a step per batch.
    for (const optimizer of world.optimizers) expect(optimizer.iterations.get("iteration")).toBe(result.history.length);

    const optimizerRuns = [...recorder.runs.values()].filter((r) => r.kind === "chain" && (r.name === "opro" || r.name === "few_shot"));
    expect(new Set(optimizerRuns.map((r) => r.name))).toEqual(new Set(["opro", "few_shot"]));
    const proposalCalls = [...recorder.runs.entries()].filter(([, r]) => r.kind === "llm" && r.model === OPTIMIZER_MODEL);
    expect(proposalCalls.length).toBeGreaterThan(0);
    for (const [runId] of proposalCalls) expect(recorder.ancestors(runId)).toContain("opro");
  });

  it("ends where the clean run ends under 20% injected faults (429, 500, hangs, malformed JSON)", async () => {
    const clean = await tune();
    const faulty = await tune(FAULTS_20_PERCENT);
    expect(clean.faults).toEqual([]);
    expect(new Set(faulty.faults)).toEqual(new Set(["rate-limit", "server-error", "malformed-json", "hang"]));
    expect(faulty.result.status).toBe("completed");
    expect(faulty.world.prompt.variable.json()).toEqual(clean.world.prompt.variable.json());
    expect(faulty.result.history).toEqual(clean.result.history);
  });

  it("tune → save → new chain → load → evaluate reproduces the tuned score; a changed schema refuses to load", async () => {
    const { world, result } = await tune();
    const artifact = join(dir, "tuned.json");
    await saveVariables(world.chain, artifact, { score: result.best.valScore!, optimizers: world.optimizers });

    server = await startOpenAICompatibleServer({ handler: (request) => reply(request) });
    const fresh = buildWorld(server);
    const { valset } = sentimentData();
    expect((await evaluate(fresh.chain, { dataset: valset, reward: exactMatch() })).mean).toBeCloseTo(5 / 8);
    const loaded = await loadVariables(fresh.chain, artifact);
    expect(loaded.optimizers).toEqual(["opro", "few_shot"]);
    expect(loaded.score).toBe(1);
    const scored = await evaluate(fresh.chain, { dataset: valset, reward: exactMatch() });
    expect(scored.mean).toBe(result.best.valScore);

    const changed = new TrainablePrompt({
      name: "sentiment",
      instructions: SEED_INSTRUCTIONS,
      messages: "Review: {review}",
      dataModel: z.object({ tone: z.string() }),
      extra: { tone: "neutral" },
      render: ({ tone }) => `Tone: ${tone}`,
    });
    const before = changed.variable.json();
    await expect(loadVariables(changed, artifact)).rejects.toThrow(ArtifactError);
    await expect(loadVariables(changed, artifact)).rejects.toThrow(
      /'sentiment' has another schema than when it was saved .*nothing was assigned|nothing was assigned[\s\S]*'sentiment' has another schema/,
    );
    expect(changed.variable.json()).toEqual(before);
  });

  it("leaves the API key in no file it writes (checkpoint, artifact, run record)", async () => {
    const checkpoint = join(dir, "run.ckpt.json");
    const recordPath = join(dir, "run.json");
    const { world } = await tune(undefined, { checkpoint, recordPath });
    await saveVariables(world.chain, join(dir, "tuned.json"));
    const files = await readdir(dir);
    expect(files.sort()).toEqual(["run.ckpt.json", "run.json", "tuned.json"]);
    for (const file of files) {
      const text = await readFile(join(dir, file), "utf8");
      expect(text.length).toBeGreaterThan(100);
      expect(text).not.toContain(FAKE_KEY);
      expect(text).not.toContain("sk-test");
    }
  });
});
