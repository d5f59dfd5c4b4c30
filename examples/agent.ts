/**
 * Agent: tune a LangGraph ReAct agent — its system prompt and the description of one of its two tools.
 *
 *   npx tsx examples/agent.ts                      # scripted stand-in on a local server, no key needed
 *   OPENAI_API_KEY=sk-… npx tsx examples/agent.ts  # a real model (OPENAI_BASE_URL / TUNECHAIN_MODEL to change it)
 *
 * The agent is plain LangGraph: createReactAgent with a chat model, an order-status tool and a web search. The
 * system prompt is a TrainablePrompt; the order tool is wrapped by trainableTool, so its description is a
 * trainable variable too. Two InstructionOptimizers tune them: one owns `instructions` (the default schema), the
 * other `description` (TOOL_DESCRIPTION_SCHEMA). The agent's prompt sits in a closure of createReactAgent, out of
 * the walker's reach, so it is passed as `prompts`; the tool is found in the agent's ToolNode.
 */
import type { BaseMessage } from "@langchain/core/messages";
import { MessagesPlaceholder } from "@langchain/core/prompts";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { join } from "node:path";
import {
  evaluate,
  exactMatch,
  fit,
  InstructionOptimizer,
  loadVariables,
  saveVariables,
  TOOL_DESCRIPTION_SCHEMA,
  TrainablePrompt,
  trainableTool,
  UsageLedger,
  type Reward,
} from "../src/index.js";
import { agentStandIn } from "./_shared/agent-stand-in.js";
import { openModelSource } from "./_shared/model-source.js";
import { AGENT_TRAINSET, AGENT_VALSET, orderStatusTool, webSearchTool } from "./_shared/shop.js";

const OUT_DIR = join(".tunechain", "examples", "agent");

const models = await openModelSource({
  standIn: agentStandIn,
  standInDescription:
    "picks the tool whose description names the question's topic (else the web search) and wraps answers in a " +
    "sentence unless told not to; as the optimizer, it fixes the prompt or the tool description once shown the failure.",
});

/** A fresh agent: its own prompt and trainable tool, in their seed state. */
function buildAgent() {
  const prompt = new TrainablePrompt({
    name: "shop_agent",
    instructions: "You are the assistant of an online shop. Use the tools to answer.",
    messages: [new MessagesPlaceholder("messages")],
  });
  const orderStatus = trainableTool(orderStatusTool(), { name: "order_status" });
  const agent = createReactAgent({ llm: models.chatModel(), tools: [orderStatus, webSearchTool()], prompt });
  return { prompt, orderStatus, agent };
}

/** The agent's answer is its last message: it must be the expected word (case and final period aside). */
type AgentState = { messages: BaseMessage[] };
const match = exactMatch();
const reward: Reward<AgentState, string> = (state, example) => {
  const content = state.messages.at(-1)?.content;
  return match(typeof content === "string" ? content : JSON.stringify(content), example);
};

try {
  const usage = new UsageLedger();
  const { prompt, orderStatus, agent } = buildAgent();

  const before = await evaluate(agent, { dataset: AGENT_VALSET, reward, prompts: [prompt], concurrency: 4 });
  console.log(`\nValidation accuracy of the seed agent: ${before.mean.toFixed(3)}`);

  const optimizerModel = models.languageModel({ role: "optimizer", ledger: usage });
  const result = await fit(agent, {
    trainset: AGENT_TRAINSET,
    valset: AGENT_VALSET,
    reward,
    optimizers: [
      new InstructionOptimizer({ name: "prompt_optimizer", languageModel: optimizerModel, numCandidates: 2, seed: 1 }),
      new InstructionOptimizer({
        name: "tool_optimizer",
        schema: TOOL_DESCRIPTION_SCHEMA, // acts on `description`: the trainable tools' descriptions
        languageModel: optimizerModel,
        numCandidates: 2,
        seed: 1,
      }),
    ],
    prompts: [prompt], // createReactAgent keeps its prompt in a closure; the tools it finds by itself
    epochs: 3,
    batchSize: 3,
    concurrency: 4,
    seed: 1,
    usage,
  });

  console.log(`Run ${result.status}: validation ${result.record.initialValScore?.toFixed(3)} → ${result.record.finalValScore?.toFixed(3)}`);
  console.log(`Tuned system prompt:\n  ${prompt.variable.json().instructions}`);
  console.log(`Tuned order_status description:\n  ${orderStatus.variable.json().description}`);

  const artifact = join(OUT_DIR, "tuned.json");
  await saveVariables(agent, artifact, { prompts: [prompt], score: result.best.valScore, optimizers: ["prompt_optimizer", "tool_optimizer"] });
  // Production: build the agent as before, load the artifact, and every model call sends the tuned texts.
  const fresh = buildAgent();
  await loadVariables(fresh.agent, artifact, { prompts: [fresh.prompt] });
  const after = await evaluate(fresh.agent, { dataset: AGENT_VALSET, reward, prompts: [fresh.prompt], concurrency: 4 });
  console.log(`Saved to ${artifact}; loaded into a fresh agent: validation ${after.mean.toFixed(3)}`);
  if (!models.live) console.log("(Scores above come from the scripted stand-in, not from a language model.)");
} finally {
  await models.close();
}
