import { toolCallReply, type CompletionReply, type CompletionRequest } from "../../src/testing/index.js";

/**
 * The scripted stand-in for examples/agent.ts, playing both models of the run. It is NOT a language model:
 *
 * - as the agent's model, it calls the tool whose description names the question's topic (an order → a tool
 *   whose description mentions orders), and the web search otherwise; so order questions go to the web search
 *   (and fail) until the order tool's description says what it is for. After a tool result it answers with the
 *   result, as a sentence ("The answer is: shipped.") unless its system prompt asks for the bare answer;
 * - as the optimizer model (a structured request for new `instructions` or a new tool `description`), it asks
 *   for bare answers once it is shown an answer wrapped in a sentence, and says the order tool is for orders once
 *   it is shown an order question the model sent to the web search; otherwise it only rewords the text.
 *
 * So the tuning run is real (real HTTP calls, a real LangGraph agent running real tools, real optimizers and
 * scores), but the improvements it finds are the ones scripted here.
 */
export const BARE_ANSWER_INSTRUCTIONS =
  "You are the assistant of an online shop. Use the tools, then reply with the bare answer only: one word, no sentence.";
const REWORDED_INSTRUCTIONS = "You are the helpful assistant of an online shop. Use the tools to answer questions.";
export const ORDER_TOOL_DESCRIPTION =
  "Looks up the status of a customer's order by its id (e.g. A1). Use it whenever the user asks about an order.";
const REWORDED_DESCRIPTION = "Looks up records in the shop's database.";

function orderIdOf(question: string): string | undefined {
  return /\border\s+([A-Z]\d)\b/i.exec(question)?.[1]?.toUpperCase();
}

/** The agent's model: picks a tool from the descriptions it is sent, then answers with the tool's result. */
function agentReply(request: CompletionRequest): CompletionReply {
  const system = request.messages.filter((m) => m.role === "system").map((m) => m.content).join("\n");
  const last = request.messages.at(-1);
  if (last?.role === "tool") {
    const answer = last.content.replace(/^Top result: /, "").replace(/\.$/, "");
    return /bare answer/i.test(system) ? answer : `The answer is: ${answer}.`;
  }
  const question = [...request.messages].reverse().find((m) => m.role === "user")?.content ?? "";
  const orderId = orderIdOf(question);
  const chosen =
    (orderId !== undefined ? request.tools.find((tool) => /\border/i.test(tool.description ?? "")) : undefined) ??
    request.tools.find((tool) => tool.name === "web_search");
  if (!chosen) return "I cannot help with that.";
  return toolCallReply([{ name: chosen.name, arguments: chosen.name === "order_status" ? { orderId: orderId ?? "?" } : { query: question } }]);
}

/** The failed examples an optimizer request shows ("Example n:" blocks scored 0). */
function failedExamples(request: CompletionRequest): string[] {
  const text = request.messages.map((m) => m.content).join("\n");
  return text
    .split(/\nExample \d+:\n/)
    .slice(1)
    .filter((block) => /Score: 0\/100/.test(block));
}

/** The optimizer model's structured answer: `{ instructions }` or `{ description }`, as its schema asks. */
function optimizerReply(request: CompletionRequest): object {
  const schema = (request.responseFormat?.json_schema as { schema?: { properties?: Record<string, unknown> } } | undefined)?.schema;
  const failed = failedExamples(request);
  if (schema?.properties && "description" in schema.properties) {
    const orderSentToSearch = failed.some((block) => /tool calls: web_search\(/.test(block) && /\border\b/i.test(block));
    return { description: orderSentToSearch ? ORDER_TOOL_DESCRIPTION : REWORDED_DESCRIPTION };
  }
  const wrapped = failed.some((block) => /The answer is: /.test(block));
  return { instructions: wrapped ? BARE_ANSWER_INSTRUCTIONS : REWORDED_INSTRUCTIONS };
}

/** The stand-in server's handler: structured requests are the optimizers', the others the agent's model. */
export function agentStandIn(request: CompletionRequest): CompletionReply {
  return request.responseFormat === undefined ? agentReply(request) : optimizerReply(request);
}
