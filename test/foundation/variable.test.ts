import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SchemaError, UnknownArgumentError, Variable, VariableValidationError } from "../../src/index.js";

const promptSchema = {
  type: "object",
  properties: { instructions: { type: "string", minLength: 1 }, temperature: { type: "number", maximum: 2 } },
  required: ["instructions"],
  additionalProperties: false,
};

describe("Variable", () => {
  it("refuses an invalid assign, lists what failed and keeps the old value", () => {
    const variable = new Variable({ name: "prompt", value: { instructions: "Be brief." }, schema: promptSchema });
    let caught: unknown;
    try {
      variable.assign({ instructions: 42 } as unknown as { instructions: string });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(VariableValidationError);
    const error = caught as VariableValidationError;
    expect(error.message).toContain("Invalid value for variable 'prompt'");
    expect(error.message).toContain("/instructions: must be string");
    expect(error.message).toContain("old value is kept");
    expect(error.issues).toEqual([{ path: "/instructions", message: "must be string" }]);
    expect(variable.json()).toEqual({ instructions: "Be brief." });
  });

  it("refuses an invalid update (unknown key, out of range) and keeps the old value", () => {
    const variable = new Variable({ value: { instructions: "x", temperature: 1 }, schema: promptSchema });
    expect(() => variable.update({ temperature: 5 })).toThrow(/temperature: must be <= 2/);
    expect(() => variable.update({ extra: true } as never)).toThrow(/unexpected property 'extra'/);
    expect(variable.json()).toEqual({ instructions: "x", temperature: 1 });
    variable.update({ temperature: 0.5 });
    expect(variable.json()).toEqual({ instructions: "x", temperature: 0.5 });
  });

  it("json() and get() return copies that cannot mutate the variable", () => {
    const variable = new Variable({
      value: { items: [{ text: "a" }] },
      schema: { type: "object", properties: { items: { type: "array" } } },
    });
    const copy = variable.json();
    copy.items.push({ text: "injected" });
    variable.get("items")[0]!.text = "changed";
    expect(variable.json()).toEqual({ items: [{ text: "a" }] });
  });

  it("does not alias the object it was assigned", () => {
    const value = { instructions: "a" };
    const variable = new Variable({ value, schema: promptSchema });
    value.instructions = "mutated outside";
    expect(variable.get("instructions")).toBe("a");
  });

  it("builds its schema from a zod dataModel and validates with it", () => {
    const variable = new Variable({
      dataModel: z.object({ instructions: z.string(), examples: z.array(z.string()) }),
      value: { instructions: "x", examples: [] },
    });
    expect(variable.schema()).toMatchObject({
      type: "object",
      properties: { instructions: { type: "string" }, examples: { type: "array", items: { type: "string" } } },
    });
    expect(variable.schema().$schema).toBeUndefined();
    expect(() => variable.assign({ instructions: "y", examples: [1] } as never)).toThrow(VariableValidationError);
  });

  it("takes an initializer function, defaults to trainable, and names itself", () => {
    const a = new Variable({ initializer: () => ({ instructions: "i" }), schema: promptSchema });
    const b = new Variable({ initializer: { instructions: "j" }, schema: promptSchema, trainable: false });
    expect(a.trainable).toBe(true);
    expect(b.trainable).toBe(false);
    expect(a.name).toMatch(/^variable(_\d+)?$/);
    expect(a.name).not.toBe(b.name);
    expect(JSON.parse(JSON.stringify(b))).toEqual({
      name: b.name,
      trainable: false,
      schema: b.schema(),
      value: { instructions: "j" },
    });
  });

  it("rejects a missing schema, a missing value, an invalid initial value and unknown arguments", () => {
    expect(() => new Variable({ value: { a: 1 } })).toThrow(SchemaError);
    expect(() => new Variable({ value: { a: 1 } })).toThrow(/needs a `schema` \(JSON Schema\) or a `dataModel`/);
    expect(() => new Variable({ schema: promptSchema })).toThrow(/needs an initial `value`/);
    expect(() => new Variable({ value: {}, schema: promptSchema })).toThrow(/missing required property 'instructions'/);
    expect(() => new Variable({ value: { instructions: "x" }, schema: promptSchema, trainabel: false } as never)).toThrow(
      UnknownArgumentError,
    );
    expect(() => new Variable({ value: { a: 1 }, dataModel: { parse() {} } as never })).toThrow(/zod v4 schema/);
    expect(() => new Variable({ value: { a: 1 }, schema: { type: "nonsense" } })).toThrow(/not valid JSON Schema/);
  });
});
