import { describe, expect, it } from "vitest";
import { z } from "zod";
import { containsSchema, restrictSchema, schemaFromDataModel, standardizeSchema } from "../../src/index.js";

const handWritten = {
  type: "object",
  title: "Prompt",
  properties: {
    instructions: { type: "string", description: "what the model is told" },
    examples: {
      type: "array",
      items: {
        type: "object",
        properties: { input: { type: "string" }, output: { type: "string" } },
        required: ["output", "input"],
        additionalProperties: false,
      },
    },
  },
  required: ["instructions", "examples"],
};

describe("containsSchema", () => {
  it("matches a zod-made and a hand-written schema of one shape, annotations ignored at every depth", () => {
    const fromZod = schemaFromDataModel(
      z.object({
        instructions: z.string().describe("a different description"),
        examples: z.array(z.object({ input: z.string(), output: z.string() })).describe("shots"),
      }),
    );
    expect(containsSchema(handWritten, fromZod)).toBe(true);
    expect(containsSchema(fromZod, handWritten)).toBe(true);
  });

  it("matches on the optimizer's keys only: a variable with more keys still matches", () => {
    expect(containsSchema(handWritten, { type: "object", properties: { instructions: { type: "string" } } })).toBe(true);
  });

  it("does not match a different type, a missing key, or a different nested shape", () => {
    expect(containsSchema(handWritten, { type: "object", properties: { instructions: { type: "number" } } })).toBe(false);
    expect(containsSchema(handWritten, { type: "object", properties: { rubric: { type: "string" } } })).toBe(false);
    const nested = structuredClone(handWritten);
    nested.properties.examples.items.properties.output = { type: "number" } as never;
    expect(containsSchema(handWritten, { type: "object", properties: { examples: nested.properties.examples } })).toBe(
      false,
    );
  });

  it("follows local $refs on either side", () => {
    const withRef = {
      type: "object",
      $defs: { Text: { type: "string" } },
      properties: { instructions: { $ref: "#/$defs/Text" } },
    };
    expect(containsSchema(withRef, { type: "object", properties: { instructions: { type: "string" } } })).toBe(true);
  });
});

describe("standardizeSchema and restrictSchema", () => {
  it("drops $schema, sorts keys, and copies", () => {
    const input = { type: "object", $schema: "https://json-schema.org/draft/2020-12/schema", properties: {} };
    const standard = standardizeSchema(input);
    expect(Object.keys(standard)).toEqual(["properties", "type"]);
    standard.type = "array";
    expect(input.type).toBe("object");
    expect(() => standardizeSchema(null as never)).toThrow(/must be a JSON Schema object, got null/);
  });

  it("cuts a schema down to some keys, strict-shaped", () => {
    const restricted = restrictSchema(handWritten, ["instructions"]);
    expect(restricted).toEqual({
      additionalProperties: false,
      properties: { instructions: { description: "what the model is told", type: "string" } },
      required: ["instructions"],
      type: "object",
    });
    expect(() => restrictSchema(handWritten, ["nope"])).toThrow(/no property 'nope'/);
  });
});
