// The task model of the quality benchmark: an in-process LangChain chat model (no HTTP) whose answer is a
// function of the messages it receives and nothing else. It knows the world's vocabulary (grammar.ts) but none
// of its rules: it applies a rule only when the rule sentence is written in its system message, and it writes
// the long answer format only when most of the demonstrations in its prompt (human/AI pairs) show it.
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { DEFAULTS, FIELDS, formatFacts, longAnswer, parseFacts, parseRules, shortAnswer, wordsOf, type Field, type Rule } from "./grammar.js";

/** The user turns of the benchmark's prompts; the model answers according to which one it is given. */
export const ROUTE_TURN = "Customer message: {message}";
export const EXTRACT_TURN = "Write the facts of this customer message: {message}";
export const ANSWER_TURN = "Facts: {facts}";

function textOf(message: BaseMessage): string {
  return typeof message.content === "string" ? message.content : JSON.stringify(message.content);
}

function typeOf(message: BaseMessage): string {
  return message.getType();
}

/** The first rule (in the order written) for each field whose trigger is present. */
function applyRules(rules: readonly Rule[], turn: string, facts: Record<string, string>): Map<string, string> {
  const words = new Set(wordsOf(turn));
  const set = new Map<string, string>();
  for (const rule of rules) {
    if (set.has(rule.field)) continue;
    const fires = rule.kind === "keyword" ? words.has(rule.word) : facts[rule.key] === rule.fact;
    if (fires) set.set(rule.field, rule.value);
  }
  return set;
}

/** Whether more than half of the demonstrations answer in the long format with their own ticket number. */
function demonstrationsShowLongFormat(messages: readonly BaseMessage[]): boolean {
  const pairs: { human: string; ai: string }[] = [];
  for (let i = 0; i + 1 < messages.length; i++) {
    const a = messages[i] as BaseMessage;
    const b = messages[i + 1] as BaseMessage;
    if (typeOf(a) === "human" && typeOf(b) === "ai") pairs.push({ human: textOf(a), ai: textOf(b) });
  }
  if (pairs.length === 0) return false;
  const shown = pairs.filter(({ human, ai }) => {
    const long = /^\[\w+\/\w+\] #(\d+)$/.exec(ai.trim());
    return long !== null && new RegExp(`ticket ${long[1]}\\b`).test(human);
  });
  return shown.length * 2 > pairs.length;
}

/** The model's answer to a rendered prompt. */
export function taskAnswer(messages: readonly BaseMessage[]): string {
  const system = messages.filter((m) => typeOf(m) === "system").map(textOf).join("\n");
  const rules = parseRules(system);
  const turn = textOf(messages.at(-1) as BaseMessage);

  const facts = turn.startsWith("Facts:") ? parseFacts(turn) : {};
  const set = applyRules(rules, turn, facts);
  const tier = /\((\w+) customer/.exec(turn)?.[1]?.toLowerCase();
  const ticket = /ticket (\d+)/.exec(turn)?.[1];

  if (turn.startsWith("Write the facts")) {
    // Facts: the team (general unless a rule says otherwise), the tier as the message gives it, and any other
    // field a rule sets.
    const out: Record<string, string> = { team: set.get("team") ?? DEFAULTS.team };
    if (tier) out.tier = tier;
    for (const [field, value] of set) if (field !== "team") out[field] = value;
    return formatFacts(out);
  }
  const fields = {} as Record<Field, string>;
  for (const field of FIELDS) {
    // The answer step takes the team from the facts; every other field only through a rule.
    const fromFacts = field === "team" ? facts.team : undefined;
    fields[field] = set.get(field) ?? fromFacts ?? DEFAULTS[field];
  }
  if (ticket && demonstrationsShowLongFormat(messages.slice(0, -1))) return longAnswer(fields, ticket);
  return shortAnswer(fields);
}

/** The chat model: LangChain traces its runs like any other (fit's component traces depend on it). */
export class RuleFollowingChatModel extends BaseChatModel {
  static override lc_name(): string {
    return "RuleFollowingChatModel";
  }

  _llmType(): string {
    return "quality-bench-rule-follower";
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const text = taskAnswer(messages);
    return { generations: [{ text, message: new AIMessage(text) }] };
  }
}
