// Bench part 2: does fit keep the task model busy? fit over 100 examples with an InstructionOptimizer
// proposing 8 candidates per step, each scored on the batch, against a loopback OpenAI-compatible server at
// 50 ms latency, concurrency 16. Also counts the evaluations the cache saved.
//
// The server runs in a child process (this same file, started with SERVER_ROLE set), so the client being
// measured does not share its event loop and CPU with the server.
import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatOpenAI } from "@langchain/openai";
import OpenAI from "openai";
import { exactMatch, fit, fromOpenAI, InstructionOptimizer, TrainablePrompt, type Example } from "../../src/index.js";
import { startOpenAICompatibleServer } from "../../src/testing/index.js";

export const title = "fit throughput: 100 examples × 8 candidates, 50 ms latency, concurrency 16";

const EXAMPLES = 100;
const CANDIDATES = 8;
const LATENCY_MS = 50;
const CONCURRENCY = 16;
const EPOCHS = 2;
const SERVER_ROLE = "TUNECHAIN_BENCH_FIT_SERVER";

interface ServerStats {
  type: "stats";
  taskCalls: number;
  optimizerCalls: number;
  maxInFlight: number;
}

if (process.env[SERVER_ROLE] === "1") await serve();

/** Child process: the scripted server, answering stats and close requests over IPC. */
async function serve(): Promise<void> {
  let proposals = 0;
  const server = await startOpenAICompatibleServer({
    latencyMs: LATENCY_MS,
    handler: (request) =>
      request.responseFormat === undefined
        ? "even" // half right, so there is always something to improve
        : // Every proposal differs, so no candidate is deduplicated away and all 8 are scored.
          { instructions: `Say whether the number is even or odd (version ${++proposals}).` },
  });
  process.send?.({ type: "ready", url: server.url });
  process.on("message", async (message: { type: string }) => {
    if (message.type === "stats") {
      const taskCalls = server.requests.filter((r) => !hasResponseFormat(r.body)).length;
      const stats: ServerStats = {
        type: "stats",
        taskCalls,
        optimizerCalls: server.requests.length - taskCalls,
        maxInFlight: server.maxInFlight,
      };
      process.send?.(stats);
    } else {
      await server.close();
      process.exit(0);
    }
  });
}

function hasResponseFormat(body: unknown): boolean {
  return typeof body === "object" && body !== null && "response_format" in body;
}

function nextMessage<T>(child: ReturnType<typeof fork>, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      child.off("message", onMessage);
      resolve(message as T);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`bench server exited (${code}) before '${type}'`)));
  });
}

export async function run(): Promise<boolean> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, [SERVER_ROLE]: "1" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { url } = await nextMessage<{ url: string }>(child, "ready");
  const server = { url };
  try {
    const trainset: Example[] = Array.from({ length: EXAMPLES }, (_, i) => ({
      id: `n${i}`,
      input: { number: String(i) },
      expected: i % 2 === 0 ? "even" : "odd",
    }));
    const prompt = new TrainablePrompt({ name: "parity", instructions: "Answer even or odd.", messages: "{number}" });
    const chat = new ChatOpenAI({
      model: "bench-task",
      apiKey: "sk-test-bench-000000",
      maxRetries: 0,
      configuration: { baseURL: server.url },
    });
    const program = prompt.pipe(chat).pipe(new StringOutputParser());
    const optimizerModel = fromOpenAI(new OpenAI({ apiKey: "sk-test-bench-000000", baseURL: server.url, maxRetries: 0 }), {
      model: "bench-optimizer",
      concurrency: CANDIDATES,
    });
    const optimizer = new InstructionOptimizer({ languageModel: optimizerModel, numCandidates: CANDIDATES, seed: 1 });

    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const result = await fit(program, {
      trainset,
      reward: exactMatch(),
      optimizers: [optimizer],
      epochs: EPOCHS,
      batchSize: EXAMPLES,
      concurrency: CONCURRENCY,
      seed: 1,
      progress: false,
    });
    const wall = performance.now() - start;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;

    child.send({ type: "stats" });
    const { taskCalls, optimizerCalls, maxInFlight } = await nextMessage<ServerStats>(child, "stats");
    const steps = result.history.length;
    // Ideal: every task call packed CONCURRENCY wide with no gap, plus one latency per optimizer step for its
    // proposals (they are sent at once and must arrive before they can be scored).
    const ideal = Math.ceil(taskCalls / CONCURRENCY) * LATENCY_MS + steps * Math.ceil(CANDIDATES / CANDIDATES) * LATENCY_MS;
    const ratio = wall / ideal;
    const { hits, misses } = result.cache;

    console.table([
      {
        "wall ms": Math.round(wall),
        "ideal ms": ideal,
        "wall/ideal": Number(ratio.toFixed(3)),
        "task calls": taskCalls,
        "optimizer calls": optimizerCalls,
        steps,
        "server max in flight": maxInFlight,
        "client CPU ms": Math.round(cpuMs),
        "client CPU ms/call": Number((cpuMs / (taskCalls + optimizerCalls)).toFixed(2)),
      },
    ]);
    // When the client's own CPU time approaches the wall time, the run is CPU-bound, not latency-bound:
    // more concurrency cannot help, and other processes on the machine slow it down directly.
    console.log(`Client CPU busy ${((cpuMs / wall) * 100).toFixed(0)}% of the wall time (load average ${loadavg()[0]?.toFixed(2)}).`);
    console.log(
      `Evaluation cache: ${hits} of ${hits + misses} (candidate, example) evaluations served from the cache ` +
        `(${hits} task-model calls saved; ${misses} paid).`,
    );
    return ratio <= 1.1;
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.send({ type: "close" });
    await exited;
  }
}
