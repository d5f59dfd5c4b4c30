import { afterEach, describe, expect, it } from "vitest";
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { chatOpenAI, openaiClient } from "../models/helpers.js";

let server: OpenAICompatibleServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("startOpenAICompatibleServer", () => {
  it("hands the handler the parsed request and answers with usage", async () => {
    const seen: unknown[] = [];
    server = await startOpenAICompatibleServer({
      handler: (request) => {
        seen.push({ model: request.model, messages: request.messages, format: request.responseFormat, t: request.temperature });
        return { ok: true };
      },
    });
    const completion = await openaiClient(server).chat.completions.create({
      model: "gpt-test",
      temperature: 0.2,
      messages: [{ role: "user", content: "hello there" }],
      response_format: { type: "json_object" },
    });
    expect(seen).toEqual([
      { model: "gpt-test", messages: [{ role: "user", content: "hello there" }], format: { type: "json_object" }, t: 0.2 },
    ]);
    expect(completion.choices[0]?.message.content).toBe('{"ok":true}');
    expect(completion.usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
    expect(server.requests[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", status: 200, aborted: false });
  });

  it("streams SSE chunks with a final usage chunk when asked", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "a streamed answer that spans several chunks" });
    const stream = await openaiClient(server).chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: unknown;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("a streamed answer that spans several chunks");
    expect(chunks).toBeGreaterThan(3);
    expect(usage).toEqual({ prompt_tokens: 1, completion_tokens: 11, total_tokens: 12 });
  });

  it("streams to ChatOpenAI with streaming on", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "streamed to langchain" });
    const model = chatOpenAI(server, { streaming: true, streamUsage: true });
    // .stream(), not .invoke(): ChatOpenAI's streamed invoke estimates tokens with tiktoken, which downloads
    // its encoding from the network (hangs offline).
    let text = "";
    for await (const chunk of await model.stream("hi")) text += String(chunk.content);
    expect(text).toBe("streamed to langchain");
    expect((server.requests[0]?.body as { stream: boolean }).stream).toBe(true);
  });

  it("cuts a stream mid-answer when scripted, so the client sees an error", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "x".repeat(200), faults: { script: ["cut-stream"] } });
    const stream = await openaiClient(server).chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    const consume = async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    };
    await expect(consume()).rejects.toThrow();
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(200);
  });

  it("draws random faults from a seed, identically on every run", async () => {
    const faultsOf = async () => {
      const s = await startOpenAICompatibleServer({
        handler: () => "ok",
        faults: { random: { rate: 0.5, kinds: ["server-error", "rate-limit"], seed: 7 } },
      });
      const client = openaiClient(s);
      for (let i = 0; i < 12; i++) {
        await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).catch(() => undefined);
      }
      await s.close();
      return s.requests.map((r) => r.status);
    };
    const first = await faultsOf();
    expect(first).toEqual(await faultsOf());
    expect(new Set(first)).toEqual(new Set([200, 429, 500]));
  });

  it("answers unknown routes with a 404 that names the served route", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "ok" });
    const response = await fetch(`${server.url}/embeddings`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      "this test server serves POST /v1/chat/completions",
    );
  });
});
