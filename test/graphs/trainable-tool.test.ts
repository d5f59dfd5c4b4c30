import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { ChatResult } from "@langchain/core/outputs";
import { convertToOpenAITool } from "@langchain/core/utils/function_calling";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnknownArgumentError } from "../../src/errors.js";
import { withVariableOverrides } from "../../src/prompts/overrides.js";
import { INSTRUCTIONS_SCHEMA } from "../../src/prompts/schemas.js";
import { ToolConfigurationError, ToolOverrideError } from "../../src/tools/errors.js";
import { TOOL_DESCRIPTION_SCHEMA } from "../../src/tools/schemas.js";
import { trainableTool } from "../../src/tools/trainable-tool.js";
import { startOpenAICompatibleServer, type CompletionRequest, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { ComponentTraceCollector } from "../../src/traces/component-trace-collector.js";
import { evaluate } from "../../src/training/evaluate.js";
import { containsSchema } from "../../src/variables/schema.js";
import { asMessages, lastMessageMatches, orderStatus, SEED_ORDER_DESCRIPTION, taskModel, webSearch } from "./support/shop-world.js";

let server: OpenAICompatibleServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("trainableTool", () => {
  it("holds { description, parameters } in a variable the tool-description schema routes to", () => {
    const order = trainableTool(orderStatus(), { name: "order_tool" });
    expect(order.name).toBe("order_status");
    expect(order.variableName).toBe("order_tool");
    expect(order.variable.json()).toEqual({ description: SEED_ORDER_DESCRIPTION, parameters: { orderId: "The order id, e.g. A1." } });
    expect(containsSchema(order.variable.schema(), TOOL_DESCRIPTION_SCHEMA)).toBe(true);
    expect(containsSchema(order.variable.schema(), INSTRUCTIONS_SCHEMA)).toBe(false);
    expect(trainableTool(webSearch()).variableName).toBe("web_search");
    expect(trainableTool(orderStatus(), { name: "o", description: "Start here.", parameters: { orderId: "Id." } }).variable.json()).toEqual({
      description: "Start here.",
      parameters: { orderId: "Id." },
    });
  });

  it("runs the wrapped tool: parsed args, and a ToolMessage for a tool call", async () => {
    const order = trainableTool(orderStatus(), { name: "order_tool" });
    expect(await order.invoke({ orderId: "A1" })).toBe("shipped");
    const message = (await order.invoke({ id: "call_1", name: "order_status", args: { orderId: "B2" }, type: "tool_call" })) as ToolMessage;
    expect(message).toBeInstanceOf(ToolMessage);
    expect(message.content).toBe("delivered");
    expect(message.tool_call_id).toBe("call_1");
    await expect(order.invoke({ orderId: 7 } as never)).rejects.toThrow(/did not match expected schema/);
  });

  it("shows its variable's text to anything that converts it, and refuses a direct assignment", () => {
    const order = trainableTool(orderStatus(), { name: "order_tool" });
    order.variable.update({ description: "Order lookups.", parameters: { orderId: "Which order." } });
    const converted = convertToOpenAITool(order);
    expect(converted.function.description).toBe("Order lookups.");
    expect(JSON.parse(JSON.stringify(converted.function.parameters)).properties.orderId.description).toBe("Which order.");
    expect(() => {
      order.description = "x";
    }).toThrow(ToolConfigurationError);
  });

  it("rejects unknown options and parameters, tools that are already trainable, and malformed overrides", async () => {
    expect(() => trainableTool(orderStatus(), { nmae: "x" } as never)).toThrow(UnknownArgumentError);
    expect(() => trainableTool(orderStatus(), { parameters: { id: "x" } })).toThrow(/has no parameter 'id'.*orderId/);
    expect(() => trainableTool(trainableTool(orderStatus()))).toThrow(/already trainable/);
    const order = trainableTool(orderStatus(), { name: "order_tool" });
    expect(() => order.valueFor(withVariableOverrides({}, { order_tool: { description: 3 } }))).toThrow(ToolOverrideError);
  });
});

/** A chat model that copies each tool's description when tools are bound, as many providers' bindTools do. */
class CopyingChatModel extends BaseChatModel {
  _llmType(): string {
    return "copying";
  }

  override bindTools(tools: StructuredToolInterface[]) {
    return this.withConfig({ tools: tools.map((t) => ({ name: t.name, description: t.description })) } as never);
  }

  override invocationParams(options?: this["ParsedCallOptions"]) {
    return { tools: (options as { tools?: unknown } | undefined)?.tools };
  }

  async _generate(_messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    const tools = ((options as { tools?: { description: string }[] }).tools ?? []).map((t) => t.description);
    const text = tools.join(" | ");
    return { generations: [{ text, message: new AIMessage(text) }] };
  }
}

describe("the candidate's description reaches every model request", () => {
  /** Answers with the descriptions it was sent (no tool call), slowly enough for runs to overlap. */
  const echo = (request: CompletionRequest) =>
    request.tools.map((t) => `${t.name}: ${t.description} [${JSON.stringify((t.parameters?.properties as Record<string, { description?: string }>)?.orderId?.description ?? null)}]`).join(" | ");

  const candidate = (text: string) => ({ order_tool: { description: text, parameters: { orderId: `id for ${text}` } } });
  const DATASET = [0, 1, 2].map((i) => ({ id: `q${i}`, input: asMessages(`question ${i}`), expected: "-" }));

  it("on the wire, per run, with tools bound once by createReactAgent (ChatOpenAI), all runs in flight at once", async () => {
    // The server holds every answer until all nine requests are in: three candidates' runs overlap for sure.
    let arrived = 0;
    let release!: () => void;
    const allIn = new Promise<void>((resolve) => (release = resolve));
    const barrier = async (request: CompletionRequest) => {
      if (++arrived === 9) release();
      await Promise.race([allIn, new Promise((resolve) => setTimeout(resolve, 5000))]);
      return echo(request);
    };
    server = await startOpenAICompatibleServer({ handler: barrier });
    const order = trainableTool(orderStatus(), { name: "order_tool" });
    const agent = createReactAgent({ llm: taskModel(server), tools: [order, webSearch()] });
    const [first, second, plain] = await Promise.all([
      evaluate(agent, { dataset: DATASET, reward: () => 1, values: candidate("first text"), concurrency: 3 }),
      evaluate(agent, { dataset: DATASET, reward: () => 1, values: candidate("second text"), concurrency: 3 }),
      evaluate(agent, { dataset: DATASET, reward: () => 1, concurrency: 3 }),
    ]);
    const answers = (result: typeof first) => result.predictions.map((p) => JSON.stringify(p.output));
    for (const answer of answers(first)) expect(answer).toContain('order_status: first text [\\"id for first text\\"] | web_search: Searches the web.');
    for (const answer of answers(second)) expect(answer).toContain('order_status: second text [\\"id for second text\\"]');
    for (const answer of answers(plain)) expect(answer).toContain(`order_status: ${SEED_ORDER_DESCRIPTION} [\\"The order id, e.g. A1.\\"]`);
    expect(server.maxInFlight).toBe(9);
    const sent = new Set(server.requests.map((r) => (r.body as { tools: { function: { description: string } }[] }).tools[0]!.function.description));
    expect(sent).toEqual(new Set(["first text", "second text", SEED_ORDER_DESCRIPTION]));
  });

  it("with a model that copies descriptions: bound inside the run it sends the candidate; bound ahead, the trace and a warning say the text was outdated", async () => {
    const order = trainableTool(orderStatus(), { name: "order_tool" });
    const prompt = ChatPromptTemplate.fromMessages([["human", "{q}"]]);
    const model = new CopyingChatModel({});
    const boundAhead = prompt.pipe(model.bindTools([order]));
    // Both run inside a function (as a graph node would), where the run's config is visible to the tool.
    const perCall = RunnableLambda.from(async (value: { q: string }, config) => prompt.pipe(model.bindTools([order])).invoke(value, config));
    const ahead = RunnableLambda.from(async (value: { q: string }, config) => boundAhead.invoke(value, config));
    const dataset = [{ id: "q", input: { q: "hi" }, expected: "-" }];
    const values = candidate("tuned");
    expect((await evaluate(perCall, { dataset, reward: () => 1, values, prompts: [order] })).predictions[0]?.output).toBe("tuned");
    // createReactAgent with a dynamic model binds in the agent's node, on every call.
    const agent = createReactAgent({ llm: () => model.bindTools([order]), tools: [order] });
    const viaAgent = await evaluate(agent, { dataset: [{ id: "q", input: asMessages("hi"), expected: "-" }], reward: () => 1, values });
    expect(JSON.stringify(viaAgent.predictions[0]?.output)).toContain('"role":"assistant","content":"tuned"');
    expect((await evaluate(ahead, { dataset, reward: () => 1, values, prompts: [order] })).predictions[0]?.output).toBe(SEED_ORDER_DESCRIPTION);

    // The trace collector, told the run's values, names the tool behind the copied definition and flags the stale copy.
    const traceOf = async (program: typeof perCall) => {
      const collector = new ComponentTraceCollector({ values });
      await program.invoke({ q: "hi" }, withVariableOverrides({ callbacks: [collector] }, values));
      return collector.trace();
    };
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => void (warning.code === "TUNECHAIN_STALE_TOOL_DESCRIPTION" && warnings.push(warning.message));
    process.on("warning", onWarning);
    try {
      const fresh = (await traceOf(perCall)).order_tool ?? [];
      expect(fresh.map((call) => [call.inputs, call.error])).toEqual([[{ tools: { order_status: "tuned" } }, undefined]]);
      expect(warnings).toEqual([]);
      const stale = (await traceOf(ahead)).order_tool ?? [];
      expect(stale[0]?.inputs).toEqual({ tools: { order_status: SEED_ORDER_DESCRIPTION } });
      expect(stale[0]?.error).toMatch(/outdated description of tool 'order_status'/);
      await traceOf(ahead);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/Bind the tools inside the run/);
    } finally {
      process.off("warning", onWarning);
    }
  });

  // Callbacks do not see the run's config, so ProgramEvaluator hands the trace collector the run's values.
  it("evaluate's trace flags a model that was sent a copy bound before the run", async () => {
    const order = trainableTool(orderStatus(), { name: "order_tool" });
    const boundAhead = ChatPromptTemplate.fromMessages([["human", "{q}"]]).pipe(new CopyingChatModel({}).bindTools([order]));
    const program = RunnableLambda.from(async (value: { q: string }, config) => boundAhead.invoke(value, config));
    const result = await evaluate(program, { dataset: [{ id: "q", input: { q: "hi" }, expected: "-" }], reward: () => 1, values: candidate("tuned"), prompts: [order] });
    expect(result.predictions[0]?.trace?.order_tool?.[0]?.error).toMatch(/outdated description/);
  });

  // A plain chain (or a graph node that is a Runnable, not a function) would run its model outside any async-local
  // config; ProgramEvaluator runs each program run inside AsyncLocalStorageProviderSingleton.runWithConfig, so the
  // tool sees the run's candidate.
  it("in a plain chain prompt → ChatOpenAI.bindTools([tool]), evaluated with a candidate, sends the candidate", async () => {
    server = await startOpenAICompatibleServer({ handler: echo });
    const order = trainableTool(orderStatus(), { name: "order_tool" });
    const chain = ChatPromptTemplate.fromMessages([["human", "{q}"]]).pipe(taskModel(server).bindTools([order]));
    const result = await evaluate(chain, { dataset: [{ id: "q", input: { q: "hi" }, expected: "-" }], reward: () => 1, values: candidate("tuned") });
    expect(JSON.stringify(result.predictions[0]?.output)).toContain("order_status: tuned");
  });
});
