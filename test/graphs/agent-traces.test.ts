import type { BaseMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { MessagesPlaceholder } from "@langchain/core/prompts";
import { tool } from "@langchain/core/tools";
import type { RunnableConfig } from "@langchain/core/runnables";
import { Annotation, END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { createReactAgent, ToolNode, toolsCondition } from "@langchain/langgraph/prebuilt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import type { Reward } from "../../src/rewards/reward.js";
import { trainableTool } from "../../src/tools/trainable-tool.js";
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { evaluate } from "../../src/training/evaluate.js";
import { fit } from "../../src/training/fit.js";
import {
  ARITHMETIC_TRAIN,
  ARITHMETIC_VAL,
  asMessages,
  calculator,
  lastMessageMatches,
  optimizerModel,
  orderStatus,
  SEED_INSTRUCTIONS,
  SEED_ORDER_DESCRIPTION,
  shopHandler,
  taskModel,
  webSearch,
} from "./support/shop-world.js";

let server: OpenAICompatibleServer;
beforeEach(async () => {
  server = await startOpenAICompatibleServer({ handler: shopHandler });
});
afterEach(async () => {
  await server.close();
});

const agentPrompt = () => new TrainablePrompt({ name: "agent", instructions: SEED_INSTRUCTIONS, messages: [new MessagesPlaceholder("messages")] });

describe("an agent's trace", () => {
  it("holds each step of the agent's prompt: its model's tool calls, the tool results and the step count; the reward gets the final state", async () => {
    const prompt = agentPrompt();
    const agent = createReactAgent({ llm: taskModel(server), tools: [calculator(), webSearch()], prompt });
    const states: { messages: BaseMessage[] }[] = [];
    const reward: Reward<{ messages: BaseMessage[] }, string> = (state, example) => {
      states.push(state);
      return lastMessageMatches(state, example);
    };
    const result = await evaluate(agent, { dataset: [{ id: "q", input: asMessages("What is 6 times 7?"), expected: "42" }], reward, prompts: [prompt] });
    const [prediction] = result.predictions;
    const calls = prediction?.trace?.agent ?? [];
    expect(calls).toHaveLength(2);
    expect(calls.map((call) => call.steps)).toEqual([2, 2]);
    expect(calls[0]?.outputs[0]?.toolCalls).toEqual([{ name: "calculator", args: { question: "What is 6 times 7?" }, id: "call_0_0" }]);
    expect(calls[0]?.toolResults).toEqual([{ name: "calculator", callId: "call_0_0", output: "42" }]);
    expect(calls[1]?.outputs[0]?.text).toBe("The answer is: 42.");
    expect(calls[1]?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    // The reward was handed the graph's final state, messages and all.
    expect(states).toHaveLength(1);
    expect(states[0]?.messages.map((m) => m.getType())).toEqual(["human", "ai", "tool", "ai"]);
    expect(prediction?.score).toBe(0);
    expect(prediction?.feedback).toBe('Expected "42", got "The answer is: 42.".');
  });

  it("has a component for a trainable tool: each model call that was offered it, with the descriptions read and the calls made", async () => {
    const orderTool = trainableTool(orderStatus(), { name: "order_tool" });
    const agent = createReactAgent({ llm: taskModel(server), tools: [orderTool, webSearch()], prompt: "Reply with the bare answer only." });
    const result = await evaluate(agent, { dataset: [{ id: "q", input: asMessages("Where is my order A1?"), expected: "shipped" }], reward: lastMessageMatches });
    const calls = result.predictions[0]?.trace?.order_tool ?? [];
    expect(calls).toHaveLength(2);
    expect(calls[0]?.inputs).toEqual({ tools: { order_status: SEED_ORDER_DESCRIPTION, web_search: "Searches the web." } });
    expect(calls[0]?.outputs[0]?.toolCalls?.map((c) => c.name)).toEqual(["web_search"]);
    expect(calls[0]?.toolResults?.[0]).toMatchObject({ name: "web_search", output: 'no results for "Where is my order A1?"' });
    expect(result.mean).toBe(0);
  });

  it("records a tool's error in the trace (ToolNode hands it to the model); an unhandled one fails the run: score 0, error as feedback", async () => {
    const broken = tool(async () => {
      throw new Error("the calculator is out of order");
    }, { name: "calculator", description: "Does arithmetic on the numbers in a question.", schema: z.object({ question: z.string() }) });
    const dataset = [{ id: "q", input: asMessages("What is 6 times 7?"), expected: "42" }];
    const softPrompt = agentPrompt();
    const handled = createReactAgent({ llm: taskModel(server), tools: [broken], prompt: softPrompt });
    const soft = await evaluate(handled, { dataset, reward: lastMessageMatches, prompts: [softPrompt] });
    expect(soft.predictions[0]?.error).toBeUndefined();
    expect(JSON.stringify(soft.predictions[0]?.output)).toContain("the calculator is out of order");
    expect(soft.predictions[0]?.trace?.agent?.[0]?.toolResults?.[0]?.error).toMatch(/the calculator is out of order/);

    const prompt = agentPrompt();
    const strict = createReactAgent({ llm: taskModel(server), tools: new ToolNode([broken], { handleToolErrors: false }), prompt });
    const hard = await evaluate(strict, { dataset, reward: lastMessageMatches, prompts: [prompt], retries: 0 });
    expect(hard.predictions[0]).toMatchObject({ score: 0, output: null });
    expect(hard.predictions[0]?.error).toMatch(/the calculator is out of order/);
    expect(hard.predictions[0]?.feedback).toMatch(/^The program failed: .*the calculator is out of order/);
    // What ran before the failure is still in the trace: the model's call of the tool, and the tool's error.
    expect(hard.predictions[0]?.trace?.agent?.[0]?.toolResults).toEqual([
      { name: "calculator", callId: expect.stringMatching(/^call_/), error: expect.stringMatching(/out of order/) },
    ]);
  });
});

describe("failures inside a graph are scores, never an aborted fit", () => {
  const State = Annotation.Root({ question: Annotation<string>, answer: Annotation<string> });
  type QAState = typeof State.State;
  const answerMatches: Reward<QAState, string> = (state, example) =>
    state.answer === example.expected ? 1 : { score: 0, feedback: `Expected "${example.expected}", got "${state.answer}".` };

  /** think → (answered? END : think): loops for as long as the model says it needs to think more. */
  function loopingGraph() {
    const prompt = new TrainablePrompt({ name: "thinker", instructions: SEED_INSTRUCTIONS, messages: "{question}" });
    const think = prompt
      .pipe(taskModel(server))
      .pipe(new StringOutputParser())
      .pipe((answer: string) => ({ answer }));
    const graph = new StateGraph(State)
      .addNode("think", think)
      .addEdge(START, "think")
      .addConditionalEdges("think", (state: QAState) => (state.answer.startsWith("Let me think") ? "think" : END))
      .compile();
    return { prompt, graph };
  }

  it("a graph that loops until GraphRecursionError on one example: fit completes, that example scores 0 with the error as feedback", async () => {
    const { prompt, graph } = loopingGraph();
    const forever = { id: "forever", input: { question: "Think about this forever: what is 1 plus 1?" }, expected: "2" };
    const result = await fit(graph, {
      trainset: [...ARITHMETIC_TRAIN, { ...forever, id: "forever-train" }],
      valset: [...ARITHMETIC_VAL, forever],
      reward: answerMatches,
      optimizers: new InstructionOptimizer({ languageModel: optimizerModel(), numCandidates: 2, seed: 1 }),
      config: { recursionLimit: 6 },
      epochs: 2,
      batchSize: 5,
    });
    expect(result.status).toBe("completed");
    expect(result.record.initialValScore).toBe(0);
    expect(result.best.valScore).toBe(0.75); // every example but the endless one
    expect(prompt.variable.json().instructions).toMatch(/bare answer/);
    const looped = result.record.finalValidation?.find((p) => p.exampleId === "forever");
    expect(looped?.score).toBe(0);
    expect(looped?.error).toMatch(/GraphRecursionError: Recursion limit of 6 reached/);
    expect(looped?.feedback).toMatch(/^The program failed: GraphRecursionError: Recursion limit of 6 reached/);
  });

  it("a tool that hangs past its node's timeout: fit completes, that example scores 0 with the timeout as feedback", async () => {
    const hanging = tool(async () => new Promise<string>(() => {}), {
      name: "web_search",
      description: "Searches the web.",
      schema: z.object({ query: z.string() }),
    });
    const prompt = agentPrompt();
    const model = taskModel(server).bindTools([calculator(), hanging]);
    // A hand-written agent: the model node, then the tools node, which may take 300 ms at most.
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", async (state: typeof MessagesAnnotation.State, config: RunnableConfig) => ({
        messages: [await prompt.pipe(model).invoke(state, config)],
      }))
      .addNode("tools", new ToolNode([calculator(), hanging]), { timeout: 300 })
      .addEdge(START, "agent")
      .addConditionalEdges("agent", toolsCondition)
      .addEdge("tools", "agent")
      .compile();
    const asAgent = (examples: typeof ARITHMETIC_VAL) => examples.map((e) => ({ ...e, input: asMessages(e.input.question) }));
    const stuck = { id: "stuck", input: asMessages("Who wrote Hamlet?"), expected: "Shakespeare" };
    const result = await fit(graph, {
      trainset: asAgent(ARITHMETIC_TRAIN),
      valset: [...asAgent(ARITHMETIC_VAL), stuck],
      reward: lastMessageMatches,
      optimizers: new InstructionOptimizer({ languageModel: optimizerModel(), numCandidates: 2, seed: 1 }),
      prompts: [prompt],
      epochs: 2,
      batchSize: 4,
    });
    expect(result.status).toBe("completed");
    expect(result.best.valScore).toBe(0.75);
    const timedOut = result.record.finalValidation?.find((p) => p.exampleId === "stuck");
    expect(timedOut?.score).toBe(0);
    expect(timedOut?.feedback).toMatch(/^The program failed: NodeTimeoutError: .*tools.*300/);
  });

  it("a program run past the run config's timeout scores 0 with the timeout as feedback", async () => {
    const hanging = tool(async () => new Promise<string>(() => {}), { name: "web_search", description: "Searches the web.", schema: z.object({ query: z.string() }) });
    const prompt = agentPrompt();
    const agent = createReactAgent({ llm: taskModel(server), tools: [calculator(), hanging], prompt });
    const result = await evaluate(agent, {
      dataset: [
        { id: "stuck", input: asMessages("Who wrote Hamlet?"), expected: "Shakespeare" },
        { id: "fine", input: asMessages("What is 6 times 7?"), expected: "The answer is: 42." },
      ],
      reward: lastMessageMatches,
      prompts: [prompt],
      config: { timeout: 500 },
      retries: 0,
    });
    expect(result.scores).toEqual([0, 1]);
    expect(result.predictions[0]?.feedback).toMatch(/^The program failed: .*(abort|time)/i);
  });
});
