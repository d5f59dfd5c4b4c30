// A tiny world for compare(): each text names one keyword, the label follows from it, and the scripted task model
// answers right only when its instructions state the keyword's rule. A scripted optimizer (no model) writes one rule
// a step from a failing batch example; its `skill` is the chance it picks the keyword rather than another word of
// the text, so two optimizers can be scripted to be better, worse or equally good.
import type { ChatPromptValueInterface } from "@langchain/core/prompt_values";
import { RunnableLambda } from "@langchain/core/runnables";
import { Optimizer, type OptimizerFields, type RunShape, type StepCost } from "../../../src/optimizers/optimizer.js";
import type { OptimizationContext } from "../../../src/optimizers/context.js";
import { INSTRUCTIONS_SCHEMA } from "../../../src/prompts/schemas.js";
import { TrainablePrompt } from "../../../src/prompts/trainable-prompt.js";
import { SeededRandom } from "../../../src/random/seeded-random.js";
import type { Example } from "../../../src/data/example.js";
import type { Variable } from "../../../src/variables/variable.js";

export const KEYWORDS: Record<string, string> = {
  invoice: "billing",
  refund: "billing",
  password: "account",
  login: "account",
  crash: "technical",
  error: "technical",
  parcel: "shipping",
  delivery: "shipping",
};
const WORDS = Object.keys(KEYWORDS);
const FILLERS = ["today", "again", "please", "quickly", "maybe", "still"];

export const SEED_INSTRUCTIONS = "Label the customer text with a team.";

/** `count` examples cycling through the keywords, each with filler words around it. */
export function keywordExamples(prefix: string, count: number): Example[] {
  return Array.from({ length: count }, (_, i) => {
    const word = WORDS[i % WORDS.length] as string;
    const filler = FILLERS[(i * 5 + prefix.length) % FILLERS.length] as string;
    return { id: `${prefix}${i}`, input: { text: `About my ${word} ${filler}, case ${prefix}${i}` }, expected: KEYWORDS[word] };
  });
}

/** The rule sentence the task model understands. */
export function rule(word: string, label: string): string {
  return `When the text mentions "${word}", answer ${label}.`;
}

/** Applies the rules written in the system message, the last matching one winning; "unknown" without one. */
export function answerFor(system: string, text: string): string {
  const words = text.split(/[\s,]+/);
  let answer = "unknown";
  for (const match of system.matchAll(/When the text mentions "([^"]+)", answer (\w+)\./g)) {
    if (words.includes(match[1] as string)) answer = match[2] as string;
  }
  return answer;
}

/** A fresh program: a TrainablePrompt and the scripted task model (in process, no HTTP). */
export function keywordProgram() {
  const prompt = new TrainablePrompt({ name: "team", instructions: SEED_INSTRUCTIONS, messages: "Text: {text}" });
  const model = RunnableLambda.from(async (value: ChatPromptValueInterface) => {
    const messages = value.toChatMessages();
    const system = messages.filter((m) => m.getType() === "system").map((m) => String(m.content)).join("\n");
    const text = String(messages.at(-1)?.content ?? "").replace(/^Text:\s*/, "");
    return answerFor(system, text);
  });
  return { prompt, program: prompt.pipe(model) };
}

export interface RuleWriterFields extends Omit<OptimizerFields, "schema"> {
  /** Chance of naming the keyword (else another word of the text: a useless rule). */
  skill: number;
  seed: number;
}

/** Writes one rule a step from the first failing batch example; keeps it when it scores higher on the batch. */
export class RuleWriter extends Optimizer {
  static override description = "Writes one keyword rule a step (scripted, no model).";
  static override readonly knownFields = [...Optimizer.knownFields, "skill", "seed"];
  readonly skill: number;
  private readonly random: SeededRandom;

  constructor(fields: RuleWriterFields) {
    super({ ...fields, schema: INSTRUCTIONS_SCHEMA } as OptimizerFields);
    this.skill = fields.skill;
    this.random = SeededRandom.fromSeed(fields.seed);
  }

  override estimateStepCost(shape: RunShape): StepCost {
    return { metricCalls: shape.batchSize, optimizerCalls: 0 };
  }

  async optimize(variable: Variable<object>, _reward: number | undefined, context: OptimizationContext): Promise<void> {
    const failing = (context.predictions ?? []).find((p) => p.score < 1);
    if (!failing || !context.evaluate) return;
    const words = String(failing.input.text).split(/[\s,]+/);
    const keyword = words.find((w) => w in KEYWORDS) as string;
    const others = words.filter((w) => w !== keyword);
    const chosen = this.random.next() < this.skill ? keyword : this.random.pick(others);
    const value = variable.json() as { instructions: string };
    const proposal = { ...value, instructions: `${value.instructions} ${rule(chosen, String(failing.expected))}` };
    const batch = (context.predictions ?? []).map((p) => ({ id: p.exampleId, input: p.input, expected: p.expected }));
    const scored = await context.evaluate({ [variable.name]: proposal }, batch, { signal: context.signal });
    const before = (context.predictions ?? []).reduce((sum, p) => sum + p.score, 0);
    if (scored.reduce((sum, p) => sum + p.score, 0) > before) variable.assign(proposal);
  }

  async finalize(): Promise<void> {}
}
