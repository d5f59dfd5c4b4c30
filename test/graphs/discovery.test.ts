import { StringOutputParser } from "@langchain/core/output_parsers";
import { MessagesPlaceholder } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { createReactAgent, ToolNode } from "@langchain/langgraph/prebuilt";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import { collectTrainablePrompts, collectTrainableTools, collectTrainableVariables } from "../../src/prompts/collect.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import { trainableTool } from "../../src/tools/trainable-tool.js";
import { fit } from "../../src/training/fit.js";
import { TrainingOptionsError } from "../../src/training/errors.js";
import { calculator, lastMessageMatches, optimizerModel, orderStatus, taskModel, webSearch } from "./support/shop-world.js";

const NOWHERE = { url: "http://127.0.0.1:9/v1" };
const State = Annotation.Root({ question: Annotation<string>, answer: Annotation<string> });
const prompt = (name: string) => new TrainablePrompt({ name, instructions: `I am ${name}.`, messages: "{question}" });
const node = (name: string) =>
  prompt(name)
    .pipe(taskModel(NOWHERE))
    .pipe(new StringOutputParser())
    .pipe((answer: string) => ({ answer }));
const names = (program: object, extra: Parameters<typeof collectTrainableVariables>[1] = []) =>
  collectTrainableVariables(program, extra).map((v) => v.name);

describe("the walker in LangGraph graphs", () => {
  it("finds the prompts of Runnable nodes, in node order, and of subgraphs at any depth", () => {
    const inner = new StateGraph(State).addNode("inner_step", node("inner")).addEdge(START, "inner_step").addEdge("inner_step", END).compile();
    const middle = new StateGraph(State).addNode("sub", inner).addNode("middle_step", node("middle")).addEdge(START, "sub").addEdge("sub", "middle_step").addEdge("middle_step", END).compile();
    const graph = new StateGraph(State)
      .addNode("first", node("first"))
      .addNode("nested", middle)
      .addEdge(START, "first")
      .addEdge("first", "nested")
      .addEdge("nested", END)
      .compile();
    expect(names(graph)).toEqual(["first", "inner", "middle"]);
  });

  it("cannot see into a node given as a function; `prompts` adds what it holds", () => {
    const hidden = prompt("hidden");
    const graph = new StateGraph(State)
      .addNode("respond", async (state: typeof State.State) => ({ answer: (await hidden.invoke(state)).toString() }))
      .addNode("lambda", RunnableLambda.from(async () => ({ answer: "x" })))
      .addEdge(START, "respond")
      .addEdge("respond", "lambda")
      .addEdge("lambda", END)
      .compile();
    expect(names(graph)).toEqual([]);
    expect(names(graph, [hidden])).toEqual(["hidden"]);
    expect(collectTrainablePrompts(graph, [hidden])).toEqual([hidden]);
  });

  it("finds trainable tools in a ToolNode, in tools bound to a model and in a tools call option", () => {
    const order = trainableTool(orderStatus(), { name: "order_tool" });
    const search = trainableTool(webSearch(), { name: "search_tool" });
    const calc = trainableTool(calculator(), { name: "calc_tool" });
    const graph = new StateGraph(State)
      .addNode("tools", new ToolNode([order, webSearch()]))
      .addNode("bound", prompt("bound_prompt").pipe(taskModel(NOWHERE).bindTools([search])))
      .addNode("option", taskModel(NOWHERE).withConfig({ tools: [calc] } as never))
      .addEdge(START, "tools")
      .addEdge("tools", "bound")
      .addEdge("bound", "option")
      .addEdge("option", END)
      .compile();
    expect(names(graph)).toEqual(["bound_prompt", "order_tool", "search_tool", "calc_tool"]);
    expect(collectTrainableTools(graph)).toEqual([order, search, calc]);
  });

  it("in the prebuilt ReAct agent finds the tools; its prompt sits in a closure, out of reach, so it goes in `prompts`", () => {
    const agentPrompt = new TrainablePrompt({ name: "agent", instructions: "Help.", messages: [new MessagesPlaceholder("messages")] });
    const order = trainableTool(orderStatus(), { name: "order_tool" });
    const agent = createReactAgent({ llm: taskModel(NOWHERE), tools: [order, webSearch()], prompt: agentPrompt });
    expect(names(agent)).toEqual(["order_tool"]);
    expect(names(agent, [agentPrompt])).toEqual(["order_tool", "agent"]);
  });

  it("fit's error for a graph with nothing in reach names graphs and the `prompts` option", async () => {
    const agentPrompt = new TrainablePrompt({ name: "agent", instructions: "Help.", messages: [new MessagesPlaceholder("messages")] });
    const agent = createReactAgent({ llm: taskModel(NOWHERE), tools: [webSearch()], prompt: agentPrompt });
    const run = fit(agent, {
      trainset: [{ input: { messages: [] }, expected: "x" }],
      reward: lastMessageMatches,
      optimizers: new InstructionOptimizer({ languageModel: optimizerModel() }),
    });
    await expect(run).rejects.toThrow(TrainingOptionsError);
    await expect(run).rejects.toThrow(/LangGraph graphs.*graph node given as a function.*`prompts: \[prompt\]`/s);
  });

  it("src never imports @langchain/langgraph (it is an optional peer dependency)", async () => {
    const root = join(import.meta.dirname, "..", "..", "src");
    const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const text = await readFile(join(root, file), "utf8");
      expect(text, file).not.toMatch(/from\s+["']@langchain\/langgraph|import\(\s*["']@langchain\/langgraph/);
    }
  });
});
