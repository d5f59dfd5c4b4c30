// A training run in its own process, for the exact-resume test: the parent kills it with SIGKILL after some
// batch, then starts it again with --resume. Prints "step N" after each batch (its checkpoint is on disk by
// then) and writes the end state as JSON to --out. With --mode record it talks to a loopback server and
// records a cassette; with --mode replay there is no server: every answer comes from the cassette.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { exactMatch } from "../../../src/rewards/exact-match.js";
import { createFixtureFetch, startOpenAICompatibleServer } from "../../../src/testing/index.js";
import { fit } from "../../../src/training/fit.js";
import { buildWorld, reply } from "./loopback-world.js";
import { sentimentData } from "./sentiment.js";

const { values } = parseArgs({
  options: {
    checkpoint: { type: "string" },
    out: { type: "string" },
    cassette: { type: "string" },
    mode: { type: "string", default: "record" },
    resume: { type: "boolean", default: false },
  },
});

const replaying = values.mode === "replay";
const server = replaying
  ? { url: "http://127.0.0.1:9/v1", close: async () => {} }
  : await startOpenAICompatibleServer({ handler: (request) => reply(request) });
const fetch = createFixtureFetch({ cassette: values.cassette!, mode: replaying ? "replay" : "record" });
try {
  const world = buildWorld(server, { seed: 9, fetch });
  const { trainset, valset } = sentimentData();
  const result = await fit(world.chain, {
    trainset,
    valset,
    reward: exactMatch(),
    optimizers: world.optimizers,
    epochs: 3,
    batchSize: 3,
    concurrency: 3,
    seed: 21,
    progress: false,
    checkpoint: values.checkpoint!,
    resume: values.resume,
    hooks: { onBatchEnd: (entry) => void process.stdout.write(`step ${entry.step}\n`) },
  });
  const optimizerStates = Object.fromEntries(
    world.optimizers.map((optimizer) => {
      const store: Record<string, unknown> = {};
      optimizer.saveOwnVariables(store);
      return [optimizer.name, store];
    }),
  );
  await writeFile(
    values.out!,
    JSON.stringify({ status: result.status, variables: result.best.values, history: result.history, optimizerStates, cache: result.cache }),
  );
} finally {
  await server.close();
}
