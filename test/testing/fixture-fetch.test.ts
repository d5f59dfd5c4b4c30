import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fromOpenAI } from "../../src/models/index.js";
import {
  createFixtureFetch,
  FixtureConfigError,
  FixtureMissError,
  startOpenAICompatibleServer,
  type OpenAICompatibleServer,
} from "../../src/testing/index.js";
import { answerSchema, chatOpenAI, openaiClient } from "../models/helpers.js";

let dir: string;
let server: OpenAICompatibleServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tunechain-fixtures-"));
  vi.stubEnv("TUNECHAIN_FIXTURES", "");
  vi.stubEnv("CI", "");
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Answers differ per request number, so replaying in the wrong order would show. */
const numbered = () =>
  startOpenAICompatibleServer({
    handler: (request) =>
      request.responseFormat ? { answer: `answer ${request.index}`, confidence: 0.5 } : `text ${request.index}`,
  });

async function scenario(fetchImpl: ReturnType<typeof createFixtureFetch>, baseServer: OpenAICompatibleServer) {
  const model = fromOpenAI(openaiClient(baseServer, fetchImpl), { model: "gpt-test", concurrency: 1 });
  const ask = [{ role: "user" as const, content: "same question" }];
  const structured = await model.generateStructured(ask, { schema: answerSchema, name: "verdict" });
  const first = await model.generateText(ask);
  const again = await model.generateText(ask); // identical request: must replay the second recording
  const chain = ChatPromptTemplate.fromMessages([["human", "{q}"]]).pipe(
    chatOpenAI(baseServer, { configuration: { baseURL: baseServer.url, fetch: fetchImpl } }),
  );
  const viaLangChain = (await chain.invoke({ q: "from langchain" })).content;
  return { structured: structured.value, first: first.text, again: again.text, viaLangChain, usage: model.ledger.summary() };
}

describe("createFixtureFetch", () => {
  it("records, then replays identical results with the server stopped", async () => {
    const cassette = join(dir, "nested", "run.json");
    server = await numbered();
    const recorder = createFixtureFetch({ cassette, mode: "record" });
    const recorded = await scenario(recorder, server);
    expect(recorded.first).not.toBe(recorded.again);
    expect(recorder.stats).toEqual({ replayed: 0, recorded: 4 });
    const stopped = server;
    await server.close();
    server = undefined;

    const player = createFixtureFetch({ cassette, mode: "replay" });
    expect(await scenario(player, stopped)).toEqual(recorded);
    expect(player.stats).toEqual({ replayed: 4, recorded: 0 });
    expect(await readdir(join(dir, "nested"))).toEqual(["run.json"]); // no temp files left behind
  });

  it("names the cassette, summarises the request and says how to re-record on a replay miss", async () => {
    const cassette = join(dir, "miss.json");
    server = await numbered();
    await fromOpenAI(openaiClient(server, createFixtureFetch({ cassette, mode: "record" })), { model: "gpt-test" })
      .generateText([{ role: "user", content: "recorded" }]);
    const model = fromOpenAI(openaiClient(server, createFixtureFetch({ cassette, mode: "replay" })), { model: "gpt-test" });
    const error = await model
      .generateText([{ role: "system", content: "You grade essays." }, { role: "user", content: "new" }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FixtureMissError);
    expect((error as Error).message).toBe(
      `No recorded response in cassette ${cassette} for POST /v1/chat/completions, model "gpt-test", ` +
        'first message [system] "You grade essays." (nothing like it was recorded). The code now sends a request ' +
        "that was not recorded (a changed prompt, model or option), or the cassette is stale. Re-record it against " +
        'a live server with TUNECHAIN_FIXTURES=record (or mode: "record"), or use TUNECHAIN_FIXTURES=auto to record ' +
        "only what is missing; then commit the cassette.",
    );
    expect(server.requests).toHaveLength(1); // the miss never reached the network
  });

  it("never writes the API key or anything shaped like a key", async () => {
    const cassette = join(dir, "keys.json");
    server = await startOpenAICompatibleServer({ handler: () => "echo sk-proj-abcdefghijklmnop1234" });
    const fetchImpl = createFixtureFetch({ cassette, mode: "record" });
    const client = openaiClient(server, fetchImpl).withOptions({ apiKey: "sk-test-VERYSECRETVALUE123456" });
    await fromOpenAI(client, { model: "gpt-test" }).generateText([
      { role: "user", content: "my key is sk-live-0123456789abcdef, keep it safe" },
    ]);
    const text = await readFile(cassette, "utf8");
    expect(text).not.toMatch(/VERYSECRET|0123456789abcdef|abcdefghijklmnop/);
    expect(text).not.toMatch(/authorization|bearer/i);
    expect(text).toContain("my key is sk-REDACTED, keep it safe");
    expect(text).toContain("echo sk-REDACTED");
    // Replay matches on the scrubbed body, so the same code with a real key still finds its recording.
    const replayed = await fromOpenAI(openaiClient(server, createFixtureFetch({ cassette, mode: "replay" })), {
      model: "gpt-test",
    }).generateText([{ role: "user", content: "my key is sk-live-0123456789abcdef, keep it safe" }]);
    expect(replayed.text).toBe("echo sk-REDACTED");
  });

  it("writes a pretty, complete cassette under concurrent recording, and replays retries in order", async () => {
    const cassette = join(dir, "concurrent.json");
    server = await startOpenAICompatibleServer({
      handler: (request) => `answer to ${request.messages[0]?.content}`,
      latencyMs: 10,
      faults: { script: [{ kind: "rate-limit", retryAfterSeconds: 0 }] },
    });
    const questions = Array.from({ length: 12 }, (_, i) => `question ${i}`);
    const record = fromOpenAI(openaiClient(server, createFixtureFetch({ cassette, mode: "record" })), {
      model: "gpt-test",
      concurrency: 12,
      retryDelayMs: 1,
    });
    const recorded = await Promise.all(questions.map((q) => record.generateText([{ role: "user", content: q }])));
    const text = await readFile(cassette, "utf8");
    const file = JSON.parse(text) as { version: number; interactions: Record<string, Array<{ response: { status: number } }>> };
    expect(text).toBe(`${JSON.stringify(file, null, 2)}\n`); // 2-space indentation
    expect(Object.keys(file.interactions)).toEqual(Object.keys(file.interactions).sort());
    const statuses = Object.values(file.interactions).flat().map((i) => i.response.status);
    expect(statuses.sort()).toEqual([...Array(12).fill(200), 429]);

    const replay = fromOpenAI(openaiClient(server, createFixtureFetch({ cassette, mode: "replay" })), {
      model: "gpt-test",
      concurrency: 12,
      retryDelayMs: 1,
    });
    const requestsBefore = server.requests.length;
    const replayed = await Promise.all(questions.map((q) => replay.generateText([{ role: "user", content: q }])));
    expect(replayed.map((r) => r.text)).toEqual(recorded.map((r) => r.text));
    expect(server.requests.length).toBe(requestsBefore);
  });

  it("auto mode replays what it has and records only what is missing", async () => {
    const cassette = join(dir, "auto.json");
    server = await numbered();
    const ask = (fetchImpl: ReturnType<typeof createFixtureFetch>, content: string) =>
      fromOpenAI(openaiClient(server!, fetchImpl), { model: "gpt-test" }).generateText([{ role: "user", content }]);
    await ask(createFixtureFetch({ cassette, mode: "record" }), "old");
    const auto = createFixtureFetch({ cassette, mode: "auto" });
    expect((await ask(auto, "old")).text).toBe("text 0");
    expect((await ask(auto, "new")).text).toBe("text 1");
    expect(auto.stats).toEqual({ replayed: 1, recorded: 1 });
    expect(server.requests).toHaveLength(2);
    const replay = createFixtureFetch({ cassette, mode: "replay" });
    expect((await ask(replay, "old")).text).toBe("text 0");
    expect((await ask(replay, "new")).text).toBe("text 1");
  });

  it("records a streamed answer as raw SSE text and replays it", async () => {
    const cassette = join(dir, "stream.json");
    server = await startOpenAICompatibleServer({ handler: () => "a streamed answer" });
    const collect = async (fetchImpl: ReturnType<typeof createFixtureFetch>) => {
      const stream = await openaiClient(server!, fetchImpl).chat.completions.create({
        model: "gpt-test",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      return text;
    };
    expect(await collect(createFixtureFetch({ cassette, mode: "record" }))).toBe("a streamed answer");
    expect(await readFile(cassette, "utf8")).toContain("data: [DONE]");
    await server.close();
    expect(await collect(createFixtureFetch({ cassette, mode: "replay" }))).toBe("a streamed answer");
  });

  it("takes its mode from TUNECHAIN_FIXTURES, else replays an existing cassette and records a missing one", async () => {
    const cassette = join(dir, "mode.json");
    expect(createFixtureFetch({ cassette }).mode).toBe("auto");
    await writeFile(cassette, '{"version":1,"interactions":{}}');
    expect(createFixtureFetch({ cassette }).mode).toBe("replay");
    vi.stubEnv("TUNECHAIN_FIXTURES", "record");
    expect(createFixtureFetch({ cassette }).mode).toBe("record");
    expect(createFixtureFetch({ cassette, mode: "auto" }).mode).toBe("auto");
    vi.stubEnv("TUNECHAIN_FIXTURES", "");
    vi.stubEnv("CI", "true");
    expect(createFixtureFetch({ cassette: join(dir, "absent.json") }).mode).toBe("replay");
    vi.stubEnv("TUNECHAIN_FIXTURES", "replya");
    expect(() => createFixtureFetch({ cassette })).toThrow(
      new FixtureConfigError('Unknown fixture TUNECHAIN_FIXTURES "replya": use "record", "replay" or "auto".'),
    );
  });

  it("refuses a cassette that is not one of ours, saying how to recover", async () => {
    const cassette = join(dir, "broken.json");
    await writeFile(cassette, "{ not json");
    server = await numbered();
    const model = fromOpenAI(openaiClient(server, createFixtureFetch({ cassette, mode: "replay" })), { model: "m" });
    await expect(model.generateText([{ role: "user", content: "x" }])).rejects.toThrow(
      new FixtureConfigError(
        `Cassette ${cassette} is not a tunechain cassette (version 1 JSON). Delete it and re-record with TUNECHAIN_FIXTURES=record.`,
      ),
    );
  });
});
