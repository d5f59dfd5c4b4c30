// The vocabulary of the quality benchmark's world, shared by the task model and the optimizer stand-in: the
// shape of an answer (team/priority), of the facts one prompt hands the next (key=value pairs), and the two
// rule sentences the task model understands. It holds NO rule of the world — which words lead to which team
// or priority lives only in world.ts, which neither stand-in imports.

/** The fields of an answer and what the task model answers when no rule it can read applies. */
export const FIELDS = ["team", "priority"] as const;
export type Field = (typeof FIELDS)[number];
export const DEFAULTS: Record<Field, string> = { team: "general", priority: "normal" };

/** `If the message mentions "refund", set team=billing.` — applied when the user's turn contains the word. */
export interface KeywordRule {
  kind: "keyword";
  word: string;
  field: string;
  value: string;
}

/** `If the facts say tier=gold, set priority=high.` — applied when the facts the prompt is given hold key=fact. */
export interface FactRule {
  kind: "fact";
  key: string;
  fact: string;
  field: string;
  value: string;
}

export type Rule = KeywordRule | FactRule;

export function ruleText(rule: Rule): string {
  return rule.kind === "keyword"
    ? `If the message mentions "${rule.word}", set ${rule.field}=${rule.value}.`
    : `If the facts say ${rule.key}=${rule.fact}, set ${rule.field}=${rule.value}.`;
}

const RULE_PATTERN = /If the message mentions "([^"]+)", set (\w+)=(\w+)\.|If the facts say (\w+)=(\w+), set (\w+)=(\w+)\./gi;

/** The rule sentences of a text, in order. */
export function parseRules(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const m of text.matchAll(RULE_PATTERN)) {
    if (m[1] !== undefined) {
      rules.push({ kind: "keyword", word: m[1].toLowerCase(), field: m[2]!.toLowerCase(), value: m[3]!.toLowerCase() });
    } else {
      rules.push({ kind: "fact", key: m[4]!.toLowerCase(), fact: m[5]!.toLowerCase(), field: m[6]!.toLowerCase(), value: m[7]!.toLowerCase() });
    }
  }
  return rules;
}

/** Whether a line of instructions is a rule sentence. */
export function isRuleLine(line: string): boolean {
  return parseRules(line).length > 0;
}

export function sameRule(a: Rule, b: Rule): boolean {
  return ruleText(a).toLowerCase() === ruleText(b).toLowerCase();
}

/** The trigger of a rule (what it looks for), to spot two rules that look for the same thing. */
export function triggerOf(rule: Rule): string {
  return rule.kind === "keyword" ? `word:${rule.word}` : `fact:${rule.key}=${rule.fact}`;
}

/** Lower-case words of a text (letters and digits). */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

export interface ParsedAnswer {
  team?: string;
  priority?: string;
  /** The ticket number when written in the long format `[team/priority] #ticket`. */
  ticket?: string;
}

/** `billing/high` or `[billing/high] #4411`. */
export function parseAnswer(text: string): ParsedAnswer {
  const trimmed = text.trim();
  const long = /^\[(\w+)\/(\w+)\] #(\d+)$/.exec(trimmed);
  if (long) return { team: long[1]!.toLowerCase(), priority: long[2]!.toLowerCase(), ticket: long[3]! };
  const short = /^(\w+)\/(\w+)$/.exec(trimmed);
  if (short) return { team: short[1]!.toLowerCase(), priority: short[2]!.toLowerCase() };
  return {};
}

export function shortAnswer(fields: Record<Field, string>): string {
  return `${fields.team}/${fields.priority}`;
}

export function longAnswer(fields: Record<Field, string>, ticket: string): string {
  return `[${fields.team}/${fields.priority}] #${ticket}`;
}

/** `team=billing; tier=gold` → { team: "billing", tier: "gold" } */
export function parseFacts(text: string): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)=(\w+)/g)) facts[m[1]!.toLowerCase()] = m[2]!.toLowerCase();
  return facts;
}

export function formatFacts(facts: Record<string, string>): string {
  return Object.entries(facts)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");
}
