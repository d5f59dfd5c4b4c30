// Bench part: does fit stay bounded as predictions pile up, and as inputs grow? 10,000 scored predictions
// (1,000 examples × 10 epochs) through fit with an InstructionOptimizer and a FewShotOptimizer, checkpointing
// after every batch: the checkpoint's size and the heap (after a forced GC) at every epoch end must level off.
// Then the same fit with 1 KB and with 20 KB of text in every input: the checkpoint must weigh the same
// (within 10%), since it keeps example ids, clipped traces and byte-capped memories, never whole inputs.
import { stat } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { SimpleChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { exactMatch, fit, FewShotOptimizer, InstructionOptimizer, TrainablePrompt, type Example } from "../../src/index.js";
import { ScriptedLanguageModel } from "../../src/testing/index.js";

export const title = "fit memory: 10,000 scored predictions, checkpoint every batch — checkpoint size and heap stay bounded";

const EXAMPLES = 1_000;
const EPOCHS = 10;
const BATCH = 50;

/** Answers "even" unless the system prompt mentions parity, then it answers right: something to learn. */
class ParityModel extends SimpleChatModel {
  _llmType(): string {
    return "bench-parity";
  }
  async _call(messages: BaseMessage[]): Promise<string> {
    const system = String(messages[0]?.content ?? "");
    const n = Number(String(messages.at(-1)?.content ?? "0").split("\n")[0]);
    return /parity/.test(system) && n % 2 === 1 ? "odd" : "even";
  }
}

function optimizersFor(): [InstructionOptimizer, FewShotOptimizer] {
  let version = 0;
  const proposer = new ScriptedLanguageModel({
    respond: () => ({ instructions: `Answer even or odd by the number's parity (v${++version}).` }),
  });
  return [
    new InstructionOptimizer({ languageModel: proposer, numCandidates: 2, seed: 1 }),
    new FewShotOptimizer({ numCandidates: 2, maxExamples: 3, seed: 1 }),
  ];
}

/** The largest checkpoint a fit over `examples` inputs carrying `noteBytes` of text writes, in KB. */
async function checkpointWithInputsOf(noteBytes: number, examples: number, epochs: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "tunechain-bench-inputs-"));
  const checkpoint = join(dir, "run.ckpt.json");
  try {
    const note = "lorem ipsum ".repeat(Math.ceil(noteBytes / 12)).slice(0, noteBytes);
    const trainset: Example[] = Array.from({ length: examples }, (_, i) => ({
      id: `n${i}`,
      input: { number: String(i), note: `${i} ${note}` },
      expected: i % 2 === 0 ? "even" : "odd",
    }));
    const prompt = new TrainablePrompt({ name: "parity", instructions: "Answer even or odd.", messages: "{number}\n{note}" });
    const program = prompt.pipe(new ParityModel({})).pipe(new StringOutputParser());
    let largest = 0;
    await fit(program, {
      trainset,
      reward: exactMatch(),
      optimizers: optimizersFor(),
      epochs,
      batchSize: BATCH,
      concurrency: 8,
      seed: 1,
      progress: false,
      checkpoint,
      hooks: {
        async onBatchEnd() {
          largest = Math.max(largest, (await stat(checkpoint)).size);
        },
      },
    });
    return Number((largest / 1024).toFixed(1));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

export async function run(): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), "tunechain-bench-memory-"));
  const checkpoint = join(dir, "run.ckpt.json");
  try {
    const trainset: Example[] = Array.from({ length: EXAMPLES }, (_, i) => ({
      id: `n${i}`,
      input: { number: String(i) },
      expected: i % 2 === 0 ? "even" : "odd",
    }));
    const prompt = new TrainablePrompt({ name: "parity", instructions: "Answer even or odd.", messages: "{number}" });
    const program = prompt.pipe(new ParityModel({})).pipe(new StringOutputParser());
    const optimizers = optimizersFor();

    const rows: { epoch: number; predictions: number; "checkpoint KB": number; "heap MB": number }[] = [];
    collectGarbage();
    const heapStart = process.memoryUsage().heapUsed;
    const start = performance.now();
    const result = await fit(program, {
      trainset,
      reward: exactMatch(),
      optimizers,
      epochs: EPOCHS,
      batchSize: BATCH,
      concurrency: 8,
      seed: 1,
      progress: false,
      checkpoint,
      hooks: {
        async onEpochEnd({ epoch }) {
          collectGarbage();
          rows.push({
            epoch: epoch + 1,
            predictions: (epoch + 1) * EXAMPLES,
            "checkpoint KB": Number(((await stat(checkpoint)).size / 1024).toFixed(1)),
            "heap MB": Number(((process.memoryUsage().heapUsed - heapStart) / 2 ** 20).toFixed(1)),
          });
        },
      },
    });
    const wall = performance.now() - start;
    console.table(rows);
    const early = rows[1]!;
    const last = rows.at(-1)!;
    const checkpointGrowth = last["checkpoint KB"] / early["checkpoint KB"];
    const heapGrowth = last["heap MB"] - early["heap MB"];
    console.log(
      `${result.history.length} steps in ${(wall / 1000).toFixed(1)} s; evaluation cache ${result.cache.hits} hits / ` +
        `${result.cache.misses} misses (${result.cache.size} entries kept). Checkpoint ×${checkpointGrowth.toFixed(2)} ` +
        `and heap ${heapGrowth >= 0 ? "+" : ""}${heapGrowth.toFixed(1)} MB from 2,000 to 10,000 predictions.`,
    );
    // The weight of the inputs: 1 KB against 20 KB of text in every input, 1,000 examples × 2 epochs.
    const light = await checkpointWithInputsOf(1024, EXAMPLES, 2);
    const heavy = await checkpointWithInputsOf(20 * 1024, EXAMPLES, 2);
    const inputRatio = heavy / light;
    console.table([
      { "input text": "1 KB", "largest checkpoint KB": light },
      { "input text": "20 KB", "largest checkpoint KB": heavy },
    ]);
    console.log(`Checkpoint with 20 KB inputs ÷ with 1 KB inputs: ${inputRatio.toFixed(3)} (target ≤ 1.10).`);
    // Targets: 5× the predictions may grow the checkpoint (history lines) by at most 1.5× and the heap by 32 MB;
    // 20× heavier inputs may grow the checkpoint by at most 10%.
    return checkpointGrowth <= 1.5 && heapGrowth <= 32 && inputRatio <= 1.1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
