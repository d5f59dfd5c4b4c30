/**
 * Recorded fixtures: run a tuning job once against a model and record every HTTP exchange in a cassette;
 * afterwards (in CI, on a laptop without a key) replay it — no network, same answers, same tuned prompt.
 *
 *   npx tsx examples/fixtures-in-tests.ts          # records from the scripted stand-in, then replays
 *   OPENAI_API_KEY=sk-… npx tsx examples/fixtures-in-tests.ts   # records from the real API, then replays
 *
 * In your own tests (vitest, node:test…) the pattern is one line per client:
 *
 *   const fetch = createFixtureFetch({ cassette: "test/fixtures/sentiment.json" });
 *   const chat = new ChatOpenAI({ model, maxRetries: 0, configuration: { fetch } });
 *   const optimizerModel = fromOpenAI(new OpenAI({ fetch, maxRetries: 0 }), { model });
 *
 * With no `mode`, it records when the cassette is missing and replays when it exists (always replays when
 * $CI is set; TUNECHAIN_FIXTURES=record|replay|auto forces a mode). A replay miss throws FixtureMissError
 * naming the cassette and how to re-record. API keys never reach the cassette. Commit the cassette.
 */
import { StringOutputParser } from "@langchain/core/output_parsers";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { exactMatch, fit, InstructionOptimizer, TrainablePrompt, type FitResult } from "../src/index.js";
import { createFixtureFetch, type FixtureFetch } from "../src/testing/index.js";
import { openModelSource, type ModelSource } from "./_shared/model-source.js";
import { TRAINSET, VALSET } from "./_shared/sentiment-data.js";
import { sentimentStandIn } from "./_shared/sentiment-stand-in.js";

const CASSETTE = join(".tunechain", "examples", "fixtures", "sentiment.cassette.json");

/** The job under test: a short quickstart tuning run whose every model call goes through `fetch`. */
async function tuneSentiment(models: ModelSource, fetch: FixtureFetch): Promise<{ result: FitResult; instructions: string }> {
  const prompt = new TrainablePrompt({
    name: "sentiment",
    instructions: "Classify the sentiment of the product review as positive or negative.",
    messages: "Review: {review}",
  });
  const program = prompt.pipe(models.chatModel({ fetch })).pipe(new StringOutputParser());
  const optimizer = new InstructionOptimizer({ languageModel: models.languageModel({ fetch }), numCandidates: 2, seed: 1 });
  const result = await fit(program, {
    trainset: TRAINSET,
    valset: VALSET,
    reward: exactMatch(),
    optimizers: [optimizer],
    epochs: 1,
    batchSize: 6,
    // One example at a time keeps the order of identical requests the same in every run.
    concurrency: 1,
    seed: 1,
    progress: false,
  });
  return { result, instructions: prompt.variable.json().instructions };
}

await rm(CASSETTE, { force: true });

// 1. Record: real HTTP to the model (or to the stand-in server), every exchange written to the cassette.
const live = await openModelSource({
  standIn: sentimentStandIn,
  standInDescription: "the quickstart's keyword classifier (see examples/_shared/sentiment-stand-in.ts).",
});
let recorded;
try {
  const recorder = createFixtureFetch({ cassette: CASSETTE, mode: "record" });
  recorded = await tuneSentiment(live, recorder);
  console.log(`\nRecorded ${recorder.stats.recorded} exchanges to ${CASSETTE}.`);
} finally {
  // The stand-in server is gone from here on: the replay cannot reach any model.
  await live.close();
}

// 2. Replay: every answer comes from the cassette. Offline, the stand-in server is already closed, so a
// request that slipped through to the network would fail the run; live, replay mode never calls the API.
const player = createFixtureFetch({ cassette: CASSETTE, mode: "replay" });
const replayed = await tuneSentiment(live, player);
console.log(`Replayed ${player.stats.replayed} exchanges (${player.stats.recorded} from the network).`);

const same =
  replayed.instructions === recorded.instructions &&
  JSON.stringify(replayed.result.history) === JSON.stringify(recorded.result.history);
console.log(`Tuned instructions: ${replayed.instructions}`);
console.log(same ? "Replay reproduced the recorded run exactly (history and tuned prompt)." : "Replay DIFFERED from the recording.");
if (!live.live) console.log("(The recording came from the scripted stand-in, not from a language model.)");
process.exitCode = same ? 0 : 1;
