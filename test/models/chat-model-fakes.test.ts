import { FakeListChatModel } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import { fromChatModel, StructuredOutputError } from "../../src/models/index.js";
import { answerSchema } from "./helpers.js";

const question = [{ role: "user" as const, content: "Is the sky blue?" }];

describe("fromChatModel with models that do not follow includeRaw or response formats", () => {
  it("accepts a parsed value returned without the raw message", async () => {
    const model = fromChatModel(new FakeListChatModel({ responses: ['{"answer":"no","confidence":1}'] }));
    const result = await model.generateStructured(question, { schema: answerSchema });
    expect(result).toMatchObject({ value: { answer: "no", confidence: 1 }, attempts: 1 });
  });

  it("switches to a prompted JSON answer when the structured path cannot parse, and reads fenced JSON", async () => {
    const fake = new FakeListChatModel({ responses: ['Sure.\n```json\n{"answer":"yes","confidence":0.2}\n```'] });
    const model = fromChatModel(fake);
    const result = await model.generateStructured(question, { schema: answerSchema });
    expect(result.value).toEqual({ answer: "yes", confidence: 0.2 });
    expect(result.attempts).toBe(2);
  });

  it("keeps the model's last text in StructuredOutputError when every round fails", async () => {
    const model = fromChatModel(new FakeListChatModel({ responses: ["no idea"] }), { maxRepairs: 1 });
    const error = await model.generateStructured(question, { schema: answerSchema }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StructuredOutputError);
    expect((error as StructuredOutputError).raw).toBe("no idea");
    expect((error as StructuredOutputError).attempts).toBe(2);
  });
});
