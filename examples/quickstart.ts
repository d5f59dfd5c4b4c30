/**
 * Quickstart: tune the instructions of a sentiment classifier so it stops falling for sarcasm.
 *
 *   npm run example                      # no key: a scripted stand-in model on a local server
 *   OPENAI_API_KEY=sk-… npm run example  # a real model (OPENAI_BASE_URL / TUNECHAIN_MODEL to change it)
 *
 * The chain is plain LangChain: a TrainablePrompt piped into a chat model and a string parser. fit() runs it
 * on the training reviews, scores the answers with exactMatch, and lets an InstructionOptimizer (OPRO)
 * rewrite the system instructions; the best version on the validation reviews is kept and saved.
 */
import { StringOutputParser } from "@langchain/core/output_parsers";
import { join } from "node:path";
import {
  evaluate,
  exactMatch,
  fit,
  InstructionOptimizer,
  saveVariables,
  TrainablePrompt,
  UsageLedger,
  writeReport,
} from "../src/index.js";
import { openModelSource } from "./_shared/model-source.js";
import { TRAINSET, VALSET } from "./_shared/sentiment-data.js";
import { sentimentStandIn } from "./_shared/sentiment-stand-in.js";

const OUT_DIR = join(".tunechain", "examples", "quickstart");

const models = await openModelSource({
  standIn: sentimentStandIn,
  standInDescription:
    "labels reviews by keywords and misses sarcasm unless its instructions mention it; as the optimizer, " +
    "it suggests a sarcasm hint once it is shown a sarcastic review.",
});

try {
  // One ledger for every model call, so the run record can show usage per role.
  const usage = new UsageLedger();
  const prompt = new TrainablePrompt({
    name: "sentiment",
    instructions: "Classify the sentiment of the product review as positive or negative.",
    messages: "Review: {review}",
  });
  const program = prompt.pipe(models.chatModel()).pipe(new StringOutputParser());
  const reward = exactMatch();

  const before = await evaluate(program, { dataset: VALSET, reward, concurrency: 8 });
  console.log(`\nValidation accuracy of the seed prompt: ${before.mean.toFixed(3)}`);

  const optimizer = new InstructionOptimizer({
    languageModel: models.languageModel({ role: "optimizer", ledger: usage }),
    numCandidates: 4,
    seed: 1,
  });
  const result = await fit(program, {
    trainset: TRAINSET,
    valset: VALSET,
    reward,
    optimizers: [optimizer],
    epochs: 2,
    batchSize: 6,
    concurrency: 8,
    seed: 1,
    usage, // fit books the chain's own model calls (role "task") here too
  });

  console.log(`Run ${result.status}: validation ${result.record.initialValScore?.toFixed(3)} → ${result.record.finalValScore?.toFixed(3)}`);
  console.log(`Tuned instructions:\n  ${prompt.variable.json().instructions}`);
  const artifact = join(OUT_DIR, "tuned.json");
  const report = join(OUT_DIR, "report.html");
  await saveVariables(program, artifact, { score: result.best.valScore, optimizers: [optimizer] });
  await writeReport(result.record, report);
  console.log(`Saved the tuned prompt to ${artifact} and the report to ${report}.`);
  if (!models.live) console.log("(Scores above come from the scripted stand-in, not from a language model.)");
} finally {
  await models.close();
}
