// Shared fixtures of the optimizer tests: a scripted sentiment task whose accuracy depends on the prompt,
// scripted optimizer models that only find the fix when shown the failures, and a minimal training loop.
import type { ChatMessage, ModelCallOptions, StructuredGeneration, StructuredRequest } from "../../src/models/types.js";
import type { CandidateEvaluator, Example, ScoredPrediction } from "../../src/optimizers/context.js";
import type { Optimizer } from "../../src/optimizers/optimizer.js";
import { PROMPT_VARIABLE_SCHEMA, type FewShotExample, type PromptValue } from "../../src/prompts/schemas.js";
import { ScriptedLanguageModel, type ScriptedResponder } from "../../src/testing/scripted-language-model.js";
import { Variable } from "../../src/variables/variable.js";

export const SARCASM_MARK = "Oh great";
export const GOOD_INSTRUCTIONS =
  "Classify the review's sentiment as positive or negative. Beware of sarcasm: praise words can be ironic.";
export const BAD_INSTRUCTIONS = "Always answer positive.";
export const SEED_INSTRUCTIONS = "Classify the sentiment of the review.";

/**
 * Reviews of four kinds: plain positive, plain negative, sarcastic-obvious (tagged #sarcasm, which the task
 * model always reads right) and sarcastic-subtle (read right only when the prompt is sarcasm-aware).
 */
export function reviews(prefix: string, count: number): Example[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = i % 4;
    const text =
      kind === 0
        ? `I love product ${prefix}${i}, it works well.`
        : kind === 1
          ? `Product ${prefix}${i} is awful and broke.`
          : kind === 2
            ? `${SARCASM_MARK}, product ${prefix}${i} stopped working. #sarcasm`
            : `${SARCASM_MARK}, product ${prefix}${i} broke on day one. Just wonderful.`;
    return { id: `${prefix}${i}`, input: { text }, expected: kind === 0 ? "positive" : "negative" };
  });
}

/** The scripted task model: its answer depends on the instructions and the demonstrations in the prompt. */
export function answer(prompt: Partial<PromptValue>, text: string): string {
  const instructions = (prompt.instructions ?? "").toLowerCase();
  if (instructions.includes("always answer positive")) return "positive";
  const demonstratesSarcasm = (prompt.examples ?? []).some(
    (e: FewShotExample) => String(e.input.text).includes(SARCASM_MARK) && e.output === "negative",
  );
  const sarcasmAware = instructions.includes("sarcasm") || demonstratesSarcasm;
  if (text.includes(SARCASM_MARK)) return text.includes("#sarcasm") || sarcasmAware ? "negative" : "positive";
  return text.includes("love") ? "positive" : "negative";
}

export interface CountingEvaluator extends CandidateEvaluator {
  /** Example evaluations actually run (what a real program would pay for). */
  runs: number;
}

/**
 * Runs the scripted task with the candidate prompt in `variableName`. Each prediction carries the prompt's
 * trace (its input and its output), as fit's evaluator records it.
 */
export function sentimentEvaluator(variableName: string): CountingEvaluator {
  const evaluate = async (candidate: Record<string, Record<string, unknown>>, examples: readonly Example[]) => {
    evaluate.runs += examples.length;
    const prompt = (candidate[variableName] ?? {}) as Partial<PromptValue>;
    return examples.map((example): ScoredPrediction => {
      const text = String(example.input.text);
      const output = answer(prompt, text);
      const correct = output === example.expected;
      return {
        exampleId: example.id ?? text,
        input: example.input,
        output,
        expected: example.expected,
        score: correct ? 1 : 0,
        feedback: correct ? "Correct." : `Wrong: answered ${output} but the review is ${String(example.expected)}.`,
        trace: { [variableName]: [{ inputs: example.input, messages: [], outputs: [{ text: output }] }] },
      };
    });
  };
  evaluate.runs = 0;
  return evaluate;
}

export function accuracy(prompt: Partial<PromptValue>, examples: readonly Example[]): number {
  const right = examples.filter((e) => answer(prompt, String(e.input.text)) === e.expected).length;
  return right / examples.length;
}

export function promptVariable(name = "prompt", value: Partial<PromptValue> = {}): Variable<PromptValue> {
  return new Variable<PromptValue>({
    name,
    schema: PROMPT_VARIABLE_SCHEMA,
    value: { instructions: SEED_INSTRUCTIONS, examples: [], ...value },
  });
}

/** Blocks of a meta-prompt that show one example each (they start with "Example"). */
function exampleBlocks(text: string): string[] {
  return text.split(/\n(?=Example \d+:)/);
}

/** True when the text shows a subtle sarcastic review that the system got wrong. */
export function showsFailedSarcasm(text: string): boolean {
  return exampleBlocks(text).some(
    (block) => block.includes(SARCASM_MARK) && !block.includes("#sarcasm") && /Score: 0\/100|Wrong:/.test(block),
  );
}

/**
 * An optimizer model whose answer depends on what it is shown: the sarcasm fix only when a failed sarcastic
 * example is in the prompt; once a sarcasm-aware version is listed and nothing fails, it drifts to a worse one;
 * otherwise a harmless rewording.
 */
export function rewriterResponder(key = "instructions"): ScriptedResponder {
  return (messages) => {
    const text = messages.map((m) => m.content).join("\n");
    if (showsFailedSarcasm(text)) return { [key]: GOOD_INSTRUCTIONS };
    if (/sarcasm/i.test(text.replace(/#sarcasm/g, ""))) return { [key]: BAD_INSTRUCTIONS };
    return { [key]: "Decide whether the review is positive or negative." };
  };
}

/** A scripted model that also records the options (config, temperature) of every call. */
export class RecordingModel extends ScriptedLanguageModel {
  readonly options: (ModelCallOptions | undefined)[] = [];

  override async generateStructured<T = Record<string, unknown>>(
    messages: readonly ChatMessage[],
    request: StructuredRequest,
    options?: ModelCallOptions,
  ): Promise<StructuredGeneration<T>> {
    this.options.push(options);
    return super.generateStructured<T>(messages, request, options);
  }
}

export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface TrainingRun {
  optimizer: Optimizer;
  variable: Variable<object>;
  trainset: readonly Example[];
  valset?: readonly Example[];
  evaluate: CandidateEvaluator;
  batchSize: number;
  /** Give the optimizer the evaluator during steps (default true). */
  evaluatorInSteps?: boolean;
  /** Stop after this many steps. */
  maxSteps?: number;
  /** Skip the first batches (to resume a run that stopped after that many steps). */
  fromStep?: number;
  /** Called after each step with its number (1-based). */
  afterStep?: (step: number) => void;
}

/** A minimal training loop: score each batch with the current value, then one optimization step. Returns the step count. */
export async function trainSteps(run: TrainingRun): Promise<number> {
  let step = run.fromStep ?? 0;
  for (const batch of batches(run.trainset, run.batchSize).slice(step)) {
    if (run.maxSteps !== undefined && step >= run.maxSteps) break;
    const predictions = await run.evaluate({ [run.variable.name]: run.variable.json() as Record<string, unknown> }, batch);
    const reward = predictions.reduce((sum, p) => sum + p.score, 0) / predictions.length;
    await run.optimizer.applyOptimization([run.variable], reward, {
      predictions,
      evaluate: run.evaluatorInSteps === false ? undefined : run.evaluate,
      trainset: run.trainset,
      valset: run.valset,
    });
    step += 1;
    run.afterStep?.(step);
  }
  return step;
}

export async function finalize(run: TrainingRun, withValidation = true): Promise<void> {
  await run.optimizer.finalizeVariableValues(
    [run.variable],
    withValidation ? { evaluate: run.evaluate, valset: run.valset } : {},
  );
}
