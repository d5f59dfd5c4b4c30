// The optimizer stand-in of the quality benchmark: a ScriptedLanguageModel that answers a proposal request
// from that request alone — its messages and the JSON schema it must fill (one property, or one per prompt in
// a joint rewrite). It shares with the task model only the world's vocabulary (grammar.ts), never its rules:
//
// - it reads the prompt(s) to rewrite (headers `Prompt '<name>' (its instructions). …`), the current text
//   (GEPA's fenced block, OPRO's best "Version:", OMEGA's parent or versions A and B) and the example blocks
//   (`Program input:`, `This prompt's input:` / `output:`, `Program answer:`, `Expected answer:`, `Score:`,
//   `Feedback:`);
// - it writes a rule only from evidence shown there: a trigger a feedback line names, else the words (or, for
//   a prompt that reads facts, the facts) that every shown example needing a value has and no other shown
//   example has — a guess among the candidates when several remain. A prompt that is not the program's last
//   step learns only from its OWN outputs ("This prompt's output:" lines); a prompt that reads facts only
//   from its OWN inputs. It drops a rule that a shown example contradicts;
// - with nothing to learn it rewrites the wording with a sentence from a fixed pool of plausible but useless
//   phrases; every choice is a hash of the request text and of how many times that same text was asked
//   (OPRO asks for several samples of one request, as from a model sampling at temperature 1);
// - it keeps the current text's intro line (so its {placeholders}) and the rules it does not drop;
// - MIPROv2's grounded proposal is read like any rewrite (its header, example runs and fenced current text; the
//   dataset summary, the program's structure and the tip carry no example, so they change nothing but the hash);
//   its dataset-summary request ("Sample N:" blocks) gets a summary naming the input keys and a few expected
//   answers, no rule (one sample shows no pattern);
// - SIMBA's rule request ("Worse run:" / "Better run:", each a shown run with every prompt's own lines) gets,
//   per prompt, the rules those two runs call for that the prompt's current text (under its header) lacks,
//   written as advice to append — and a useless sentence when they call for none, as a model asked for advice
//   would still write one. Advice only appends: it drops nothing;
// - RandomSearch's rewording request shows only a text ("Text to reword:"): no evidence, so it rewords.
import type { ChatMessage, StructuredRequest } from "../../src/models/types.js";
import { ScriptedLanguageModel } from "../../src/testing/index.js";
import { DEFAULTS, FIELDS, isRuleLine, parseAnswer, parseFacts, parseRules, ruleText, triggerOf, wordsOf, type Rule } from "./grammar.js";

/** Rewordings the stand-in falls back on: plausible, and useless to the task model. */
export const USELESS_REWRITES = [
  "Read the whole message carefully before answering.",
  "Be precise and concise.",
  "Think about what the customer really needs.",
  "Answer in the requested format only.",
  "Double-check the answer before replying.",
  "Treat every customer politely and consistently.",
  "Focus on the main request of the message.",
  "Use only the information given; never invent details.",
];

/** Function words no rule would be about (the stand-in's English, not knowledge of the world). */
const STOPWORDS = new Set(
  (
    "the a an and or but if so of to in on at for from with without by about into over after before is are was were be been " +
    "am do does did have has had i my me we our you your it its this that these those there here what when where which who " +
    "how can could will would should not no yes all any every some also too very just only then than up out get got " +
    "hi hello good morning thanks thank please"
  ).split(" "),
);

interface Header {
  name: string;
  key: string;
  place: string;
  template?: string;
  final: boolean;
  readsMessage: boolean;
}

interface Shown {
  programInput?: string;
  ownInput?: string;
  ownOutput?: string;
  /** In a joint rewrite, each prompt's own lines ("Prompt 'extract' input: …"), by prompt name. */
  byPrompt?: Record<string, { input?: string; output?: string }>;
  answer?: string;
  expected?: string;
  feedback?: string;
}

type Chooser = <T>(items: readonly T[], tag: string) => T | undefined;

export function createProposer(modelName = "quality-proposer"): ScriptedLanguageModel {
  const asked = new Map<string, number>();
  return new ScriptedLanguageModel({
    modelName,
    respond: (messages, request) => {
      const key = messages.map((m) => `${m.role}:${m.content}`).join("\n");
      const sample = asked.get(key) ?? 0;
      asked.set(key, sample + 1);
      return propose(messages, request, sample);
    },
  });
}

/** The proposal for one request. */
export function propose(messages: readonly ChatMessage[], request: StructuredRequest | undefined, sample = 0): Record<string, string> {
  const text = messages.find((m) => m.role === "user")?.content ?? "";
  const properties = Object.keys(request?.schema.properties ?? { instructions: {} });
  const headers = parseHeaders(text);
  const examples = parseExamples(text);
  const choose: Chooser = (items, tag) => {
    if (items.length === 0) return undefined;
    return items[hash(`${text}|${sample}|${tag}`) % items.length];
  };
  if (properties.includes("summary") && /^Sample 1:$/m.test(text)) return { summary: summarize(text) };
  if (/^Worse run:$/m.test(text)) return advise(text, properties, headers, choose, sample);
  const current = currentTexts(text, properties, headers);
  const out: Record<string, string> = {};
  for (const property of properties) {
    const header = properties.length === 1 ? headers[0] : headers.find((h) => h.name === property);
    const base = current[property] ?? { intro: "", style: [], rules: [] };
    out[property] = rewrite(base, header, examples, choose, property, sample);
  }
  return out;
}

// ---- reading the request ----

function parseHeaders(text: string): Header[] {
  const headers: Header[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const m = /^Prompt '([^']+)' \(its (\w+)\)\. (.*)$/.exec(line);
    if (!m) return;
    const template = /^Its message template \(what it is asked each time\): (.*)$/.exec(lines[i + 1] ?? "")?.[1];
    const place = m[3] ?? "";
    headers.push({
      name: m[1] ?? "",
      key: m[2] ?? "instructions",
      place,
      ...(template !== undefined ? { template } : {}),
      final: /only trainable prompt|its output is the program's answer/.test(place),
      readsMessage: template === undefined ? true : template.includes("{message}"),
    });
  });
  return headers;
}

function parseExamples(text: string): Shown[] {
  return text.split(/^Example \d+:$/m).slice(1).map(parseBlock);
}

/** One shown run: the program's input, each prompt's own lines, the answer, the expected answer, the feedback. */
function parseBlock(block: string): Shown {
  const shown: Shown = {};
  for (const line of block.split("\n")) {
    if (line.trim() === "" && Object.keys(shown).length > 0) break;
    const field = (prefix: string) => (line.startsWith(prefix) ? line.slice(prefix.length) : undefined);
    shown.programInput ??= field("Program input: ");
    shown.ownInput ??= field("This prompt's input: ");
    shown.ownOutput ??= field("This prompt's output: ");
    const named = /^Prompt '([^']+)' (input|output): (.*)$/.exec(line);
    if (named) {
      const own = ((shown.byPrompt ??= {})[named[1] as string] ??= {});
      if (named[2] === "input") own.input ??= named[3];
      else own.output ??= named[3];
    }
    shown.answer ??= field("Program answer: ");
    shown.expected ??= field("Expected answer: ");
    shown.feedback ??= field("Feedback: ");
  }
  return shown;
}

/** SIMBA's rule request: the worse and the better run, each under its heading ("(not available…)" when missing). */
function parseRuns(text: string): Shown[] {
  return [...text.matchAll(/^(?:Worse|Better) run:\n([\s\S]*?)(?=\n\n(?:Better run:|For each prompt)|(?![\s\S]))/gm)].map((m) => parseBlock(m[1] ?? ""));
}

interface Version {
  intro: string;
  style: string[];
  rules: Rule[];
}

function splitVersion(value: string): Version {
  const lines = value.split("\n").filter((l) => l.trim().length > 0);
  const prose = lines.filter((l) => !isRuleLine(l));
  return { intro: prose[0] ?? "", style: prose.slice(1), rules: parseRules(value) };
}

/** The current text of each property, as the request shows it (a crossover: both versions merged). */
function currentTexts(text: string, properties: readonly string[], headers: readonly Header[]): Record<string, Version> {
  const single = properties.length === 1;
  const valuesOf = (raw: string): Record<string, string> => {
    if (single) return { [properties[0] as string]: raw };
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      return {};
    }
  };
  const fenced = /(?:Its current \w+|Text to reword):\n```\n([\s\S]*?)\n```/.exec(text);
  if (fenced) return mapValues(valuesOf(fenced[1] ?? ""), splitVersion);
  const crossover = /^Version A:\n([\s\S]*?)\n\nVersion B:\n([\s\S]*?)\n\n/m.exec(text);
  if (crossover) {
    const a = valuesOf(crossover[1] ?? "");
    const b = valuesOf(crossover[2] ?? "");
    return Object.fromEntries(properties.map((p) => [p, mergeVersions(splitVersion(a[p] ?? ""), splitVersion(b[p] ?? ""))]));
  }
  const versions = [...text.matchAll(/^Version:\n([\s\S]*?)\nScore: \d+$/gm)];
  if (versions.length > 0) return mapValues(valuesOf(versions.at(-1)?.[1] ?? ""), splitVersion);
  // OMEGA's mutation: the parent value sits after the prompt header(s), between blank lines.
  const lines = text.split("\n");
  const lastHeader = lines.findLastIndex((l) => /^Prompt '[^']+' \(its \w+\)/.test(l) || l.startsWith("Its message template"));
  if (lastHeader >= 0 && headers.length > 0) {
    const start = lastHeader + 2;
    const end = lines.findIndex((l, i) => i >= start && l.trim() === "");
    return mapValues(valuesOf(lines.slice(start, end < 0 ? undefined : end).join("\n")), splitVersion);
  }
  return {};
}

function mergeVersions(a: Version, b: Version): Version {
  const rules = [...a.rules];
  for (const rule of b.rules) {
    if (!rules.some((r) => triggerOf(r) === triggerOf(rule) && r.field === rule.field)) rules.push(rule);
  }
  return { intro: a.intro || b.intro, style: a.style.length > 0 ? a.style : b.style, rules };
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

// ---- the rewrite ----

interface Evidence {
  /** The text this prompt read (its own input when shown; the program input for a prompt that reads the message). */
  read?: string;
  /** What this prompt produced for each field (its own output; the program answer for the last step). */
  produced?: Record<string, string>;
  expected: Record<string, string>;
  /** Triggers the feedback names, by field. */
  triggers: Record<string, string[]>;
}

function evidenceFor(header: Header | undefined, shown: Shown): Evidence | undefined {
  const expected = parseAnswer(shown.expected ?? "");
  if (expected.team === undefined) return undefined;
  const final = header?.final ?? true;
  // A joint rewrite shows each prompt's own lines under its name; a single one as "This prompt's".
  const own = header ? shown.byPrompt?.[header.name] : undefined;
  const ownInput = own?.input ?? shown.ownInput;
  const ownOutput = own?.output ?? shown.ownOutput;
  let read: string | undefined;
  if (ownInput !== undefined) read = valuesText(ownInput);
  else if (header?.readsMessage ?? true) read = shown.programInput !== undefined ? valuesText(shown.programInput) : undefined;
  let produced: Record<string, string> | undefined;
  if (ownOutput !== undefined) {
    produced = final ? answerFields(ownOutput) : factFields(ownOutput);
  } else if (final && shown.answer !== undefined) {
    produced = answerFields(shown.answer);
  }
  const triggers: Record<string, string[]> = {};
  for (const m of (shown.feedback ?? "").matchAll(/Wrong (\w+): expected (\w+), got [^.(]*?\(the message mentions "([^"]+)"\)/g)) {
    (triggers[m[1] as string] ??= []).push((m[3] as string).toLowerCase());
  }
  return {
    ...(read !== undefined ? { read } : {}),
    ...(produced !== undefined ? { produced } : {}),
    expected: { team: expected.team, priority: expected.priority ?? DEFAULTS.priority },
    triggers,
  };
}

/** The string values of a shown JSON object (a prompt's input), else the text itself. */
function valuesText(shown: string): string {
  try {
    const parsed = JSON.parse(shown) as unknown;
    if (parsed && typeof parsed === "object") return Object.values(parsed as Record<string, unknown>).map(String).join("\n");
    return String(parsed);
  } catch {
    return shown;
  }
}

function answerFields(text: string): Record<string, string> {
  const parsed = parseAnswer(text);
  return { team: parsed.team ?? "?", priority: parsed.priority ?? "?" };
}

function factFields(text: string): Record<string, string> {
  const facts = parseFacts(text);
  return Object.fromEntries(FIELDS.map((f) => [f, facts[f] ?? DEFAULTS[f]]));
}

function contentWords(text: string): Set<string> {
  return new Set(wordsOf(text).filter((w) => w.length >= 3 && !/^\d+$/.test(w) && !STOPWORDS.has(w)));
}

function factsOf(text: string): Set<string> {
  return new Set(Object.entries(parseFacts(text)).map(([k, v]) => `${k}=${v}`));
}

function intersect<T>(sets: readonly Set<T>[]): Set<T> {
  if (sets.length === 0) return new Set();
  return new Set([...(sets[0] as Set<T>)].filter((x) => sets.every((s) => s.has(x))));
}

/** What the shown examples teach about one prompt: the rules of `base` they leave standing, and the rules they call for. */
function induce(base: Version, header: Header | undefined, examples: readonly Shown[], choose: Chooser, tag: string): { kept: Rule[]; added: Rule[]; removed: number } {
  const evidence = examples.map((e) => evidenceFor(header, e)).filter((e): e is Evidence => e !== undefined);
  const readsFacts = header !== undefined && !header.readsMessage;
  const usable = evidence.filter((e) => e.read !== undefined && e.produced !== undefined);

  // Drop the rules a shown example contradicts: it fired, set its value, and the expected value is another.
  const fires = (rule: Rule, e: Evidence) =>
    rule.kind === "keyword" ? wordsOf(e.read ?? "").includes(rule.word) : parseFacts(e.read ?? "")[rule.key] === rule.fact;
  const kept = base.rules.filter(
    (rule) => !usable.some((e) => fires(rule, e) && e.produced?.[rule.field] === rule.value && e.expected[rule.field] !== rule.value),
  );
  const removed = base.rules.length - kept.length;

  const added: Rule[] = [];
  const add = (rule: Rule) => {
    const all = [...kept, ...added];
    if (all.some((r) => triggerOf(r) === triggerOf(rule) && r.field === rule.field)) return;
    added.push(rule);
  };
  for (const field of FIELDS) {
    const values = [...new Set(usable.map((e) => e.expected[field] as string))].filter((v) => v !== DEFAULTS[field]).sort();
    for (const value of values) {
      const needing = usable.filter((e) => e.expected[field] === value && e.produced?.[field] !== value);
      if (needing.length === 0) continue;
      const others = usable.filter((e) => e.expected[field] !== value);
      if (!readsFacts) {
        // A prompt that reads the message: a trigger word.
        const named = needing.flatMap((e) => (e.triggers[field] ?? []).filter((w) => wordsOf(e.read ?? "").includes(w)));
        if (named.length > 0) {
          for (const word of [...new Set(named)].sort()) add({ kind: "keyword", word, field, value });
          continue;
        }
        const excluded = new Set(others.flatMap((e) => [...contentWords(e.read ?? "")]));
        let candidates = [...intersect(needing.map((e) => contentWords(e.read ?? "")))].filter((w) => !excluded.has(w));
        if (candidates.length === 0) {
          const one = choose(needing, `${tag}:${field}:${value}:example`);
          candidates = [...contentWords(one?.read ?? "")].filter((w) => !excluded.has(w));
        }
        const word = choose(candidates.sort(), `${tag}:${field}:${value}:word`);
        if (word) add({ kind: "keyword", word, field, value });
      } else {
        // A prompt that reads facts. Its input already held a value for the field and it wrote that value:
        // the step before is at fault, nothing to fix here. Else, in order: the facts say the expected value
        // and the prompt did not write it ("take it from the facts"); a fact a feedback trigger names; a fact
        // every such example has and no other does; and when the facts never carry the field, "take it from
        // the facts" as a guess that the step before will say it.
        const own = needing.filter((e) => {
          const given = parseFacts(e.read ?? "")[field];
          return given === undefined || given === value;
        });
        if (own.length === 0) continue;
        if (own.some((e) => parseFacts(e.read ?? "")[field] === value)) {
          add({ kind: "fact", key: field, fact: value, field, value });
          continue;
        }
        const namedFacts = own.flatMap((e) =>
          Object.entries(parseFacts(e.read ?? ""))
            .filter(([, v]) => (e.triggers[field] ?? []).includes(v))
            .map(([k, v]) => `${k}=${v}`),
        );
        const excluded = new Set(others.flatMap((e) => [...factsOf(e.read ?? "")]));
        const shared = [...intersect(own.map((e) => factsOf(e.read ?? "")))].filter((f) => !excluded.has(f));
        const fact = choose([...new Set(namedFacts.length > 0 ? namedFacts : shared)].sort(), `${tag}:${field}:${value}:fact`);
        if (fact) {
          const [key, v] = fact.split("=") as [string, string];
          add({ kind: "fact", key, fact: v, field, value });
        } else {
          add({ kind: "fact", key: field, fact: value, field, value });
        }
      }
    }
  }

  return { kept, added, removed };
}

function rewrite(base: Version, header: Header | undefined, examples: readonly Shown[], choose: Chooser, tag: string, sample: number): string {
  const { kept, added, removed } = induce(base, header, examples, choose, tag);
  const changed = removed > 0 || added.length > 0;
  let style = base.style;
  if (!changed || sample > 0) {
    const pool = USELESS_REWRITES.filter((s) => !base.style.includes(s));
    const picked = choose(pool, `${tag}:style`);
    style = picked ? [picked] : base.style;
  }
  return [base.intro, ...style, ...[...kept, ...added].map(ruleText)].filter((l) => l.length > 0).join("\n");
}

/**
 * SIMBA's rule request: advice per prompt (one property each), to be appended to its instructions. For each prompt,
 * the rules the two runs call for (from that prompt's own lines, as for any rewrite) that its current text (the
 * fenced block under its header) does not state yet; with nothing to learn, a plausible useless sentence, as a
 * model asked for advice would still write one. Advice only adds: it cannot drop a rule.
 */
function advise(text: string, properties: readonly string[], headers: readonly Header[], choose: Chooser, sample: number): Record<string, string> {
  const runs = parseRuns(text);
  const out: Record<string, string> = {};
  for (const property of properties) {
    const header = headers.find((h) => h.name === property) ?? (properties.length === 1 ? headers[0] : undefined);
    const current = header ? new RegExp(`^Prompt '${escapeRegExp(header.name)}' \\(its [\\s\\S]*?Its current \\w+:\\n\`\`\`\\n([\\s\\S]*?)\\n\`\`\``, "m").exec(text)?.[1] : undefined;
    const base = splitVersion(current ?? "");
    const { added } = induce(base, header, runs, choose, property);
    out[property] = added.length > 0 ? added.map(ruleText).join("\n") : (choose(USELESS_REWRITES, `${property}:advice:${sample}`) ?? "");
  }
  return out;
}

/** A summary of the samples shown: how many, the input keys, a few expected answers. No rule: none can be seen in one sample. */
function summarize(text: string): string {
  const inputs = [...text.matchAll(/^Input: (.*)$/gm)].map((m) => m[1] ?? "");
  const keys = new Set<string>();
  for (const input of inputs) {
    try {
      for (const key of Object.keys(JSON.parse(input) as object)) keys.add(key);
    } catch {
      // not JSON: no keys to name
    }
  }
  const answers = [...new Set([...text.matchAll(/^Expected answer: (.*)$/gm)].map((m) => m[1] ?? ""))].slice(0, 3);
  return `${inputs.length} samples; each input has ${[...keys].map((k) => `'${k}'`).join(", ") || "text"}; expected answers look like ${answers.join(", ")}.`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A 32-bit FNV-1a hash. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
