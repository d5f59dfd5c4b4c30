import { afterEach, describe, expect, it } from "vitest";
import { fromChatModel, fromOpenAI, StructuredOutputError } from "../../src/models/index.js";
import { rawReply, startOpenAICompatibleServer, type CompletionHandler, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { answerSchema, chatOpenAI, openaiClient } from "./helpers.js";

let server: OpenAICompatibleServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: CompletionHandler) {
  server = await startOpenAICompatibleServer({ handler });
  return server;
}

const question = [{ role: "user" as const, content: "Is the sky blue?" }];

describe.each([
  ["fromOpenAI", (s: OpenAICompatibleServer) => fromOpenAI(openaiClient(s), { model: "gpt-test" })],
  ["fromChatModel(ChatOpenAI)", (s: OpenAICompatibleServer) => fromChatModel(chatOpenAI(s))],
])("structured output through %s", (_name, makeModel) => {
  it("sends a strict json_schema and returns the validated value with the server's usage", async () => {
    const s = await serve(() => ({ answer: "yes", confidence: 0.9 }));
    const model = makeModel(s);
    const result = await model.generateStructured(question, { schema: answerSchema, name: "verdict" });
    expect(result.value).toEqual({ answer: "yes", confidence: 0.9 });
    expect(result.attempts).toBe(1);
    const format = s.requests[0]?.body as { response_format: { type: string; json_schema: Record<string, unknown> } };
    expect(format.response_format.type).toBe("json_schema");
    expect(format.response_format.json_schema).toMatchObject({ name: "verdict", strict: true });
    // Usage is what the server reported (4-chars-a-token estimate of "Is the sky blue?" = 4 tokens).
    expect(result.usage.inputTokens).toBe(4);
    expect(model.ledger.summary().total).toMatchObject({ calls: 1, inputTokens: 4 });
  });

  it("repairs an invalid answer by showing the model its validation errors", async () => {
    const s = await serve((request) =>
      request.index === 0 ? { answer: "yes", confidence: 7 } : { answer: "yes", confidence: 0.7 },
    );
    const result = await makeModel(s).generateStructured(question, { schema: answerSchema });
    expect(result.value).toEqual({ answer: "yes", confidence: 0.7 });
    expect(result.attempts).toBe(2);
    expect(s.requests).toHaveLength(2);
    const repair = (s.requests[1]?.body as { messages: Array<{ role: string; content: string }> }).messages;
    expect(repair.at(-2)).toMatchObject({ role: "assistant", content: '{"answer":"yes","confidence":7}' });
    expect(repair.at(-1)?.content).toContain("/confidence: must be <= 1");
  });

  it("throws StructuredOutputError with the raw output after the last repair", async () => {
    const s = await serve(() => "I think so, yes.");
    const model = makeModel(s);
    const error = await model.generateStructured(question, { schema: answerSchema, name: "verdict" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StructuredOutputError);
    const structured = error as StructuredOutputError;
    expect(structured.raw).toBe("I think so, yes.");
    expect(structured.attempts).toBe(3);
    expect(structured.message).toMatch(/no valid answer for schema 'verdict' after 3 attempt\(s\) \(2 repair round\(s\)\)/);
    expect(structured.message).toContain("raise maxRepairs");
    expect(s.requests).toHaveLength(3);
  });
});

describe("fromOpenAI structured modes", () => {
  it("turns nulls that strict mode forces into optional properties back into absent keys", async () => {
    const schema = {
      type: "object",
      properties: { answer: { type: "string" }, note: { type: "string" } },
      required: ["answer"],
    };
    const s = await serve(() => ({ answer: "yes", note: null }));
    const result = await fromOpenAI(openaiClient(s), { model: "m" }).generateStructured(question, { schema });
    expect(result.value).toEqual({ answer: "yes" });
    const sent = (s.requests[0]?.body as { response_format: { json_schema: { schema: Record<string, unknown> } } })
      .response_format.json_schema.schema;
    expect(sent).toMatchObject({ required: ["answer", "note"], additionalProperties: false });
  });

  it("falls back to json_object with the schema in the prompt when the schema cannot be strict", async () => {
    const schema = { type: "object", additionalProperties: { type: "number" } };
    const s = await serve(() => ({ a: 1 }));
    const result = await fromOpenAI(openaiClient(s), { model: "m" }).generateStructured(question, { schema });
    expect(result.value).toEqual({ a: 1 });
    const body = s.requests[0]?.body as { response_format: unknown; messages: Array<{ content: string }> };
    expect(body.response_format).toEqual({ type: "json_object" });
    expect(body.messages[0]?.content).toContain('"additionalProperties":{"type":"number"}');
  });

  it("parses JSON out of a fenced block from a server that ignores response_format", async () => {
    const s = await serve(() => 'Sure! Here it is:\n```json\n{"answer": "yes", "confidence": 0.5}\n```');
    const model = fromOpenAI(openaiClient(s), { model: "m", structuredOutput: "prompted" });
    const result = await model.generateStructured(question, { schema: answerSchema });
    expect(result.value).toEqual({ answer: "yes", confidence: 0.5 });
    expect((s.requests[0]?.body as Record<string, unknown>).response_format).toBeUndefined();
  });

  it("falls back to json_object, then to a prompted answer, when the server refuses response_format", async () => {
    const s = await serve((request) => {
      const type = request.responseFormat?.type;
      if (type === "json_schema" || (type === "json_object" && request.index < 2)) {
        return rawReply(400, { error: { message: `response_format type ${String(type)} is not supported`, type: "invalid_request_error" } });
      }
      return { answer: "yes", confidence: 0.4 };
    });
    const model = fromOpenAI(openaiClient(s), { model: "m" });
    expect((await model.generateStructured(question, { schema: answerSchema })).value).toEqual({ answer: "yes", confidence: 0.4 });
    expect(s.requests.map((r) => (r.body as { response_format?: { type: string } }).response_format?.type ?? "none")).toEqual([
      "json_schema",
      "json_object",
      "none",
    ]);
    await model.generateStructured(question, { schema: answerSchema });
    expect(s.requests).toHaveLength(4); // the next call asks the way that worked, straight away
  });

  it("sends temperature and returns plain text with usage", async () => {
    const s = await serve((request) => `temperature was ${request.temperature}`);
    const model = fromOpenAI(openaiClient(s), { model: "m", temperature: 0.3 });
    expect((await model.generateText(question)).text).toBe("temperature was 0.3");
    expect((await model.generateText(question, { temperature: 1 })).text).toBe("temperature was 1");
  });
});
