import { FakeListChatModel } from "@langchain/core/utils/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fromChatModel, StructuredOutputError } from "../../src/models/index.js";
import { answerSchema } from "./helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

const question = [{ role: "user" as const, content: "Is the sky blue?" }];

describe("fromChatModel with models that do not follow includeRaw or response formats", () => {
  it("accepts a parsed value returned without the raw message", async () => {
    const model = fromChatModel(new FakeListChatModel({ responses: ['{"answer":"no","confidence":1}'], maxRetries: 0 }));
    const result = await model.generateStructured(question, { schema: answerSchema });
    expect(result).toMatchObject({ value: { answer: "no", confidence: 1 }, attempts: 1 });
  });

  it("switches to a prompted JSON answer when the structured path cannot parse, and reads fenced JSON", async () => {
    const fake = new FakeListChatModel({ responses: ['Sure.\n```json\n{"answer":"yes","confidence":0.2}\n```'], maxRetries: 0 });
    const model = fromChatModel(fake);
    const result = await model.generateStructured(question, { schema: answerSchema });
    expect(result.value).toEqual({ answer: "yes", confidence: 0.2 });
    expect(result.attempts).toBe(2);
  });

  it("keeps the model's last text in StructuredOutputError when every round fails", async () => {
    const model = fromChatModel(new FakeListChatModel({ responses: ["no idea"], maxRetries: 0 }), { maxRepairs: 1 });
    const error = await model.generateStructured(question, { schema: answerSchema }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StructuredOutputError);
    expect((error as StructuredOutputError).raw).toBe("no idea");
    expect((error as StructuredOutputError).attempts).toBe(2);
  });
});

describe("fromChatModel retry layers", () => {
  it("warns when the chat model would retry on top of tunechain's retries, and says how to fix it", () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    fromChatModel(new FakeListChatModel({ responses: ["x"] }));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toBe(
      "fromChatModel: the chat model 'fake-list' retries failed calls by itself (maxRetries=6) and tunechain " +
        "retries them too (maxRetries=3), so one call can become 28 requests. Create the chat model with " +
        "maxRetries: 0, or pass maxRetries: 0 to fromChatModel.",
    );
    fromChatModel(new FakeListChatModel({ responses: ["x"], maxRetries: 0 }));
    fromChatModel(new FakeListChatModel({ responses: ["x"] }), { maxRetries: 0 });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
