// A scripted shop assistant for the graph tests: a task model on the loopback server whose answers depend on
// what its prompt and its tools' descriptions say, tools it can call, and an optimizer stand-in that proposes a
// fix only when the request shows the evidence for it.
import type { BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import { z } from "zod";
import type { Example } from "../../../src/data/example.js";
import type { ChatMessage, StructuredRequest } from "../../../src/models/types.js";
import type { Reward } from "../../../src/rewards/reward.js";
import {
  ScriptedLanguageModel,
  toolCallReply,
  type CompletionReply,
  type CompletionRequest,
  type OpenAICompatibleServer,
} from "../../../src/testing/index.js";

export const TASK_MODEL = "shop-task-model";

export const SEED_INSTRUCTIONS = "You are a shop assistant. Use the tools to answer.";
/** What the optimizer stand-in writes once it sees answers wrapped in a sentence where a bare answer was expected. */
export const BARE_INSTRUCTIONS = "You are a shop assistant. Use the tools, then reply with the bare answer only, no sentence.";
const REWORDED_INSTRUCTIONS = "You are a helpful shop assistant. Use the tools to answer questions.";

export const SEED_ORDER_DESCRIPTION = "Looks up records.";
/** What the optimizer stand-in writes once it sees an order question sent to the web search. */
export const TUNED_ORDER_DESCRIPTION = "Looks up the status of a customer's order by its id. Use it whenever the user asks about an order.";
const REWORDED_ORDER_DESCRIPTION = "Looks up records in the shop's database.";

const ORDERS: Record<string, string> = { A1: "shipped", B2: "delivered", C3: "processing", D4: "cancelled", E5: "returned", F6: "shipped" };
const FACTS: Record<string, string> = { hamlet: "Shakespeare", "the mona lisa": "Leonardo", "the eiffel tower": "Eiffel" };

/** "What is 6 times 7?" → 42 (plus, minus, times). */
export function arithmetic(question: string): number | undefined {
  const match = /(\d+)\s+(plus|minus|times)\s+(\d+)/i.exec(question);
  if (!match) return undefined;
  const a = Number(match[1]);
  const b = Number(match[3]);
  return match[2]!.toLowerCase() === "plus" ? a + b : match[2]!.toLowerCase() === "minus" ? a - b : a * b;
}

export function orderIdOf(question: string): string | undefined {
  return /\border\s+([A-Z]\d)\b/i.exec(question)?.[1]?.toUpperCase();
}

function factOf(query: string): string | undefined {
  const lower = query.toLowerCase();
  return Object.entries(FACTS).find(([key]) => lower.includes(key))?.[1];
}

/** The task model's way of answering: a bare answer only when its system prompt asks for one. */
function finalAnswer(system: string, answer: string): string {
  return /bare answer/i.test(system) ? answer : `The answer is: ${answer}.`;
}

/**
 * The task model. It reads the system prompt, the tools offered (names and descriptions) and the conversation:
 * - with no tools, it answers arithmetic questions itself;
 * - with tools, it calls the tool whose description names the question's topic ("order", "arithmetic"),
 *   else the web search; after a tool result it answers with that result;
 * - its answers are bare only when the system prompt asks for "the bare answer", else a sentence;
 * - a question containing "forever" makes it say it needs to think more (graphs that loop on that never end).
 */
export function taskReply(request: CompletionRequest): CompletionReply {
  const system = request.messages.filter((m) => m.role === "system").map((m) => m.content).join("\n");
  const last = request.messages.at(-1);
  if (last?.role === "tool") return finalAnswer(system, last.content);
  const question = [...request.messages].reverse().find((m) => m.role === "user")?.content ?? "";
  if (/forever/i.test(question)) return "Let me think about it some more.";
  if (request.tools.length === 0) return finalAnswer(system, String(arithmetic(question) ?? "I don't know"));
  const topic = orderIdOf(question) !== undefined ? /\border/i : arithmetic(question) !== undefined ? /arithmetic/i : undefined;
  const chosen =
    request.tools.find((t) => topic !== undefined && topic.test(t.description ?? "")) ??
    request.tools.find((t) => t.name === "web_search") ??
    request.tools[0]!;
  const args =
    chosen.name === "order_status"
      ? { orderId: orderIdOf(question) ?? "?" }
      : chosen.name === "calculator"
        ? { question }
        : { query: question };
  return toolCallReply([{ name: chosen.name, arguments: args }]);
}

/** The loopback server's handler: every request here is the task model's. */
export function shopHandler(request: CompletionRequest): CompletionReply {
  return taskReply(request);
}

export function taskModel(server: Pick<OpenAICompatibleServer, "url">): ChatOpenAI {
  return new ChatOpenAI({ model: TASK_MODEL, apiKey: "sk-test-graphs", maxRetries: 0, temperature: 0, configuration: { baseURL: server.url } });
}

export const calculator = () =>
  tool(async ({ question }) => String(arithmetic(question) ?? "cannot compute"), {
    name: "calculator",
    description: "Does arithmetic on the numbers in a question.",
    schema: z.object({ question: z.string().describe("The arithmetic question.") }),
  });

export const orderStatus = () =>
  tool(async ({ orderId }) => ORDERS[orderId] ?? `no order ${orderId}`, {
    name: "order_status",
    description: SEED_ORDER_DESCRIPTION,
    schema: z.object({ orderId: z.string().describe("The order id, e.g. A1.") }),
  });

export const webSearch = () =>
  tool(async ({ query }) => factOf(query) ?? `no results for "${query}"`, {
    name: "web_search",
    description: "Searches the web.",
    schema: z.object({ query: z.string().describe("What to search for.") }),
  });

/** A question as the input of a messages-state graph (the ReAct agent's). */
export function asMessages(question: string): { messages: { role: "user"; content: string }[] } {
  return { messages: [{ role: "user", content: question }] };
}

/** Arithmetic questions, the answer being the bare number. */
export function arithmeticExamples(prefix: string, pairs: readonly [number, "plus" | "minus" | "times", number][]): Example<{ question: string }, string>[] {
  return pairs.map(([a, op, b], i) => {
    const question = `What is ${a} ${op} ${b}?`;
    return { id: `${prefix}${i}`, input: { question }, expected: String(arithmetic(question)) };
  });
}

export const ARITHMETIC_TRAIN = arithmeticExamples("t", [
  [6, "times", 7],
  [12, "plus", 30],
  [50, "minus", 8],
  [3, "times", 3],
]);
export const ARITHMETIC_VAL = arithmeticExamples("v", [
  [2, "plus", 2],
  [9, "times", 9],
  [100, "minus", 1],
]);

/** Order and general-knowledge questions for the ReAct agent, as message inputs. */
export function agentExamples(prefix: string, items: readonly [string, string][]): Example<ReturnType<typeof asMessages>, string>[] {
  return items.map(([question, expected], i) => ({ id: `${prefix}${i}`, input: asMessages(question), expected }));
}

export const AGENT_TRAIN = agentExamples("at", [
  ["Where is my order A1?", "shipped"],
  ["Who wrote Hamlet?", "Shakespeare"],
  ["What happened to order B2?", "delivered"],
  ["Who painted the Mona Lisa?", "Leonardo"],
]);
export const AGENT_VAL = agentExamples("av", [
  ["Any news on order C3?", "processing"],
  ["Who designed the Eiffel Tower?", "Eiffel"],
  ["Status of order D4, please.", "cancelled"],
  ["Who wrote Hamlet, again?", "Shakespeare"],
]);

/** The text of a message-state's last message. */
export function lastMessageText(state: { messages: BaseMessage[] }): string {
  const content = state.messages.at(-1)?.content;
  return typeof content === "string" ? content : JSON.stringify(content);
}

/** 1 when the agent's last message is the expected answer. */
export const lastMessageMatches: Reward<{ messages: BaseMessage[] }, string> = (state, example) => {
  const got = lastMessageText(state).trim();
  return got === example.expected ? { score: 1 } : { score: 0, feedback: `Expected "${example.expected}", got "${got}".` };
};

/** The exemplar blocks of an optimizer request (OPRO: "Example n:", GEPA: "Example n:"). */
function exemplarBlocks(messages: readonly ChatMessage[]): string[] {
  const text = messages.map((m) => m.content).join("\n");
  return text.split(/\nExample \d+:\n/).slice(1);
}

/**
 * The optimizer stand-in. Asked for `instructions`, it asks for a bare answer when a shown example failed with
 * its answer wrapped in "The answer is: …"; asked for a tool `description`, it says the tool is for orders when a
 * shown example about an order failed after a call to web_search. Otherwise it only rewords the text.
 */
export function proposeFix(messages: readonly ChatMessage[], request: StructuredRequest | undefined): object {
  const keys = Object.keys((request?.schema.properties as Record<string, unknown> | undefined) ?? {});
  const failed = exemplarBlocks(messages).filter((block) => /Score: 0\/100/.test(block));
  if (keys.includes("description")) {
    const sawOrderSentToSearch = failed.some((block) => /tool calls: web_search\(/.test(block) && /\border\b/i.test(block));
    return { description: sawOrderSentToSearch ? TUNED_ORDER_DESCRIPTION : REWORDED_ORDER_DESCRIPTION };
  }
  const sawWrappedAnswer = failed.some((block) => /The answer is: /.test(block));
  return { instructions: sawWrappedAnswer ? BARE_INSTRUCTIONS : REWORDED_INSTRUCTIONS };
}

export function optimizerModel(): ScriptedLanguageModel {
  return new ScriptedLanguageModel({ respond: proposeFix });
}
