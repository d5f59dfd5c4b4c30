/**
 * A config for the `tunechain` CLI: the quickstart's sentiment chain, data from JSONL files.
 *
 *   npm run tunechain -- tune examples/tune.config.ts --out .tunechain/cli/tuned.json
 *   npm run tunechain -- eval examples/tune.config.ts --load .tunechain/cli/tuned.json
 *   npm run tunechain -- report .tunechain/cli/tuned.run.json
 *
 * (Installed as a package, the command is `npx tunechain …`.) A config exports `program`, `reward`,
 * `optimizers` and data, as named exports or — as here — from a default function, which may start things
 * first: without OPENAI_API_KEY it starts the scripted stand-in server, like the examples.
 */
import { StringOutputParser } from "@langchain/core/output_parsers";
import { exactMatch, InstructionOptimizer, TrainablePrompt, UsageLedger, type Budget } from "../src/index.js";
import { openModelSource } from "./_shared/model-source.js";
import { sentimentStandIn } from "./_shared/sentiment-stand-in.js";

// The CLI calls a default function with the command and the budget of --budget-calls/-tokens/-usd.
export default async function config({ budget }: { budget?: Budget }) {
  const models = await openModelSource({
    standIn: sentimentStandIn,
    standInDescription: "the quickstart's keyword classifier that misses sarcasm until its instructions mention it.",
    // Notices go to stderr so the CLI's stdout stays its own.
    print: (line) => console.error(line),
  });
  // The optimizer model books into this ledger; exported as `usage`, it is what budgets and the report count.
  const usage = new UsageLedger();
  const prompt = new TrainablePrompt({
    name: "sentiment",
    instructions: "Classify the sentiment of the product review as positive or negative.",
    messages: "Review: {review}",
  });
  return {
    program: prompt.pipe(models.chatModel()).pipe(new StringOutputParser()),
    trainset: "data/sentiment-train.jsonl", // paths are relative to this file
    valset: "data/sentiment-val.jsonl",
    reward: exactMatch(),
    optimizers: [
      new InstructionOptimizer({
        // Given the ledger and the budget, the optimizer's model refuses calls past the budget too.
        languageModel: models.languageModel({ ledger: usage, ...(budget ? { budget } : {}) }),
        numCandidates: 4,
      }),
    ],
    usage,
    fit: { epochs: 2, batchSize: 6, concurrency: 8 },
  };
}
