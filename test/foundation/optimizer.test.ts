import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  NotImplementedError,
  Optimizer,
  OptimizerInputError,
  SchemaError,
  UnknownArgumentError,
  Variable,
  type OptimizationContext,
  type OptimizerFields,
} from "../../src/index.js";

const INSTRUCTIONS = { type: "object", properties: { instructions: { type: "string" } } };

/** Appends a marker to the instructions, and records which variables it saw. */
class MarkerOptimizer extends Optimizer {
  static override description = "Appends a marker to instructions.\nSecond line, not part of the description.";
  static override readonly knownFields = [...Optimizer.knownFields, "marker"];
  readonly marker: string;
  readonly finalized: string[] = [];
  readonly memory = this.trackVariable(
    new Variable({
      name: "memory",
      value: { seen: [] as string[] },
      schema: { type: "object", properties: { seen: { type: "array", items: { type: "string" } } } },
      trainable: false,
    }),
  );

  constructor(fields: OptimizerFields & { marker?: string }) {
    super(fields);
    this.marker = fields.marker ?? "!";
  }

  async optimize(variable: Variable<object>, _reward: number | undefined, _context: OptimizationContext) {
    const current = variable.json() as { instructions: string };
    variable.update({ instructions: current.instructions + this.marker } as never);
    this.memory.update({ seen: [...this.memory.get("seen"), variable.name] });
  }

  async finalize(variable: Variable<object>) {
    this.finalized.push(variable.name);
  }
}

/** A subclass without its own description. */
class Undocumented extends MarkerOptimizer {}

const promptVariable = (name: string) =>
  new Variable({
    name,
    value: { instructions: "Answer.", examples: [] as string[] },
    dataModel: z.object({ instructions: z.string().describe("zod-made"), examples: z.array(z.string()) }),
  });

afterEach(() => vi.restoreAllMocks());

describe("Optimizer (seed contract)", () => {
  it("rejects unknown arguments by name, and a missing schema", () => {
    expect(() => new MarkerOptimizer({ schema: INSTRUCTIONS, temprature: 1, lr: 2 } as never)).toThrow(
      UnknownArgumentError,
    );
    expect(() => new MarkerOptimizer({ schema: INSTRUCTIONS, temprature: 1, lr: 2 } as never)).toThrow(
      "Argument(s) not recognized by MarkerOptimizer: 'temprature', 'lr'",
    );
    expect(() => new MarkerOptimizer({})).toThrow(SchemaError);
    expect(() => new MarkerOptimizer({})).toThrow(/needs a `schema` \(JSON Schema\) or a `dataModel`/);
  });

  it("accepts a subclass's own option and gets its schema from a zod dataModel", () => {
    const optimizer = new MarkerOptimizer({ dataModel: z.object({ instructions: z.string() }), marker: "?" });
    expect(optimizer.marker).toBe("?");
    expect(optimizer.schema()).toEqual({
      additionalProperties: false,
      properties: { instructions: { type: "string" } },
      required: ["instructions"],
      type: "object",
    });
  });

  it("gives unnamed optimizers different snake_case names and keeps a given name", () => {
    const a = new MarkerOptimizer({ schema: INSTRUCTIONS });
    const b = new MarkerOptimizer({ schema: INSTRUCTIONS });
    expect(a.name).toMatch(/^marker_optimizer(_\d+)?$/);
    expect(b.name).toMatch(/^marker_optimizer_\d+$/);
    expect(a.name).not.toBe(b.name);
    expect(new MarkerOptimizer({ schema: INSTRUCTIONS, name: "mine" }).name).toBe("mine");
  });

  it("defaults the description to the first line of the class's own description", () => {
    expect(new MarkerOptimizer({ schema: INSTRUCTIONS }).description).toBe("Appends a marker to instructions.");
    expect(new Undocumented({ schema: INSTRUCTIONS }).description).toBe("");
    expect(new MarkerOptimizer({ schema: INSTRUCTIONS, description: "custom" }).description).toBe("custom");
  });

  it("increments the iteration exactly once per applyOptimization, also when nothing matches", async () => {
    const optimizer = new MarkerOptimizer({ schema: INSTRUCTIONS });
    expect(optimizer.iterations.json()).toEqual({ iteration: 0 });
    expect(optimizer.iterations.trainable).toBe(false);
    const unrelated = new Variable({ value: { rubric: "r" }, schema: { type: "object", properties: { rubric: { type: "string" } } } });
    await optimizer.applyOptimization([unrelated]);
    await optimizer.applyOptimization([]);
    expect(optimizer.iterations.get("iteration")).toBe(2);
    await optimizer.applyOptimization([promptVariable("p"), promptVariable("q")]);
    expect(optimizer.iterations.get("iteration")).toBe(3);
  });

  it("optimizes and finalizes only trainable variables whose schema contains its own", async () => {
    const optimizer = new MarkerOptimizer({ schema: { type: "object", properties: { instructions: { type: "string", description: "hand-written" } } } });
    const matching = promptVariable("prompt");
    const wrongType = new Variable({
      name: "numeric",
      value: { instructions: 3 },
      schema: { type: "object", properties: { instructions: { type: "number" } } },
    });
    const frozen = new Variable({ name: "frozen", value: { instructions: "keep" }, schema: INSTRUCTIONS, trainable: false });
    const optimized = await optimizer.applyOptimization([matching, wrongType, frozen]);
    expect(optimized).toEqual(["prompt"]);
    expect(matching.get("instructions" as never)).toBe("Answer.!");
    expect(wrongType.json()).toEqual({ instructions: 3 });
    expect(frozen.json()).toEqual({ instructions: "keep" });
    expect(await optimizer.finalizeVariableValues([matching, wrongType, frozen])).toEqual(["prompt"]);
    expect(optimizer.finalized).toEqual(["prompt"]);
  });

  it("round-trips its own variables through save and load", async () => {
    const first = new MarkerOptimizer({ schema: INSTRUCTIONS });
    await first.applyOptimization([promptVariable("a")]);
    await first.applyOptimization([promptVariable("b")]);
    const store: Record<string, unknown> = {};
    first.saveOwnVariables(store);
    expect(Object.keys(store)).toEqual(["0", "1"]);

    const second = new MarkerOptimizer({ schema: INSTRUCTIONS });
    second.loadOwnVariables(JSON.parse(JSON.stringify(store)));
    expect(second.iterations.get("iteration")).toBe(2);
    expect(second.memory.get("seen")).toEqual(["a", "b"]);
    expect(second.variables.map((v) => v.json())).toEqual(first.variables.map((v) => v.json()));
  });

  it("warns with an explanation and loads nothing on a count mismatch", () => {
    const optimizer = new MarkerOptimizer({ schema: INSTRUCTIONS });
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    optimizer.loadOwnVariables({ "0": { iteration: 9 } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/Skipping variable loading for optimizer '.*', because it has 2 variables whereas the saved optimizer has 1 variables/);
    expect(optimizer.iterations.get("iteration")).toBe(0);
  });

  it("refuses a store whose values do not fit, before writing anything", () => {
    const optimizer = new MarkerOptimizer({ schema: INSTRUCTIONS });
    expect(() => optimizer.loadOwnVariables({ "0": { iteration: 5 }, "1": { seen: [1] } })).toThrow(OptimizerInputError);
    expect(() => optimizer.loadOwnVariables({ "0": { iteration: 5 }, "1": { seen: [1] } })).toThrow(/Nothing was loaded/);
    expect(optimizer.iterations.get("iteration")).toBe(0);
  });

  it("round-trips getConfig through fromConfig with an equal schema (not a bound method)", () => {
    const optimizer = new MarkerOptimizer({ dataModel: z.object({ instructions: z.string() }), name: "cfg" });
    const config = optimizer.getConfig();
    expect(typeof config.schema).toBe("object");
    const rebuilt = MarkerOptimizer.fromConfig(config);
    expect(rebuilt).toBeInstanceOf(MarkerOptimizer);
    expect(rebuilt.schema()).toEqual(optimizer.schema());
    expect(rebuilt.name).toBe("cfg");
    expect(rebuilt.description).toBe(optimizer.description);
  });

  it("prints as <Optimizer name=… description=…>", () => {
    const optimizer = new MarkerOptimizer({ schema: INSTRUCTIONS, name: "opt" });
    expect(String(optimizer)).toBe("<Optimizer name=opt description=Appends a marker to instructions.>");
  });

  it("names the missing method when a JavaScript subclass forgets optimize or finalize", async () => {
    // Plain-JS users bypass the abstract check of TypeScript.
    const Broken = class extends (Optimizer as unknown as new (f: OptimizerFields) => object) {} as unknown as new (
      f: OptimizerFields,
    ) => Optimizer;
    const broken = new Broken({ schema: INSTRUCTIONS });
    await expect(broken.applyOptimization([promptVariable("x")])).rejects.toThrow(NotImplementedError);
    await expect(broken.applyOptimization([promptVariable("x")])).rejects.toThrow(/must implement the `optimize\(\)` method/);
    await expect(broken.finalizeVariableValues([])).rejects.toThrow(/must implement the `finalize\(\)` method/);
  });
});
