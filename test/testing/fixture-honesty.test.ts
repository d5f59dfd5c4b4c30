// Fixtures that never lie: a replay miss reaches the caller as FixtureMissError (never a retried "Connection
// error." or a rejected proposal), no key reaches a cassette (URL query, SSE split), and recording is invisible.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fromChatModel, fromOpenAI } from "../../src/models/index.js";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import {
  createFixtureFetch,
  FixtureMissError,
  startOpenAICompatibleServer,
  type FixtureFetch,
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

describe("no key reaches the cassette", () => {
  it("scrubs an api-key sent in the URL query (defaultQuery), and the recording still replays", async () => {
    const cassette = join(dir, "query.json");
    server = await startOpenAICompatibleServer({ handler: () => "fine" });
    const client = (fetch: Fetch) =>
      new OpenAI({
        apiKey: "sk-test-not-a-real-key-000000",
        baseURL: server!.url,
        maxRetries: 0,
        fetch,
        defaultQuery: { "api-key": "sk-test-QUERYSECRET0123456789", "api-version": "2024-10-21" },
      });
    const ask = async (fetch: Fetch) =>
      (await fromOpenAI(client(fetch), { model: "gpt-test" }).generateText([{ role: "user", content: "hi" }])).text;
    expect(await ask(createFixtureFetch({ cassette, mode: "record" }))).toBe("fine");
    const text = await readFile(cassette, "utf8");
    expect(text).not.toContain("QUERYSECRET");
    expect(text).toContain("api-version=2024-10-21");
    await server.close();
    expect(await ask(createFixtureFetch({ cassette, mode: "replay" }))).toBe("fine");
  });

  it("scrubs a key split across SSE chunks, judging the streamed text as a whole", async () => {
    const cassette = join(dir, "split.json");
    // The server streams the answer in 16-character pieces: the key spans three of them.
    const answer = "the key is sk-live-ABCDEFGHIJKLMNOP1234 ok";
    server = await startOpenAICompatibleServer({ handler: () => answer });
    const collect = async (fetch: Fetch) => {
      const stream = await openaiClient(server!, fetch).chat.completions.create({
        model: "gpt-test",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      return text;
    };
    expect(await collect(createFixtureFetch({ cassette, mode: "record" }))).toBe(answer);
    const text = await readFile(cassette, "utf8");
    expect(text).not.toMatch(/ABCDEFGH|IJKLMNOP/);
    expect(text).toContain("data: [DONE]");
    await server.close();
    expect(await collect(createFixtureFetch({ cassette, mode: "replay" }))).toBe("the key is sk-REDACTED ok");
  });
});

describe("recording does not change what the live run sees", () => {
  const SECRET_ANSWER = "echo sk-proj-abcdefghijklmnop1234 back";

  /** Status, headers (but the clock's) and body bytes exactly as the caller of fetch got them. */
  async function observe(response: Response) {
    const headers = [...response.headers.entries()].filter(([name]) => name !== "date");
    return { status: response.status, statusText: response.statusText, headers, body: Buffer.from(await response.arrayBuffer()) };
  }

  async function exchange(fetch: Fetch, stream: boolean) {
    // A fresh server per run, so both runs get the same request index (it is in the completion id).
    const live = await startOpenAICompatibleServer({ handler: () => SECRET_ANSWER });
    try {
      const response = await fetch(`${live.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-test-not-a-real-key-000000" },
        body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }], stream }),
      });
      return await observe(response);
    } finally {
      await live.close();
    }
  }

  it.each([false, true])("gives the caller the real response, byte for byte (stream: %s)", async (stream) => {
    const cassette = join(dir, `live-${stream}.json`);
    const plain = await exchange(globalThis.fetch, stream);
    const recorded = await exchange(createFixtureFetch({ cassette, mode: "record" }), stream);
    expect(recorded).toEqual(plain);
    // The server streams 16-character pieces: "echo sk-proj-abc", "defghijklmnop123", "4 back".
    expect(recorded.body.toString("utf8")).toContain(stream ? '"content":"defghijklmnop123"' : SECRET_ANSWER);
    // …while the cassette got the scrubbed copy.
    const text = await readFile(cassette, "utf8");
    expect(text).not.toMatch(/abcdefghijklmnop|defghijklmnop/);
    expect(text).toContain("sk-REDACTED");
  });

  it("hands streamed chunks to the caller as they arrive, not once the stream is over", async () => {
    const cassette = join(dir, "timing.json");
    const encoder = new TextEncoder();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const network: Fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(encoder.encode('data: {"choices":[{"index":0,"delta":{"content":"first"}}]}\n\n'));
            await held;
            controller.enqueue(encoder.encode("data: [DONE]\n\n"));
            controller.close();
          },
        }),
        { status: 200, headers: { "content-type": "text/event-stream" } },
      );
    const recorder = createFixtureFetch({ cassette, mode: "record", fetch: network });
    const within = <T>(promise: Promise<T>) =>
      Promise.race([promise, new Promise<"too late">((resolve) => setTimeout(() => resolve("too late"), 2_000))]);
    try {
      const response = await within(
        recorder("http://127.0.0.1:9/v1/chat/completions", {
          method: "POST",
          body: JSON.stringify({ model: "m", messages: [], stream: true }),
        }),
      );
      expect(response).toBeInstanceOf(Response); // the headers reached the caller while the body is still open
      const reader = (response as Response).body!.getReader();
      const first = await within(reader.read());
      expect(first).not.toBe("too late");
      expect(new TextDecoder().decode((first as ReadableStreamReadResult<Uint8Array>).value)).toContain("first");
      release();
      let rest = "";
      for (let next = await reader.read(); !next.done; next = await reader.read()) rest += new TextDecoder().decode(next.value);
      expect(rest).toBe("data: [DONE]\n\n");
    } finally {
      release();
    }
    // The cassette is written by the time the caller has read the whole body.
    expect(await readFile(cassette, "utf8")).toContain("data: [DONE]");
    expect(recorder.stats).toEqual({ replayed: 0, recorded: 1 });
  });
});
