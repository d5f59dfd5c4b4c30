import { describe, expect, it } from "vitest";
import { parseModelJson } from "../../src/models/json-answer.js";
import { fromStrict, toStrictSchema } from "../../src/models/strict-schema.js";
import { validateAgainstSchema } from "../../src/variables/validator.js";

describe("toStrictSchema", () => {
  const schema = {
    type: "object",
    properties: {
      instructions: { type: "string" },
      examples: {
        type: "array",
        items: {
          type: "object",
          properties: { input: { type: "string" }, output: { type: "string" }, note: { anyOf: [{ type: "string" }, { type: "number" }] } },
          required: ["input", "output"],
        },
      },
    },
    required: ["instructions"],
  };

  it("requires every property, forbids others, and makes optional ones nullable at every depth", () => {
    const strict = toStrictSchema(schema)!;
    expect(strict).toMatchObject({
      required: ["instructions", "examples"],
      additionalProperties: false,
      properties: {
        examples: {
          type: ["array", "null"],
          items: {
            required: ["input", "output", "note"],
            additionalProperties: false,
            properties: { note: { anyOf: [{ anyOf: [{ type: "string" }, { type: "number" }] }, { type: "null" }] } },
          },
        },
      },
    });
  });

  it("maps a strict answer back to one that validates against the original schema", () => {
    const strictAnswer = { instructions: "x", examples: [{ input: "a", output: "b", note: null }] };
    expect(validateAgainstSchema(toStrictSchema(schema)!, strictAnswer)).toEqual([]);
    const restored = fromStrict(strictAnswer, schema);
    expect(restored).toEqual({ instructions: "x", examples: [{ input: "a", output: "b" }] });
    expect(validateAgainstSchema(schema, restored)).toEqual([]);
    expect(fromStrict({ instructions: "x", examples: null }, schema)).toEqual({ instructions: "x" });
  });

  it("gives up on keywords strict mode cannot express", () => {
    expect(toStrictSchema({ type: "object", additionalProperties: { type: "string" } })).toBeUndefined();
    expect(toStrictSchema({ type: "object", properties: { a: { type: "string", not: { const: "" } } } })).toBeUndefined();
    expect(toStrictSchema({ type: "array", items: { type: "string" } })).toBeUndefined();
  });
});

describe("parseModelJson", () => {
  it("reads plain JSON, fenced blocks, and JSON inside prose", () => {
    expect(parseModelJson(' {"a": 1} ')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseModelJson('Here:\n```json\n{"a": 2}\n```\nDone.')).toEqual({ ok: true, value: { a: 2 } });
    expect(parseModelJson('The answer is {"a": "}{"} as asked.')).toEqual({ ok: true, value: { a: "}{" } });
    expect(parseModelJson("no json here")).toEqual({ ok: false, reason: "the answer contains no parseable JSON value" });
    expect(parseModelJson("  ")).toEqual({ ok: false, reason: "the answer is empty" });
  });
});
