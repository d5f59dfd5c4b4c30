import { StringOutputParser } from "@langchain/core/output_parsers";
import { MessagesPlaceholder } from "@langchain/core/prompts";
import type { RunnableConfig } from "@langchain/core/runnables";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import type { Reward } from "../../src/rewards/reward.js";
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { loadVariables, saveVariables } from "../../src/training/artifacts.js";
import { evaluate } from "../../src/training/evaluate.js";
import { fit } from "../../src/training/fit.js";
import {
  ARITHMETIC_TRAIN,
  ARITHMETIC_VAL,
  asMessages,
  BARE_INSTRUCTIONS,
  calculator,
  lastMessageMatches,
  optimizerModel,
  SEED_INSTRUCTIONS,
  shopHandler,
  taskModel,
  webSearch,
} from "./support/shop-world.js";

const State = Annotation.Root({ question: Annotation<string>, answer: Annotation<string> });
type QAState = typeof State.State;

const answerMatches: Reward<QAState, string> = (state, example) =>
  state.answer === example.expected ? 1 : { score: 0, feedback: `Expected "${example.expected}", got "${state.answer}".` };

let server: OpenAICompatibleServer;
let dir: string;
beforeEach(async () => {
  server = await startOpenAICompatibleServer({ handler: shopHandler });
  dir = await mkdtemp(join(tmpdir(), "tunechain-graphs-"));
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const newPrompt = () => new TrainablePrompt({ name: "answerer", instructions: SEED_INSTRUCTIONS, messages: "{question}" });

/** A graph whose only node is a LangChain Runnable: prompt → model → parser → state update. */
function runnableNodeGraph() {
  const prompt = newPrompt();
  const node = prompt
    .pipe(taskModel(server))
    .pipe(new StringOutputParser())
    .pipe((answer: string) => ({ answer }));
  const graph = new StateGraph(State).addNode("respond", node).addEdge(START, "respond").addEdge("respond", END).compile();
  return { prompt, graph };
}

/** A graph whose node is a plain function that calls the prompt and the model itself. */
function functionNodeGraph() {
  const prompt = newPrompt();
  const model = taskModel(server);
  const graph = new StateGraph(State)
    .addNode("respond", async (state: QAState, config: RunnableConfig) => {
      const messages = await prompt.invoke({ question: state.question }, config);
      const reply = await model.invoke(messages, config);
      return { answer: String(reply.content) };
    })
    .addEdge(START, "respond")
    .addEdge("respond", END)
    .compile();
  return { prompt, graph };
}

/** The prebuilt ReAct agent with a trainable system prompt and two tools. */
function reactAgent() {
  const prompt = new TrainablePrompt({ name: "agent", instructions: SEED_INSTRUCTIONS, messages: [new MessagesPlaceholder("messages")] });
  const agent = createReactAgent({ llm: taskModel(server), tools: [calculator(), webSearch()], prompt });
  return { prompt, agent };
}

const AGENT_TRAIN = ARITHMETIC_TRAIN.map((e) => ({ ...e, input: asMessages(e.input.question) }));
const AGENT_VAL = ARITHMETIC_VAL.map((e) => ({ ...e, input: asMessages(e.input.question) }));

describe("fit on LangGraph graphs", () => {
  it("tunes a StateGraph whose node is a Runnable (found by the walker); the artifact reproduces the score in a fresh graph", async () => {
    const { prompt, graph } = runnableNodeGraph();
    const optimizer = new InstructionOptimizer({ languageModel: optimizerModel(), numCandidates: 2, seed: 1 });
    const result = await fit(graph, {
      trainset: ARITHMETIC_TRAIN,
      valset: ARITHMETIC_VAL,
      reward: answerMatches,
      optimizers: optimizer,
      epochs: 2,
      batchSize: 4,
    });
    expect(result.variables.map((v) => v.name)).toEqual(["answerer"]);
    expect(result.record.initialValScore).toBe(0);
    expect(result.best.valScore).toBe(1);
    expect(prompt.variable.json().instructions).toBe(BARE_INSTRUCTIONS);

    const path = join(dir, "graph.json");
    await saveVariables(graph, path, { score: result.best.valScore });
    const fresh = runnableNodeGraph();
    expect((await evaluate(fresh.graph, { dataset: ARITHMETIC_VAL, reward: answerMatches })).mean).toBe(0);
    await loadVariables(fresh.graph, path);
    expect(fresh.prompt.variable.json().instructions).toBe(BARE_INSTRUCTIONS);
    expect((await evaluate(fresh.graph, { dataset: ARITHMETIC_VAL, reward: answerMatches })).mean).toBe(1);
  });

  it("tunes a StateGraph whose node is a function, given the prompt as `prompts`; candidates reach it through config", async () => {
    const { prompt, graph } = functionNodeGraph();
    const optimizer = new InstructionOptimizer({ languageModel: optimizerModel(), numCandidates: 2, seed: 1 });
    const result = await fit(graph, {
      trainset: ARITHMETIC_TRAIN,
      valset: ARITHMETIC_VAL,
      reward: answerMatches,
      optimizers: optimizer,
      prompts: [prompt],
      epochs: 2,
      batchSize: 4,
    });
    expect(result.record.initialValScore).toBe(0);
    expect(result.best.valScore).toBe(1);
    // The candidates the optimizer tried reached the prompt inside the function through config.configurable.
    const systems = new Set(
      server.requests.map((r) => (r.body as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === "system")?.content),
    );
    expect(systems).toContain(SEED_INSTRUCTIONS);
    expect(systems).toContain(BARE_INSTRUCTIONS);

    const path = join(dir, "function-node.json");
    await saveVariables(graph, path, { prompts: [prompt] });
    const fresh = functionNodeGraph();
    await loadVariables(fresh.graph, path, { prompts: [fresh.prompt] });
    expect((await evaluate(fresh.graph, { dataset: ARITHMETIC_VAL, reward: answerMatches, prompts: [fresh.prompt] })).mean).toBe(1);
  });

  it("tunes the prebuilt ReAct agent's prompt; the optimizer is shown the tool calls the agent's model made", async () => {
    const { prompt, agent } = reactAgent();
    const model = optimizerModel();
    const optimizer = new InstructionOptimizer({ languageModel: model, numCandidates: 2, seed: 1 });
    const result = await fit(agent, {
      trainset: AGENT_TRAIN,
      valset: AGENT_VAL,
      reward: lastMessageMatches,
      optimizers: optimizer,
      prompts: [prompt],
      epochs: 2,
      batchSize: 4,
    });
    expect(result.record.initialValScore).toBe(0);
    expect(result.best.valScore).toBe(1);
    expect(prompt.variable.json().instructions).toBe(BARE_INSTRUCTIONS);
    // The meta-prompt showed what the agent's model did on the examples: its calculator calls and their results.
    const request = model.calls.map((call) => call.messages.map((m) => m.content).join("\n")).join("\n");
    expect(request).toMatch(/tool calls: calculator\(\{"question":"What is \d+ \w+ \d+\?"\}\)/);
    expect(request).toMatch(/Tool result of calculator: \d+/);

    const path = join(dir, "agent.json");
    await saveVariables(agent, path, { prompts: [prompt] });
    const fresh = reactAgent();
    await loadVariables(fresh.agent, path, { prompts: [fresh.prompt] });
    const after = await evaluate(fresh.agent, { dataset: AGENT_VAL, reward: lastMessageMatches, prompts: [fresh.prompt] });
    expect(after.mean).toBe(1);
  });
});
