import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import { RunnableLambda } from "@langchain/core/runnables";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import {
  Optimizer,
  OptimizerInputError,
  Variable,
  type OptimizationContext,
  type OptimizerFields,
} from "../../src/index.js";

const INSTRUCTIONS = { type: "object", properties: { instructions: { type: "string" } } };

interface RunSeen {
  kind: "chain" | "llm";
  name: string;
  runId: string;
  parentRunId?: string;
}

/** Records every run start with its parent, as a tracer would. */
class RunRecorder extends BaseCallbackHandler {
  name = "run_recorder";
  runs: RunSeen[] = [];
  errors: string[] = [];
  // @langchain/core 1.x calls this with (chain, inputs, runId, parentRunId, tags, metadata, runType, runName),
  // which is not the order its .d.ts declares; read the arguments by their runtime position.
  override async handleChainStart(_chain: Serialized, _inputs: unknown, runId: string, ...rest: unknown[]) {
    const parentRunId = typeof rest[0] === "string" ? rest[0] : undefined;
    this.runs.push({ kind: "chain", name: String(rest[4] ?? ""), runId, parentRunId });
  }
  override async handleChainError(error: Error) {
    this.errors.push(error.message);
  }
  override async handleChatModelStart(llm: Serialized, _m: unknown, runId: string, parentRunId?: string) {
    this.runs.push({ kind: "llm", name: llm.id.at(-1) ?? "", runId, parentRunId });
  }
}

/** Asks a chat model for new instructions and runs a helper Runnable, both with the step's config. */
class ModelDrivenOptimizer extends Optimizer {
  static override description = "Rewrites instructions with a chat model.";
  model = new FakeListChatModel({ responses: ["Think step by step."] });
  helper = RunnableLambda.from(async (text: string) => text.trim()).withConfig({ runName: "clean_up" });

  async optimize(variable: Variable<object>, _reward: number | undefined, context: OptimizationContext) {
    const message = await this.model.invoke("Rewrite the instructions.", context.config);
    const text = await this.helper.invoke(String(message.content), context.config);
    variable.update({ instructions: text } as never);
  }
  async finalize() {}
}

/** Works in small slices and stops at the first slice after its signal is aborted. */
class SlowOptimizer extends Optimizer {
  slicesDone = 0;
  constructor(fields: OptimizerFields, private readonly onSlice: (n: number) => void = () => undefined) {
    super(fields);
  }
  async optimize(_variable: Variable<object>, _reward: number | undefined, context: OptimizationContext) {
    for (let i = 0; i < 200; i++) {
      context.signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, 5));
      this.slicesDone += 1;
      this.onSlice(this.slicesDone);
    }
  }
  async finalize() {}
}

const variable = () => new Variable({ name: "prompt", value: { instructions: "Answer." }, schema: INSTRUCTIONS });
const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

describe("Optimizer as a LangChain Runnable", () => {
  it("is a chain run named after the optimizer, with LLM and runnable calls as its children", async () => {
    const optimizer = new ModelDrivenOptimizer({ schema: INSTRUCTIONS, name: "rewriter" });
    const recorder = new RunRecorder();
    const prompt = variable();
    const output = await optimizer.invoke({ variables: [prompt] }, { callbacks: [recorder] });

    expect(output).toEqual({
      iteration: 1,
      optimized: ["prompt"],
      finalized: [],
      variables: { prompt: { instructions: "Think step by step." } },
    });
    const root = recorder.runs.find((run) => run.name === "rewriter");
    expect(root).toMatchObject({ kind: "chain" });
    expect(root?.parentRunId).toBeUndefined();
    const llm = recorder.runs.find((run) => run.kind === "llm");
    const helper = recorder.runs.find((run) => run.name === "clean_up");
    expect(llm?.parentRunId).toBe(root?.runId);
    expect(helper?.parentRunId).toBe(root?.runId);
  });

  it("has a LangChain identity and composes with pipe and batch", async () => {
    expect(ModelDrivenOptimizer.lc_name()).toBe("Optimizer");
    const optimizer = new ModelDrivenOptimizer({ schema: INSTRUCTIONS });
    expect(optimizer.lc_namespace).toEqual(["tunechain", "optimizers"]);
    const chain = RunnableLambda.from((v: Variable<object>) => ({ variables: [v] }))
      .pipe(optimizer)
      .pipe(RunnableLambda.from((out: { iteration: number }) => out.iteration));
    expect(await chain.invoke(variable())).toBe(1);
    const outputs = await optimizer.batch([{ variables: [variable()] }, { variables: [] }]);
    expect(outputs.map((o) => o.optimized)).toEqual([["prompt"], []]);
  });

  it("finalizes when asked and takes the reward from predictions", async () => {
    class Recording extends ModelDrivenOptimizer {
      rewards: (number | undefined)[] = [];
      finalized = 0;
      override async optimize(v: Variable<object>, reward: number | undefined, context: OptimizationContext) {
        this.rewards.push(reward);
        await super.optimize(v, reward, context);
      }
      override async finalize() {
        this.finalized += 1;
      }
    }
    const optimizer = new Recording({ schema: INSTRUCTIONS });
    const predictions = [0, 1, 1, 0.5].map((score, i) => ({ exampleId: String(i), input: {}, output: "", score }));
    await optimizer.invoke({ variables: [variable()], predictions, finalize: true });
    expect(optimizer.rewards).toEqual([0.625]);
    expect(optimizer.finalized).toBe(1);
  });

  it("rejects input without Variable objects with a message saying what to pass", async () => {
    const optimizer = new ModelDrivenOptimizer({ schema: INSTRUCTIONS });
    await expect(optimizer.invoke({ variables: [{ instructions: "x" }] } as never)).rejects.toThrow(OptimizerInputError);
    await expect(optimizer.invoke({} as never)).rejects.toThrow(/expects \{ variables: Variable\[\] \}/);
  });

  it("rejects on an aborted signal and stops the work inside optimize", async () => {
    const controller = new AbortController();
    const optimizer = new SlowOptimizer({ schema: INSTRUCTIONS }, (n) => {
      if (n === 3) controller.abort(new Error("user cancelled"));
    });
    const recorder = new RunRecorder();
    await expect(
      optimizer.invoke({ variables: [variable()] }, { signal: controller.signal, callbacks: [recorder] }),
    ).rejects.toThrow(/user cancelled|abort/i);
    await settle();
    expect(optimizer.slicesDone).toBe(3);
    expect(recorder.errors.length).toBe(1);
  });

  it("rejects when the timeout passes and stops the work inside optimize", async () => {
    const optimizer = new SlowOptimizer({ schema: INSTRUCTIONS });
    await expect(optimizer.invoke({ variables: [variable()] }, { timeout: 40 })).rejects.toThrow(/abort|timeout/i);
    const slicesAtRejection = optimizer.slicesDone;
    await settle();
    expect(optimizer.slicesDone).toBeLessThan(200);
    expect(optimizer.slicesDone - slicesAtRejection).toBeLessThanOrEqual(1);
  });

  it("does not start when the signal is already aborted", async () => {
    const optimizer = new SlowOptimizer({ schema: INSTRUCTIONS });
    await expect(optimizer.invoke({ variables: [variable()] }, { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(optimizer.slicesDone).toBe(0);
    expect(optimizer.iterations.get("iteration")).toBe(0);
  });
});
