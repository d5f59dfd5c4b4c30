// The hidden rules of the quality benchmark's world, its datasets and its rewards. Only the data generator, the
// rewards (a metric knows the truth) and the reference rows read this file; the task model (task-model.ts)
// and the optimizer stand-in (proposer.ts) never import it.
//
// Customer messages are routed to a team and a priority ("billing/high"). The hidden rules (11):
//   team:     "refund" or "invoice" → billing, "password" or "login" → account, "crash" or "error" → technical,
//             "parcel" or "delivery" → shipping, else general;
//   priority: "asap" or "urgent" in the message, or a gold customer → high, else normal.
// The second word of each pair is the rare one (one wording in four), so some rules show up in few examples.
// Each message carries one team phrase, an opening with a random city and day, a random item, an optional
// urgency sentence and "(<tier> customer, ticket <n>)".
import type { Example, Reward } from "../../src/index.js";
import { SeededRandom } from "../../src/index.js";
import { longAnswer, parseAnswer, ruleText, shortAnswer, wordsOf, type Field, type Rule } from "./grammar.js";

/** The trigger words of each team: a common one, then a rare one. */
export const TEAM_TRIGGERS: Readonly<Record<string, readonly string[]>> = {
  billing: ["refund", "invoice"],
  account: ["password", "login"],
  technical: ["crash", "error"],
  shipping: ["parcel", "delivery"],
};
export const URGENT_WORDS: readonly string[] = ["asap", "urgent"];
export const PRIORITY_TIER = "gold";

const TEAM_PHRASES: Readonly<Record<string, readonly string[]>> = {
  billing: [
    "I want a refund for the {item}.",
    "Can I get a refund on my {item} order?",
    "The {item} was broken, so please send a refund.",
    "The invoice for the {item} shows the wrong amount.",
  ],
  account: [
    "I forgot the password of my profile.",
    "My password stopped working after the {item} update.",
    "Please reset the password I use to buy the {item}.",
    "The login fails when I try to order the {item}.",
  ],
  technical: [
    "The {item} page shows a crash at start.",
    "Every time I open the {item} app there is a crash.",
    "I get a crash when I pay for the {item}.",
    "The {item} app gives me an error on every click.",
  ],
  shipping: [
    "The parcel with my {item} has not arrived.",
    "Where is the parcel with the {item}?",
    "My parcel came without the {item}.",
    "The delivery of my {item} is two weeks late.",
  ],
  general: ["I have a question about the {item}.", "Do you also sell the {item} in blue?", "What are your opening hours for the {item} shop?"],
};
const OPENINGS = ["Hi, I write from {city} on {day}.", "Hello from {city}, it is {day}.", "Good morning, {day} here in {city}."];
const URGENT = ["I need this asap.", "Please answer asap.", "Asap, please.", "This is urgent."];
const CALM = ["Thanks.", "I need this soon.", "Please answer when you can.", ""];
const ITEMS = ["lamp", "chair", "kettle", "jacket", "printer", "sofa", "bike", "camera", "desk", "blender", "heater", "tent"];
const CITIES = ["Oslo", "Lyon", "Porto", "Graz", "Turin", "Leeds", "Bergen", "Ghent", "Malmo", "Cork", "Basel", "Split"];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const TEAMS: readonly [string, number][] = [
  ["general", 0.28],
  ["billing", 0.18],
  ["account", 0.18],
  ["technical", 0.18],
  ["shipping", 0.18],
];

export interface Ticket {
  message: string;
  team: string;
  priority: string;
  ticket: string;
  /** Why the answer is what it is: the trigger of each field that is not the default. */
  why: Partial<Record<Field, string>>;
}

function weighted(random: SeededRandom, entries: readonly [string, number][]): string {
  return entries[random.weightedIndex(entries.map(([, w]) => w))]?.[0] as string;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? "");
}

export function makeTicket(random: SeededRandom, ticketNumber: number): Ticket {
  const team = weighted(random, TEAMS);
  const urgent = random.next() < 0.25;
  const tier = weighted(random, [
    [PRIORITY_TIER, 0.3],
    ["silver", 0.4],
    ["bronze", 0.3],
  ]);
  const values = { item: random.pick(ITEMS), city: random.pick(CITIES), day: random.pick(DAYS) };
  const ticket = String(ticketNumber);
  const message = [
    fill(random.pick(OPENINGS), values),
    fill(random.pick(TEAM_PHRASES[team] as readonly string[]), values),
    random.pick(urgent ? URGENT : CALM),
    `(${tier} customer, ticket ${ticket})`,
  ]
    .filter((s) => s.length > 0)
    .join(" ");
  return { message, team, priority: urgent || tier === PRIORITY_TIER ? "high" : "normal", ticket, why: whyOf(message) };
}

export type TicketExample = Example<{ message: string }, string>;

export interface Splits {
  train: TicketExample[];
  val: TicketExample[];
  test: TicketExample[];
}

/** Every trigger word of the hidden rules. */
export function triggerWords(): string[] {
  return [...Object.values(TEAM_TRIGGERS).flat(), ...URGENT_WORDS, PRIORITY_TIER];
}

/**
 * Disjoint train/val/test examples (ids `<task>-train-i`, `-val-i`, `-test-i`) from one seeded generator. The
 * data seed is advanced until the trainset shows every trigger at least twice, so every rule of the ceiling
 * can be learned from the training data.
 */
export function makeSplits(task: string, dataSeed: number, sizes: { train: number; val: number; test: number }, longFormat: boolean): Splits {
  for (let attempt = 0; ; attempt++) {
    const splits = generateSplits(task, dataSeed * 1000 + attempt, sizes, longFormat);
    const covered = triggerWords().every(
      (word) => splits.train.filter((e) => wordsOf(e.input.message).includes(word)).length >= 2,
    );
    if (covered) return splits;
    if (attempt > 1000) throw new Error(`no dataset of ${sizes.train} training examples shows every trigger twice`);
  }
}

function generateSplits(task: string, dataSeed: number, sizes: { train: number; val: number; test: number }, longFormat: boolean): Splits {
  const random = SeededRandom.fromSeed(dataSeed);
  let next = 4100;
  const make = (split: string, count: number): TicketExample[] =>
    Array.from({ length: count }, (_, i) => {
      const t = makeTicket(random, (next += 1 + random.int(0, 8)));
      const fields = { team: t.team, priority: t.priority };
      return {
        id: `${task}-${split}-${i}`,
        input: { message: t.message },
        expected: longFormat ? longAnswer(fields, t.ticket) : shortAnswer(fields),
      };
    });
  return { train: make("train", sizes.train), val: make("val", sizes.val), test: make("test", sizes.test) };
}

/** The trigger behind each non-default field of a message (the metric's knowledge of the rules). */
function whyOf(message: string): Partial<Record<Field, string>> {
  const words = new Set(wordsOf(message));
  const why: Partial<Record<Field, string>> = {};
  for (const word of Object.values(TEAM_TRIGGERS).flat()) if (words.has(word)) why.team = word;
  const urgent = URGENT_WORDS.find((w) => words.has(w));
  if (urgent) why.priority = urgent;
  else if (words.has(PRIORITY_TIER)) why.priority = PRIORITY_TIER;
  return why;
}

export interface RewardOptions {
  /** Write feedback (which field is wrong and the trigger behind the expected value); false: the score only. */
  feedback: boolean;
  /** Score the format too (the demonstrations task): the answer must be `[team/priority] #ticket`. */
  longFormat: boolean;
  /** Noisy metric: each score of a non-test example is flipped (1 − score) with this probability. */
  noise?: { probability: number; seed: number };
}

/**
 * The rule-wise reward: the share of fields right (team, priority, and the format in the demonstrations
 * task). Feedback names each wrong field, the expected value and, when the expected value comes from a rule,
 * the word of the message that triggers it. With noise, a flipped score's feedback only says it was marked
 * wrong. Test examples (ids containing "-test-") are never noised, so test means are true quality.
 */
export function makeReward(options: RewardOptions): Reward<string, string> {
  const draws = new Map<string, number>();
  const reward: Reward<string, string> = (prediction, example) => {
    const got = parseAnswer(String(prediction));
    const expected = parseAnswer(String(example.expected));
    const why = whyOf(String((example.input as { message?: unknown }).message ?? ""));
    const problems: string[] = [];
    let right = 0;
    let total = 0;
    for (const field of ["team", "priority"] as const) {
      total += 1;
      if (got[field] === expected[field]) {
        right += 1;
        continue;
      }
      const reason = why[field] !== undefined && expected[field] !== "general" && expected[field] !== "normal" ? ` (the message mentions "${why[field]}")` : "";
      problems.push(`Wrong ${field}: expected ${expected[field]}, got ${got[field] ?? "no readable value"}${reason}.`);
    }
    if (options.longFormat) {
      total += 1;
      if (got.ticket !== undefined && got.ticket === expected.ticket) right += 1;
      else problems.push(`Wrong format: the answer should be written like "${String(example.expected)}".`);
    }
    let score = right / total;
    let feedback = problems.length > 0 ? problems.join(" ") : undefined;
    const id = String(example.id ?? "");
    if (options.noise && !id.includes("-test-")) {
      const key = `${id}|${String(prediction)}`;
      const n = draws.get(key) ?? 0;
      draws.set(key, n + 1);
      if (unitHash(`${options.noise.seed}|${key}|${n}`) < options.noise.probability) {
        score = 1 - score;
        feedback = score < 1 ? "The grader marked this answer as wrong." : undefined;
      }
    }
    if (!options.feedback) return score;
    return feedback === undefined ? { score } : { score, feedback };
  };
  Object.defineProperty(reward, "name", { value: options.noise ? "noisyRuleReward" : "ruleReward" });
  return reward;
}

function teamRules(): Rule[] {
  return Object.entries(TEAM_TRIGGERS).flatMap(([value, words]) => words.map((word): Rule => ({ kind: "keyword", word, field: "team", value })));
}

/** Every hidden rule, as the single prompt of the one-prompt tasks would state it. */
export function allRulesForOnePrompt(): Rule[] {
  return [
    ...teamRules(),
    ...URGENT_WORDS.map((word): Rule => ({ kind: "keyword", word, field: "priority", value: "high" })),
    { kind: "keyword", word: PRIORITY_TIER, field: "priority", value: "high" },
  ];
}

/** Every hidden rule, split between the two prompts: what `extract` must write and what `answer` must do. */
export function allRulesForTwoPrompts(): { extract: Rule[]; answer: Rule[] } {
  return {
    extract: [
      ...teamRules(),
      ...URGENT_WORDS.map((word): Rule => ({ kind: "keyword", word, field: "priority", value: "high" })),
    ],
    answer: [
      { kind: "fact", key: "tier", fact: PRIORITY_TIER, field: "priority", value: "high" },
      { kind: "fact", key: "priority", fact: "high", field: "priority", value: "high" },
    ],
  };
}

export function withRules(instructions: string, rules: readonly Rule[]): string {
  return [instructions, ...rules.map(ruleText)].join("\n");
}

function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Finalize (murmur3 fmix32) so nearby keys spread over [0, 1).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** The short form `team/priority` of an expected answer (to try it as a constant answer). */
export function shortFormOf(expected: string): string | undefined {
  const parsed = parseAnswer(expected);
  return parsed.team && parsed.priority ? `${parsed.team}/${parsed.priority}` : undefined;
}
