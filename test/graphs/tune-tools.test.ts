import { MessagesPlaceholder } from "@langchain/core/prompts";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import { ReflectiveOptimizer } from "../../src/optimizers/reflective-optimizer.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import { TOOL_DESCRIPTION_SCHEMA } from "../../src/tools/schemas.js";
import { trainableTool } from "../../src/tools/trainable-tool.js";
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from "../../src/testing/index.js";
import { loadVariables, saveVariables } from "../../src/training/artifacts.js";
import { evaluate } from "../../src/training/evaluate.js";
import { fit } from "../../src/training/fit.js";
import {
  AGENT_TRAIN,
  AGENT_VAL,
  BARE_INSTRUCTIONS,
  lastMessageMatches,
  optimizerModel,
  orderStatus,
  SEED_INSTRUCTIONS,
  SEED_ORDER_DESCRIPTION,
  shopHandler,
  taskModel,
  TUNED_ORDER_DESCRIPTION,
  webSearch,
} from "./support/shop-world.js";

let server: OpenAICompatibleServer;
let dir: string;
beforeEach(async () => {
  server = await startOpenAICompatibleServer({ handler: shopHandler });
  dir = await mkdtemp(join(tmpdir(), "tunechain-tools-"));
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A ReAct agent whose order tool has a trainable description; its prompt already asks for bare answers. */
function agentWithTrainableTool() {
  const orderTool = trainableTool(orderStatus(), { name: "order_tool" });
  const agent = createReactAgent({ llm: taskModel(server), tools: [orderTool, webSearch()], prompt: "Reply with the bare answer only." });
  return { orderTool, agent };
}

/** The order-tool descriptions the task model was sent, request by request. */
function sentDescriptions(): string[] {
  return server.requests.map((r) => {
    const tools = (r.body as { tools?: { function: { name: string; description: string } }[] }).tools ?? [];
    return tools.find((t) => t.function.name === "order_status")?.function.description ?? "(none)";
  });
}

const optimizers = {
  "InstructionOptimizer (OPRO)": () =>
    new InstructionOptimizer({ schema: TOOL_DESCRIPTION_SCHEMA, languageModel: optimizerModel(), numCandidates: 2, seed: 1 }),
  "ReflectiveOptimizer (GEPA)": () =>
    new ReflectiveOptimizer({ schema: TOOL_DESCRIPTION_SCHEMA, languageModel: optimizerModel(), minibatchSize: 4, seed: 1 }),
};

describe("tuning a tool description", () => {
  it.each(Object.keys(optimizers))(
    "%s with TOOL_DESCRIPTION_SCHEMA: the model picks the order tool once the description says when to use it; saved, loaded into a fresh agent, the score follows",
    async (which) => {
      const { orderTool, agent } = agentWithTrainableTool();
      const optimizer = optimizers[which as keyof typeof optimizers]();
      const model = optimizer.languageModel as ReturnType<typeof optimizerModel>;
      const result = await fit(agent, {
        trainset: AGENT_TRAIN,
        valset: AGENT_VAL,
        reward: lastMessageMatches,
        optimizers: optimizer,
        epochs: 3,
        batchSize: 4,
      });
      expect(result.variables.map((v) => v.name)).toEqual(["order_tool"]);
      expect(result.record.initialValScore).toBe(0.5);
      expect(result.best.valScore).toBe(1);
      expect(orderTool.variable.json().description).toBe(TUNED_ORDER_DESCRIPTION);
      // The optimizer saw the evidence: an order question the model sent to the web search.
      const shown = model.calls.map((call) => call.messages.map((m) => m.content).join("\n")).join("\n");
      expect(shown).toMatch(/tool calls: web_search\(\{"query":"[^"]*order[^"]*"\}\)/i);
      // Both texts went over the wire during the run: each request carried its own run's candidate.
      expect(sentDescriptions()).toContain(SEED_ORDER_DESCRIPTION);
      expect(sentDescriptions()).toContain(TUNED_ORDER_DESCRIPTION);

      const path = join(dir, "tools.json");
      await saveVariables(agent, path, { score: result.best.valScore });
      const saved = JSON.parse(await readFile(path, "utf8")) as { variables: Record<string, { value: unknown }> };
      expect(saved.variables.order_tool?.value).toEqual({ description: TUNED_ORDER_DESCRIPTION, parameters: { orderId: "The order id, e.g. A1." } });

      const fresh = agentWithTrainableTool();
      expect((await evaluate(fresh.agent, { dataset: AGENT_VAL, reward: lastMessageMatches })).mean).toBe(0.5);
      server.resetStats();
      await loadVariables(fresh.agent, path);
      expect((await evaluate(fresh.agent, { dataset: AGENT_VAL, reward: lastMessageMatches })).mean).toBe(1);
      expect(new Set(sentDescriptions())).toEqual(new Set([TUNED_ORDER_DESCRIPTION]));
    },
  );

  it("tunes the agent's prompt and a tool's description together, one optimizer per schema, into one artifact", async () => {
    const build = () => {
      const prompt = new TrainablePrompt({ name: "agent", instructions: SEED_INSTRUCTIONS, messages: [new MessagesPlaceholder("messages")] });
      const orderTool = trainableTool(orderStatus(), { name: "order_tool" });
      const agent = createReactAgent({ llm: taskModel(server), tools: [orderTool, webSearch()], prompt });
      return { prompt, orderTool, agent };
    };
    const { prompt, orderTool, agent } = build();
    const result = await fit(agent, {
      trainset: AGENT_TRAIN,
      valset: AGENT_VAL,
      reward: lastMessageMatches,
      optimizers: [
        new InstructionOptimizer({ name: "prompt_opro", languageModel: optimizerModel(), numCandidates: 2, seed: 1 }),
        new InstructionOptimizer({ name: "tool_opro", schema: TOOL_DESCRIPTION_SCHEMA, languageModel: optimizerModel(), numCandidates: 2, seed: 1 }),
      ],
      prompts: [prompt],
      epochs: 3,
      batchSize: 4,
    });
    expect(result.variables.map((v) => v.name).sort()).toEqual(["agent", "order_tool"]);
    expect(result.record.initialValScore).toBe(0);
    expect(result.best.valScore).toBe(1);
    expect(prompt.variable.json().instructions).toBe(BARE_INSTRUCTIONS);
    expect(orderTool.variable.json().description).toBe(TUNED_ORDER_DESCRIPTION);

    const path = join(dir, "agent-and-tool.json");
    await saveVariables(agent, path, { prompts: [prompt] });
    const fresh = build();
    await loadVariables(fresh.agent, path, { prompts: [fresh.prompt] });
    expect((await evaluate(fresh.agent, { dataset: AGENT_VAL, reward: lastMessageMatches, prompts: [fresh.prompt] })).mean).toBe(1);
  });
});
