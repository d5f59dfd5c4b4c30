import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REVIEWS } from "../../examples/_shared/sentiment-data.js";

const ROOT = join(import.meta.dirname, "..", "..");
// Inside the package (type: module), so tsx loads the temp configs as ESM; test/.tmp is gitignored.
const TMP = join(ROOT, "test", ".tmp");

export interface Project {
  dir: string;
  config: string;
}

/**
 * Writes a small tuning project to a fresh folder: train/val JSONL files of the sentiment reviews and a
 * config whose task model is a LangChain RunnableLambda playing the examples' scripted stand-in, with a
 * scripted optimizer model. Everything runs offline and deterministically inside the CLI's process.
 *
 * With PAUSE_WHEN_EXISTS=<file> in the environment, the task model blocks (until the run is aborted) once
 * that file exists, after writing <file>.paused: a test can interrupt a run at a known point.
 */
export async function writeSentimentProject(options: { configBody?: string } = {}): Promise<Project> {
  await mkdir(TMP, { recursive: true });
  const dir = await mkdtemp(join(TMP, "cli-"));
  const lines = (rows: typeof REVIEWS) =>
    rows.map((r, i) => JSON.stringify({ id: `r${i}`, input: { review: r.review }, expected: r.label })).join("\n") + "\n";
  await writeFile(join(dir, "train.jsonl"), lines(REVIEWS.filter((_, i) => i % 2 === 0)));
  await writeFile(join(dir, "val.jsonl"), lines(REVIEWS.filter((_, i) => i % 2 === 1)));
  const config = join(dir, "tune.config.ts");
  await writeFile(config, options.configBody ?? sentimentConfig());
  return { dir, config };
}

export function sentimentConfig(): string {
  return `import { existsSync, writeFileSync } from "node:fs";
import { RunnableLambda } from "@langchain/core/runnables";
import type { ChatPromptValueInterface } from "@langchain/core/prompt_values";
import { exactMatch, InstructionOptimizer, TrainablePrompt } from ${JSON.stringify(join(ROOT, "src", "index.ts"))};
import { ScriptedLanguageModel } from ${JSON.stringify(join(ROOT, "src", "testing", "index.ts"))};
import { labelReview, proposeInstructions } from ${JSON.stringify(join(ROOT, "examples", "_shared", "sentiment-stand-in.ts"))};

const prompt = new TrainablePrompt({
  name: "sentiment",
  instructions: "Classify the sentiment of the product review as positive or negative.",
  messages: "Review: {review}",
});

const pauseFile = process.env.PAUSE_WHEN_EXISTS;
const taskModel = RunnableLambda.from(async (value: ChatPromptValueInterface) => {
  if (pauseFile && existsSync(pauseFile)) {
    writeFileSync(pauseFile + ".paused", "");
    // Like a slow model call: a pending timer keeps the process alive until the run's signal aborts the call.
    await new Promise((resolve) => setTimeout(resolve, 120_000));
  }
  const messages = value.toChatMessages().map((m) => ({
    role: m.getType() === "system" ? "system" : m.getType() === "ai" ? "assistant" : "user",
    content: String(m.content),
  }));
  return labelReview(messages);
});

export const program = prompt.pipe(taskModel);
export const trainset = "train.jsonl";
export const valset = "val.jsonl";
export const reward = exactMatch();
export const optimizers = [
  new InstructionOptimizer({
    languageModel: new ScriptedLanguageModel({ respond: (messages) => proposeInstructions(messages) }),
    numCandidates: 2,
    seed: 3,
  }),
];
export const fit = { epochs: 2, batchSize: 4, concurrency: 4 };
`;
}
