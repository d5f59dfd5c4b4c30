// A two-prompt program over a hidden-rule world, served by the loopback OpenAI-compatible server.
//
// `extract` reads an order and writes its facts; `answer` computes the total from those facts. The expected
// answer is "<total> <currency>": it needs BOTH prompts to mention the currency — `extract` to keep it in
// the facts, `answer` to write it — so no single-prompt rewrite scores above 0 with exact match.
// The optimizer stand-in proposes a currency rule for a prompt only when the request it reads shows that
// prompt's own output lacking the currency that the expected answers carry; otherwise a harmless rewording.
import { StringOutputParser } from "@langchain/core/output_parsers";
import { RunnableLambda } from "@langchain/core/runnables";
import { ChatOpenAI } from "@langchain/openai";
import type { Example } from "../../src/data/example.js";
import type { ChatMessage, StructuredRequest } from "../../src/models/types.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import type { CompletionRequest, OpenAICompatibleServer } from "../../src/testing/index.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";

export const TASK_MODEL = "order-task-model";
export const EXTRACT_SEED = "Extract the quantity and the unit price from the order.";
export const ANSWER_SEED = "Compute the total price from the facts.";

const ITEMS = ["chairs", "lamps", "desks", "mugs", "books", "pens"];
const CURRENCIES = ["EUR", "USD", "GBP"];

export function orders(prefix: string, count: number): Example<{ order: string }, string>[] {
  return Array.from({ length: count }, (_, i) => {
    const quantity = 2 + (i % 5);
    const price = 10 + ((i * 7) % 40);
    const currency = CURRENCIES[i % CURRENCIES.length] as string;
    const item = ITEMS[i % ITEMS.length] as string;
    return {
      id: `${prefix}${i}`,
      input: { order: `Order ${prefix}${i}: ${quantity} ${item} at ${price} ${currency} each.` },
      expected: `${quantity * price} ${currency}`,
    };
  });
}

/** The task model: what each prompt's instructions make it do. */
export function taskReply(request: CompletionRequest): string {
  const system = request.messages.filter((m) => m.role === "system").map((m) => m.content).join("\n").toLowerCase();
  const user = request.messages.at(-1)?.content ?? "";
  const order = /Order [^:]+: (\d+) \w+ at (\d+) ([A-Z]{3}) each/.exec(user);
  if (order) {
    const facts = `quantity=${order[1]}; price=${order[2]}`;
    return system.includes("currency") ? `${facts}; currency=${order[3]}` : facts;
  }
  const facts = /quantity=(\d+); price=(\d+)(?:; currency=([A-Z]{3}))?/.exec(user);
  if (!facts) return "I cannot read these facts.";
  const total = Number(facts[1]) * Number(facts[2]);
  return system.includes("currency") && facts[3] ? `${total} ${facts[3]}` : String(total);
}

export function chatModel(server: Pick<OpenAICompatibleServer, "url">): ChatOpenAI {
  return new ChatOpenAI({
    model: TASK_MODEL,
    apiKey: "sk-test-order-world",
    maxRetries: 0,
    temperature: 0,
    configuration: { baseURL: server.url },
  });
}

/** extract → model → facts → answer → model → text. */
export function buildProgram(server: Pick<OpenAICompatibleServer, "url">) {
  const extract = new TrainablePrompt({ name: "extract", instructions: EXTRACT_SEED, messages: "Order: {order}" });
  const answer = new TrainablePrompt({ name: "answer", instructions: ANSWER_SEED, messages: "Facts: {facts}" });
  const program = extract
    .pipe(chatModel(server))
    .pipe(new StringOutputParser())
    .pipe(RunnableLambda.from((facts: string) => ({ facts })))
    .pipe(answer)
    .pipe(chatModel(server))
    .pipe(new StringOutputParser());
  return { extract, answer, program };
}

/** Which prompt a meta-prompt asks to rewrite, and what it shows of that prompt's outputs. */
function readRequest(text: string) {
  const component = /Prompt '(\w+)'/.exec(text)?.[1];
  const isFinal = new RegExp(`Prompt '${component}'[^\\n]*its output is the program's answer`).test(text);
  const outputs = [...text.matchAll(/^This prompt's output: (.*)$/gm)].map((m) => m[1] ?? "");
  const expected = [...text.matchAll(/^Expected answer: (.*)$/gm)].map((m) => m[1] ?? "");
  return { component, isFinal, outputs, expected };
}

/**
 * The optimizer stand-in: for each property of the requested schema (one prompt's instructions, or several
 * in a joint request), the currency rule only when its own outputs shown lack the currency the expected
 * answers carry; otherwise the current text reworded.
 */
export function optimizerReply(messages: readonly ChatMessage[], request: StructuredRequest | undefined): object {
  const text = messages.map((m) => m.content).join("\n");
  const { component, isFinal, outputs, expected } = readRequest(text);
  const currencies = expected.map((e) => /([A-Z]{3})"?$/.exec(e)?.[1]).filter(Boolean);
  const lacksCurrency = currencies.length > 0 && outputs.length > 0 && outputs.every((o) => !/\b[A-Z]{3}\b/.test(o));
  const current = /```\n([\s\S]*?)\n```/.exec(text)?.[1] ?? (component === "answer" ? ANSWER_SEED : EXTRACT_SEED);
  const key = Object.keys(request?.schema.properties ?? { instructions: {} })[0] ?? "instructions";
  if (!lacksCurrency) return { [key]: `${current} Be precise.` };
  return {
    [key]: isFinal ? `${current} End the answer with the currency code.` : `${current} Keep the currency of the price in the facts.`,
  };
}

export function optimizerModel(): ScriptedLanguageModel {
  return new ScriptedLanguageModel({ respond: optimizerReply, modelName: "order-optimizer" });
}
