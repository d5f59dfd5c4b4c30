import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatOpenAI } from "@langchain/openai";
import { fromChatModel } from "../../../src/models/index.js";
import type { Budget } from "../../../src/models/types.js";
import type { UsageLedger } from "../../../src/models/usage-ledger.js";
import { FewShotOptimizer } from "../../../src/optimizers/few-shot-optimizer.js";
import { InstructionOptimizer } from "../../../src/optimizers/instruction-optimizer.js";
import { TrainablePrompt } from "../../../src/prompts/trainable-prompt.js";
import type { CompletionRequest, FaultPlan, OpenAICompatibleServer } from "../../../src/testing/index.js";
import { classify, isSarcastic } from "./sentiment.js";

/** A fake key: tests check it never reaches a file tunechain writes. */
export const FAKE_KEY = "sk-test-tunechain-fake-key-4242";
export const TASK_MODEL = "task-model";
export const OPTIMIZER_MODEL = "optimizer-model";
export const SEED_INSTRUCTIONS = "Classify the review as positive or negative. Answer with one word.";
const HINTED =
  "Classify the review as positive or negative. Watch for sarcasm: praise wrapped around a complaint is negative. Answer with one word.";
const REWORDED = "Decide whether the review is positive or negative and answer with that single word.";

/** The task model reads the prompt like `classify` does; the optimizer model follows the OPRO meta-prompt. */
export function reply(request: CompletionRequest): string | object {
  return request.model === OPTIMIZER_MODEL ? optimizerReply(request) : taskReply(request);
}

function taskReply(request: CompletionRequest): string {
  const system = request.messages.filter((m) => m.role === "system").map((m) => m.content).join("\n");
  const turns = request.messages.filter((m) => m.role !== "system");
  const demos: { review: string; label: string }[] = [];
  for (let i = 0; i + 1 < turns.length; i += 2) {
    if (turns[i]!.role === "user" && turns[i + 1]!.role === "assistant") {
      demos.push({ review: turns[i]!.content.replace(/^Review:\s*/, ""), label: turns[i + 1]!.content });
    }
  }
  const review = (turns.at(-1)?.content ?? "").replace(/^Review:\s*/, "");
  return classify(review, system, demos);
}

/**
 * Adds the sarcasm hint only when the meta-prompt shows a sarcastic review answered wrongly; otherwise it
 * rewords the instructions (a plausible but useless proposal). Reads the first user message only, so a
 * repair round after a malformed answer gets the same reply.
 */
function optimizerReply(request: CompletionRequest): object {
  const meta = request.messages.find((m) => m.role === "user")?.content ?? "";
  const blocks = meta.split(/\nExample \d+:\n/).slice(1);
  const failedSarcasm = blocks.some((block) => {
    const input = /Input: (.*)/.exec(block)?.[1] ?? "";
    return isSarcastic(input) && /Score: 0\/100/.test(block);
  });
  return { instructions: failedSarcasm ? HINTED : REWORDED };
}

export interface WorldOptions {
  /** A fetch for both models (e.g. a fixture recorder/replayer). */
  fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Per-attempt timeout of both models, for "hang" faults (ms). */
  timeoutMs?: number;
  ledger?: UsageLedger;
  budget?: Budget;
  seed?: number;
}

function chatModel(server: Endpoint, model: string, options: WorldOptions): ChatOpenAI {
  const { timeoutMs, fetch } = options;
  return new ChatOpenAI({
    model,
    apiKey: FAKE_KEY,
    maxRetries: 0,
    temperature: 0,
    configuration: { baseURL: server.url, ...(fetch ? { fetch } : {}) },
    ...(timeoutMs ? { timeout: timeoutMs } : {}),
  });
}

/** Where the models send requests: the loopback server, or any base URL when a fixture fetch answers. */
export type Endpoint = Pick<OpenAICompatibleServer, "url">;

/** prompt → ChatOpenAI (loopback) → string parser, with an instruction and a few-shot optimizer. */
export function buildWorld(server: Endpoint, options: WorldOptions = {}) {
  const prompt = new TrainablePrompt({ name: "sentiment", instructions: SEED_INSTRUCTIONS, messages: "Review: {review}" });
  const chain = prompt.pipe(chatModel(server, TASK_MODEL, options)).pipe(new StringOutputParser());
  const optimizerModel = fromChatModel(chatModel(server, OPTIMIZER_MODEL, options), {
    maxRetries: 8,
    retryDelayMs: 1,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.ledger ? { ledger: options.ledger } : {}),
    ...(options.budget ? { budget: options.budget } : {}),
  });
  const seed = options.seed ?? 3;
  const instructionOptimizer = new InstructionOptimizer({
    name: "opro",
    languageModel: optimizerModel,
    numCandidates: 2,
    seed,
  });
  const fewShotOptimizer = new FewShotOptimizer({ name: "few_shot", maxExamples: 2, numCandidates: 2, seed });
  return { prompt, chain, optimizers: [instructionOptimizer, fewShotOptimizer] };
}

export const FAULTS_20_PERCENT: FaultPlan = {
  random: {
    rate: 0.2,
    seed: 11,
    kinds: [{ kind: "rate-limit", retryAfterSeconds: 0 }, "server-error", "malformed-json", "hang"],
  },
};
