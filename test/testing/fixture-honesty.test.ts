// Fixtures that never lie: a replay miss reaches the caller as FixtureMissError (never a retried "Connection
// error." or a rejected proposal).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fromChatModel, fromOpenAI } from "../../src/models/index.js";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import {
  createFixtureFetch,
  FixtureMissError,
  startOpenAICompatibleServer,
  type OpenAICompatibleServer,
} from "../../src/testing/index.js";
import { evaluate } from "../../src/training/evaluate.js";
import { fit } from "../../src/training/fit.js";
import { answerSchema, chatOpenAI, openaiClient } from "../models/helpers.js";
import { promptVariable, reviews, sentimentEvaluator } from "../optimizers/helpers.js";
import { buildWorld, reply } from "../training/support/loopback-world.js";
import { sentimentData } from "../training/support/sentiment.js";

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

let dir: string;
let server: OpenAICompatibleServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tunechain-fixture-honesty-"));
  vi.stubEnv("TUNECHAIN_FIXTURES", "");
  vi.stubEnv("CI", "");
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A replaying fetch over an empty cassette (every request misses), counting the requests it is asked for. */
async function emptyReplay(name: string): Promise<{ fetch: Fetch; cassette: string; calls: () => number }> {
  const cassette = join(dir, name);
  await writeFile(cassette, '{"version":1,"interactions":{}}\n');
  const player = createFixtureFetch({ cassette, mode: "replay" });
  let calls = 0;
  const fetch: Fetch = (input, init) => {
    calls += 1;
    return player(input, init);
  };
  return { fetch, cassette, calls: () => calls };
}

function expectMiss(error: unknown, cassette: string): void {
  expect(error).toBeInstanceOf(FixtureMissError);
  expect((error as FixtureMissError).cassette).toBe(cassette);
  expect((error as Error).message).toContain(`No recorded response in cassette ${cassette}`);
}

describe("a replay miss reaches the caller as FixtureMissError", () => {
  it("on a task call through ChatOpenAI (maxRetries 0) in evaluate: the miss itself, not retried", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "positive" });
    const miss = await emptyReplay("task.json");
    const chain = ChatPromptTemplate.fromMessages([["human", "{review}"]])
      .pipe(chatOpenAI(server, { configuration: { baseURL: server.url, fetch: miss.fetch } }))
      .pipe(new StringOutputParser());
    const error = await evaluate(chain, {
      dataset: [{ input: { review: "great" }, expected: "positive" }],
      reward: exactMatch(),
      retries: 3,
      retryDelayMs: 1,
    }).catch((e: unknown) => e);
    expectMiss(error, miss.cassette);
    expect(miss.calls()).toBe(1); // the program-run retries did not try again
    expect(server.requests).toHaveLength(0);
  });

  it.each(["generateText", "generateStructured"] as const)(
    "through fromChatModel(ChatOpenAI).%s: the miss itself, not a ModelRequestError, not retried",
    async (method) => {
      server = await startOpenAICompatibleServer({ handler: () => ({ answer: "a", confidence: 1 }) });
      const miss = await emptyReplay(`chat-${method}.json`);
      const model = fromChatModel(chatOpenAI(server, { configuration: { baseURL: server.url, fetch: miss.fetch } }), {
        maxRetries: 3,
        retryDelayMs: 1,
      });
      const ask = [{ role: "user" as const, content: "hi" }];
      const call =
        method === "generateText" ? model.generateText(ask) : model.generateStructured(ask, { schema: answerSchema, name: "verdict" });
      expectMiss(await call.catch((e: unknown) => e), miss.cassette);
      expect(miss.calls()).toBe(1);
    },
  );

  it("on an optimizer call through fromOpenAI: the optimizer step fails with it instead of rejecting a proposal", async () => {
    server = await startOpenAICompatibleServer({ handler: () => ({ instructions: "x" }) });
    const miss = await emptyReplay("optimizer.json");
    const model = fromOpenAI(openaiClient(server, miss.fetch), { model: "optimizer-model", maxRetries: 3, retryDelayMs: 1 });
    const optimizer = new InstructionOptimizer({ languageModel: model, numCandidates: 2, seed: 1 });
    const variable = promptVariable();
    const trainset = reviews("t", 4);
    const evaluator = sentimentEvaluator(variable.name);
    const predictions = await evaluator({ [variable.name]: variable.json() as unknown as Record<string, unknown> }, trainset);
    const error = await optimizer
      .applyOptimization([variable], 0.5, { predictions, evaluate: evaluator, trainset })
      .catch((e: unknown) => e);
    expectMiss(error, miss.cassette);
    expect(miss.calls()).toBe(2); // one per proposal asked for at once; none retried
  });

  it("a fit whose optimizer model replays a stale cassette fails with the miss instead of completing", async () => {
    server = await startOpenAICompatibleServer({ handler: (request) => reply(request) });
    const miss = await emptyReplay("stale.json");
    // The task model talks to the server; only the optimizer model goes through the stale cassette.
    const world = buildWorld(server);
    const optimizer = new InstructionOptimizer({
      name: "opro",
      languageModel: fromOpenAI(openaiClient(server, miss.fetch), { model: "optimizer-model", retryDelayMs: 1 }),
      numCandidates: 2,
      seed: 3,
    });
    const { trainset, valset } = sentimentData();
    const error = await fit(world.chain, {
      trainset,
      valset,
      reward: exactMatch(),
      optimizers: [optimizer],
      epochs: 1,
      batchSize: 4,
      progress: false,
    }).catch((e: unknown) => e);
    expectMiss(error, miss.cassette);
  });
});
