// One trace per tuning run, checked on the wire: LangChain's LangSmith tracer sends the runs of a fit to a
// LangSmith-shaped loopback endpoint (LANGSMITH_ENDPOINT), and the test rebuilds the tree it received.
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReflectiveOptimizer } from "../../src/optimizers/reflective-optimizer.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { fit } from "../../src/training/fit.js";
import { buildProgram, optimizerModel, orders, taskReply } from "../support/order-world.js";

interface SentRun {
  id: string;
  name?: string;
  parent_run_id?: string;
  trace_id?: string;
  run_type?: string;
  tags?: string[];
  extra?: { metadata?: Record<string, unknown> };
  outputs?: Record<string, unknown>;
}

/** Accepts what the LangSmith client sends (batch JSON ingestion) and keeps the runs by id. */
async function startLangSmith(): Promise<{ server: Server; url: string; runs: Map<string, SentRun> }> {
  const runs = new Map<string, SentRun>();
  const server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += String(chunk);
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (path.endsWith("/info")) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ version: "0.0.0", batch_ingest_config: { use_multipart_endpoint: false } }));
      return;
    }
    const parsed = (body ? JSON.parse(body) : {}) as { post?: SentRun[]; patch?: SentRun[] } & Partial<SentRun>;
    const items = path.endsWith("/runs/batch") ? [...(parsed.post ?? []), ...(parsed.patch ?? [])] : [parsed as SentRun];
    for (const run of items) if (run.id) runs.set(run.id, { ...runs.get(run.id), ...run });
    response.writeHead(200, { "content-type": "application/json" });
    response.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, runs };
}

let langsmith: Awaited<ReturnType<typeof startLangSmith>>;
let model: OpenAICompatibleServer;
const saved = { ...process.env };
beforeAll(async () => {
  langsmith = await startLangSmith();
  model = await startOpenAICompatibleServer({ handler: taskReply });
  Object.assign(process.env, {
    LANGSMITH_TRACING: "true",
    LANGSMITH_ENDPOINT: langsmith.url,
    LANGSMITH_API_KEY: "lsv2-test-not-a-key",
    LANGSMITH_PROJECT: "tunechain-test",
  });
});
afterAll(async () => {
  process.env = saved;
  await model.close();
  await new Promise((resolve) => langsmith.server.close(resolve));
});

describe("a tuning run is one trace", () => {
  it("every program run, optimizer step and finalize is a descendant of one tunechain.fit run, with phase metadata", async () => {
    const { program } = buildProgram(model);
    const result = await fit(program, {
      trainset: orders("tr", 6),
      valset: orders("va", 4),
      testset: orders("te", 2),
      reward: exactMatch(),
      optimizers: new ReflectiveOptimizer({ name: "gepa", languageModel: optimizerModel(), seed: 1 }),
      maxMetricCalls: 40,
    });
    await awaitAllCallbacks();
    const runs = [...langsmith.runs.values()];
    const roots = runs.filter((run) => !run.parent_run_id);
    expect(roots.map((run) => run.name)).toEqual(["tunechain.fit"]);
    const root = roots[0]!;
    expect(root.outputs).toMatchObject({ status: result.status, metricCalls: result.metricCalls.used });
    expect(runs.every((run) => run.trace_id === root.id)).toBe(true);

    const byId = new Map(runs.map((run) => [run.id, run]));
    const ancestors = (run: SentRun): SentRun[] => {
      const chain: SentRun[] = [];
      for (let parent = run.parent_run_id; parent; parent = byId.get(parent)?.parent_run_id) {
        const found = byId.get(parent);
        if (!found) break;
        chain.push(found);
      }
      return chain;
    };
    // Program runs: the sequences whose metadata names a phase.
    const programRuns = runs.filter((run) => run.name === "RunnableSequence" && run.extra?.metadata?.tunechain_phase);
    const phases = new Set(programRuns.map((run) => run.extra?.metadata?.tunechain_phase));
    expect(phases).toEqual(new Set(["seed", "gate", "validation", "test"]));
    for (const run of programRuns) {
      expect(run.tags).toContain(`tunechain:${String(run.extra?.metadata?.tunechain_phase)}`);
      expect(run.extra?.metadata).toHaveProperty("tunechain_candidate");
      expect(run.extra?.metadata).toHaveProperty("tunechain_example");
      expect(ancestors(run).at(-1)?.id).toBe(root.id);
    }
    // The evaluations an optimizer step asked for are nested under that step.
    const gates = programRuns.filter((run) => run.extra?.metadata?.tunechain_phase === "gate");
    expect(gates.length).toBeGreaterThan(0);
    for (const run of gates) {
      expect(ancestors(run).map((a) => a.name)).toContain("gepa");
      expect(run.extra?.metadata).toHaveProperty("tunechain_iteration");
    }
    // Finalize runs through the optimizer's invoke, like a step.
    const optimizerRuns = runs.filter((run) => run.name === "gepa");
    expect(optimizerRuns.some((run) => run.extra?.metadata?.tunechain_phase === "finalize")).toBe(true);
    expect(optimizerRuns.every((run) => run.parent_run_id === root.id)).toBe(true);
  });
});
