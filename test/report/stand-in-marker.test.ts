import { ChatPromptTemplate } from "@langchain/core/prompts";
import { afterEach, describe, expect, it } from "vitest";
import { createUsageHandler, ModelOptionsError, UsageLedger } from "../../src/models/index.js";
import { STAND_IN_FINGERPRINT } from "../../src/models/usage-ledger.js";
import { rawReply, startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { chatOpenAI } from "../models/helpers.js";

// The report's stand-in banner rests on this chain: the loopback server marks its answers, the usage handler
// sees the mark, and the ledger entry (what fit turns into the run record's `models`) says standIn.

let server: OpenAICompatibleServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const prompt = ChatPromptTemplate.fromMessages([["human", "{review}"]]);

describe("stand-in marker", () => {
  it("the loopback server marks JSON and streamed completions", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "positive" });
    const post = (body: object) =>
      fetch(`${server!.url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const json = (await (await post({ model: "m", messages: [{ role: "user", content: "hi" }] })).json()) as Record<string, unknown>;
    expect(json.system_fingerprint).toBe(STAND_IN_FINGERPRINT);
    const sse = await (await post({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] })).text();
    const chunks = sse
      .split("\n\n")
      .filter((line) => line.startsWith("data: {"))
      .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((chunk) => chunk.system_fingerprint === STAND_IN_FINGERPRINT)).toBe(true);
  });

  it("a call the stand-in answered is booked with standIn", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "positive" });
    const ledger = new UsageLedger();
    const chain = prompt.pipe(chatOpenAI(server, { model: "task-model" }));
    await chain.invoke({ review: "great film" }, { callbacks: [createUsageHandler({ ledger })] });
    expect(ledger.toJSON().entries).toEqual([
      expect.objectContaining({ role: "task", model: "task-model", calls: 1, standIn: true }),
    ]);
  });

  it("a streamed call the stand-in answered is booked with standIn", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "positive" });
    const ledger = new UsageLedger();
    const model = chatOpenAI(server, { model: "task-model", streaming: true, streamUsage: true });
    // .stream(), not .invoke(): a streamed invoke estimates tokens with tiktoken, which downloads its tables.
    let text = "";
    for await (const chunk of await model.stream("hi", { callbacks: [createUsageHandler({ ledger })] })) text += String(chunk.content);
    expect(text).toBe("positive");
    expect(ledger.toJSON().entries).toEqual([
      expect.objectContaining({ role: "task", model: "task-model", calls: 1, standIn: true }),
    ]);
  });

  it("a call a real API answered (any other fingerprint, or none) has no standIn", async () => {
    server = await startOpenAICompatibleServer({
      handler: ({ index }) =>
        rawReply(200, {
          id: `chatcmpl-${index}`,
          object: "chat.completion",
          created: 1,
          model: "gpt-real",
          ...(index === 0 ? { system_fingerprint: "fp_3aa7262c27" } : {}),
          choices: [{ index: 0, message: { role: "assistant", content: "positive" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        }),
    });
    const ledger = new UsageLedger();
    const chain = prompt.pipe(chatOpenAI(server, { model: "gpt-real" }));
    await chain.invoke({ review: "a" }, { callbacks: [createUsageHandler({ ledger })] });
    await chain.invoke({ review: "b" }, { callbacks: [createUsageHandler({ ledger })] });
    const [entry] = ledger.toJSON().entries;
    expect(entry?.calls).toBe(2);
    expect(entry).not.toHaveProperty("standIn");
  });

  it("standIn survives toJSON / restore; saves without it still restore; a non-boolean is refused", () => {
    const ledger = new UsageLedger();
    ledger.reserve(undefined, "task", "scripted").commit({ inputTokens: 2, outputTokens: 1, standIn: true });
    ledger.reserve(undefined, "optimizer", "gpt-real").commit({ inputTokens: 5, outputTokens: 3 });
    const saved = JSON.parse(JSON.stringify(ledger.toJSON())) as ReturnType<UsageLedger["toJSON"]>;
    expect(saved.entries.map((e) => [e.role, e.standIn])).toEqual([
      ["optimizer", undefined],
      ["task", true],
    ]);
    expect(UsageLedger.fromJSON(saved).toJSON()).toEqual(saved);

    const older = { version: 1 as const, entries: [{ role: "task" as const, model: "m", calls: 1, inputTokens: 1, outputTokens: 1, costUsd: 0 }] };
    expect(UsageLedger.fromJSON(older).toJSON()).toEqual(older);

    const bad = { version: 1, entries: [{ ...older.entries[0], standIn: "yes" }] };
    expect(() => UsageLedger.fromJSON(bad as never)).toThrow(ModelOptionsError);
    expect(() => UsageLedger.fromJSON(bad as never)).toThrow(/standIn \(optional\) a boolean/);
  });
});
