import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  BudgetExceededError,
  createUsageHandler,
  fromChatModel,
  fromOpenAI,
  ModelOptionsError,
  UsageLedger,
} from "../../src/models/index.js";
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { chatOpenAI, openaiClient } from "./helpers.js";

let server: OpenAICompatibleServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

/** Everything printed through console.error/warn or written to stderr from now on. */
function captureStderr(): string[] {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  vi.spyOn(console, "error").mockImplementation(keep);
  vi.spyOn(console, "warn").mockImplementation(keep);
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

const prompt = ChatPromptTemplate.fromMessages([
  ["system", "Classify the review."],
  ["human", "{review}"],
]);

describe("createUsageHandler", () => {
  it("records the task model's tokens from the user's chain under the task role", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "positive" });
    const ledger = new UsageLedger();
    const chain = prompt.pipe(chatOpenAI(server, { model: "task-model" }));
    await chain.invoke({ review: "great film" }, { callbacks: [createUsageHandler({ ledger })] });
    await chain.invoke({ review: "awful film" }, { callbacks: [createUsageHandler({ ledger })] });
    // The server's usage: ceil(20/4)=5 + ceil(10/4)=3 input tokens, ceil(8/4)=2 output tokens per call.
    expect(ledger.summary().byRole.task).toEqual({ calls: 2, inputTokens: 16, outputTokens: 4, costUsd: 0 });
    expect(ledger.summary().byModel?.["task-model"]?.calls).toBe(2);
  });

  it("refuses a chat model start past the budget, so the chain call fails before any request", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "positive" });
    const ledger = new UsageLedger();
    const handler = createUsageHandler({ ledger, budget: { maxCalls: 2 } });
    const chain = prompt.pipe(chatOpenAI(server));
    await chain.invoke({ review: "a" }, { callbacks: [handler] });
    await chain.invoke({ review: "b" }, { callbacks: [handler] });
    const printed = captureStderr();
    await expect(chain.invoke({ review: "c" }, { callbacks: [handler] })).rejects.toThrow(BudgetExceededError);
    expect(server.requests).toHaveLength(2);
    expect(ledger.summary().total.calls).toBe(2);
    expect(printed).toEqual([]);
  });

  it("stops quietly when the budget runs out with several calls in flight: refused, never sent, nothing printed", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "positive", latencyMs: 30 });
    const ledger = new UsageLedger();
    const handler = createUsageHandler({ ledger, budget: { maxCalls: 3 } });
    const model = chatOpenAI(server, { model: "task-model" });
    const printed = captureStderr();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => prompt.pipe(model).invoke({ review: `review ${i}` }, { callbacks: [handler] })),
    );
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(refused).toHaveLength(5);
    for (const reason of refused) expect(reason).toBeInstanceOf(BudgetExceededError);
    expect(server.requests).toHaveLength(3); // refused calls never reached the server
    expect(server.maxInFlight).toBe(3);
    expect(ledger.summary().total.calls).toBe(3);
    expect(ledger.inFlight).toBe(0);
    expect(printed).toEqual([]);
  });

  it("stops quietly in a streamed call too", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "positive" });
    const ledger = new UsageLedger();
    const handler = createUsageHandler({ ledger, budget: { maxCalls: 1 } });
    const model = chatOpenAI(server, { model: "task-model" });
    await model.invoke("first", { callbacks: [handler] });
    const printed = captureStderr();
    const refuse = async () => {
      for await (const _chunk of await model.stream("second", { callbacks: [handler] })) {
        // the refusal comes before the first chunk
      }
    };
    await expect(refuse()).rejects.toThrow(BudgetExceededError);
    expect(server.requests).toHaveLength(1);
    expect(printed).toEqual([]);
  });

  it("still refuses from handleChatModelStart when LangChain did not call the synchronous hook first", async () => {
    const ledger = new UsageLedger();
    const handler = createUsageHandler({ ledger, budget: { maxCalls: 1 } });
    const llm = { lc: 1, type: "not_implemented", id: ["test", "model"] } as Serialized;
    await handler.handleChatModelStart(llm, [], "run-1");
    expect(ledger.inFlight).toBe(1);
    await expect(handler.handleChatModelStart(llm, [], "run-2")).rejects.toThrow(BudgetExceededError);
    await handler.handleLLMError(new Error("failed"), "run-1");
    expect(ledger.inFlight).toBe(0);
    // A run the synchronous hook reserved is not reserved again when its handleChatModelStart follows.
    handler._createRunForChatModelStart(llm, [], "run-3");
    await handler.handleChatModelStart(llm, [], "run-3");
    expect(ledger.inFlight).toBe(1);
    expect(() => handler._createRunForChatModelStart(llm, [], "run-4")).toThrow(BudgetExceededError);
  });

  it("does not count an adapter's own calls twice when the handler rides on the same callbacks", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "ok" });
    const ledger = new UsageLedger();
    const handler = createUsageHandler({ ledger });
    const viaOpenAI = fromOpenAI(openaiClient(server), { model: "m", ledger });
    const viaChat = fromChatModel(chatOpenAI(server), { ledger });
    const messages = [{ role: "user" as const, content: "hi" }];
    await viaOpenAI.generateText(messages, { config: { callbacks: [handler] } });
    await viaChat.generateText(messages, { config: { callbacks: [handler] } });
    expect(ledger.summary().total.calls).toBe(2);
    expect(ledger.summary().byRole.task).toBeUndefined();
  });

  it("releases the reservation of a run that fails, so failed calls neither count nor block the budget", async () => {
    server = await startOpenAICompatibleServer({ handler: () => "ok", faults: { script: ["server-error"] } });
    const ledger = new UsageLedger();
    const handler = createUsageHandler({ ledger, budget: { maxCalls: 1 } });
    const chain = prompt.pipe(chatOpenAI(server));
    await expect(chain.invoke({ review: "a" }, { callbacks: [handler] })).rejects.toThrow();
    expect(ledger.inFlight).toBe(0);
    await chain.invoke({ review: "b" }, { callbacks: [handler] });
    expect(ledger.summary().total.calls).toBe(1);
  });

  it("rejects a missing ledger with a message showing how to make one", () => {
    expect(() => createUsageHandler({} as never)).toThrow(
      new ModelOptionsError(
        "createUsageHandler: options.ledger must be a UsageLedger, e.g. createUsageHandler({ ledger: new UsageLedger() }).",
      ),
    );
  });
});

/** Collects LLM runs and the chain runs around them. */
class RunCollector extends BaseCallbackHandler {
  name = "run_collector";
  chains: string[] = [];
  llmRuns: Array<{ runId: string; parentRunId: string | undefined; name: string | undefined; ended: boolean }> = [];
  override async handleChainStart(_chain: Serialized, _inputs: unknown, runId: string) {
    this.chains.push(runId);
  }
  override async handleChatModelStart(
    _llm: Serialized,
    _messages: unknown,
    runId: string,
    parentRunId?: string,
    _extra?: unknown,
    _tags?: string[],
    _metadata?: unknown,
    name?: string,
  ) {
    this.llmRuns.push({ runId, parentRunId, name, ended: false });
  }
  override async handleLLMEnd(_output: unknown, runId: string) {
    const run = this.llmRuns.find((r) => r.runId === runId);
    if (run) run.ended = true;
  }
}

describe("tracing", () => {
  it.each([
    ["fromOpenAI", (s: OpenAICompatibleServer) => fromOpenAI(openaiClient(s), { model: "m" })],
    ["fromChatModel", (s: OpenAICompatibleServer) => fromChatModel(chatOpenAI(s))],
  ])("%s makes each request a child run of the caller's run", async (_name, make) => {
    server = await startOpenAICompatibleServer({ handler: () => "ok" });
    const model = make(server);
    const collector = new RunCollector();
    const step = RunnableLambda.from(async (input: string, config) => {
      return (await model.generateText([{ role: "user", content: input }], { config })).text;
    });
    expect(await step.invoke("hi", { callbacks: [collector] })).toBe("ok");
    expect(collector.llmRuns).toHaveLength(1);
    expect(collector.llmRuns[0]?.parentRunId).toBe(collector.chains[0]);
    expect(collector.llmRuns[0]?.ended).toBe(true);
  });
});
