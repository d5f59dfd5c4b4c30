// Bench part 2: does fit keep the task model busy? fit over 100 examples with an InstructionOptimizer
// proposing 8 candidates per step, each scored on the batch, against a loopback OpenAI-compatible server at
// 50 ms latency, concurrency 16. Also counts the evaluations the cache saved. Two comparison runs replace the
// chat model by the bare openai client and by a plain node:http POST, to show which layer costs the time.
//
// The server runs in a child process (this same file, started with SERVER_ROLE set), so the client being
// measured does not share its event loop and CPU with the server.
import { fork, type ChildProcess } from "node:child_process";
import { Agent, request as httpRequest } from "node:http";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { StringOutputParser } from "@langchain/core/output_parsers";
import type { ChatPromptValueInterface } from "@langchain/core/prompt_values";
import { RunnableLambda, type Runnable } from "@langchain/core/runnables";
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
const BENCH_KEY = "sk-test-bench-000000";

interface ServerStats {
  type: "stats";
  taskCalls: number;
  optimizerCalls: number;
  maxInFlight: number;
  meanInFlight: number;
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
      // Time-weighted mean of requests in flight over the span of the run, as the server saw it.
      const busy = server.requests.reduce((sum, r) => sum + ((r.finishedAt ?? r.receivedAt) - r.receivedAt), 0);
      const first = Math.min(...server.requests.map((r) => r.receivedAt));
      const last = Math.max(...server.requests.map((r) => r.finishedAt ?? r.receivedAt));
      const stats: ServerStats = {
        type: "stats",
        taskCalls,
        optimizerCalls: server.requests.length - taskCalls,
        maxInFlight: server.maxInFlight,
        meanInFlight: busy / (last - first),
      };
      process.send?.(stats);
    } else if (message.type === "reset") {
      server.resetStats();
      process.send?.({ type: "reset" });
    } else {
      await server.close();
      process.exit(0);
    }
  });
}

function hasResponseFormat(body: unknown): boolean {
  return typeof body === "object" && body !== null && "response_format" in body;
}

function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
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

/** One fit run over the bench data with `program` as the task; the server's counters start from zero. */
async function measure(label: string, program: Runnable, child: ChildProcess, url: string): Promise<Row> {
  child.send({ type: "reset" });
  await nextMessage(child, "reset");
  const trainset: Example[] = Array.from({ length: EXAMPLES }, (_, i) => ({
    id: `n${i}`,
    input: { number: String(i) },
    expected: i % 2 === 0 ? "even" : "odd",
  }));
  // Its concurrency equals the proposals per step, so a step's proposals take one latency.
  const optimizerModel = fromOpenAI(new OpenAI({ apiKey: BENCH_KEY, baseURL: url, maxRetries: 0 }), {
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
  const { taskCalls, optimizerCalls, maxInFlight, meanInFlight } = await nextMessage<ServerStats>(child, "stats");
  const steps = result.history.length;
  // Ideal: every task call packed CONCURRENCY wide with no gap, plus one latency per step for its proposals
  // (sent at once; they must arrive before they can be scored).
  const ideal = Math.ceil(taskCalls / CONCURRENCY) * LATENCY_MS + steps * LATENCY_MS;
  return {
    label,
    wall,
    ideal,
    taskCalls,
    optimizerCalls,
    steps,
    maxInFlight,
    meanInFlight,
    cpuMs,
    cacheHits: result.cache.hits,
    cacheMisses: result.cache.misses,
  };
}

interface Row {
  label: string;
  wall: number;
  ideal: number;
  taskCalls: number;
  optimizerCalls: number;
  steps: number;
  maxInFlight: number;
  meanInFlight: number;
  cpuMs: number;
  cacheHits: number;
  cacheMisses: number;
}

export async function run(): Promise<boolean> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, [SERVER_ROLE]: "1" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { url } = await nextMessage<{ url: string }>(child, "ready");
  try {
    const prompt = () => new TrainablePrompt({ name: "parity", instructions: "Answer even or odd.", messages: "{number}" });
    const chat = new ChatOpenAI({ model: "bench-task", apiKey: BENCH_KEY, maxRetries: 0, configuration: { baseURL: url } });
    // The target applies to the usual LangChain chain.
    const main = await measure(
      "prompt → ChatOpenAI → parser",
      prompt().pipe(chat).pipe(new StringOutputParser()),
      child,
      url,
    );
    // For comparison, the same task answered by the bare openai client: what the LangChain model adds.
    const client = new OpenAI({ apiKey: BENCH_KEY, baseURL: url, maxRetries: 0 });
    const bare = RunnableLambda.from(async (value: ChatPromptValueInterface) => {
      const completion = await client.chat.completions.create({
        model: "bench-task",
        messages: value.toChatMessages().map((m) => ({
          role: m.getType() === "system" ? ("system" as const) : m.getType() === "ai" ? ("assistant" as const) : ("user" as const),
          content: String(m.content),
        })),
      });
      return completion.choices[0]?.message.content ?? "";
    });
    const comparison = await measure("prompt → openai client (RunnableLambda)", prompt().pipe(bare), child, url);
    // And by a plain node:http keep-alive POST: what fit, the prompt and the evaluator cost without any
    // model client — the floor our own per-call path sets.
    const agent = new Agent({ keepAlive: true });
    const endpoint = new URL(`${url.replace(/\/$/, "")}/chat/completions`);
    const post = (body: string) =>
      new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          endpoint,
          { method: "POST", agent, headers: { "content-type": "application/json", authorization: `Bearer ${BENCH_KEY}` } },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (text += chunk));
            res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`))));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const raw = RunnableLambda.from(async (value: ChatPromptValueInterface) => {
      const text = await post(
        JSON.stringify({
          model: "bench-task",
          messages: value.toChatMessages().map((m) => ({ role: m.getType() === "system" ? "system" : "user", content: String(m.content) })),
        }),
      );
      return (JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? "";
    });
    const floor = await measure("prompt → node:http POST (RunnableLambda)", prompt().pipe(raw), child, url);
    agent.destroy();

    console.table(
      [main, comparison, floor].map((row) => ({
        program: row.label,
        "wall ms": Math.round(row.wall),
        "ideal ms": row.ideal,
        "wall/ideal": Number((row.wall / row.ideal).toFixed(3)),
        "task calls": row.taskCalls,
        "optimizer calls": row.optimizerCalls,
        steps: row.steps,
        "in flight max": row.maxInFlight,
        "in flight mean": Number(row.meanInFlight.toFixed(1)),
        "client CPU ms/call": Number((row.cpuMs / (row.taskCalls + row.optimizerCalls)).toFixed(2)),
        "client CPU busy": `${((row.cpuMs / row.wall) * 100).toFixed(0)}%`,
      })),
    );
    // When the client's own CPU time approaches the wall time, the run is CPU-bound, not latency-bound:
    // more concurrency cannot help, and other processes on the machine slow it down directly.
    console.log(`Load average while measuring: ${loadavg()[0]?.toFixed(2)} on ${availableParallelism()} cores.`);
    console.log(
      `Evaluation cache (first program): ${main.cacheHits} of ${main.cacheHits + main.cacheMisses} (candidate, ` +
        `example) evaluations served from the cache — ${main.cacheHits} task-model calls saved, ${main.cacheMisses} paid.`,
    );
    return main.wall / main.ideal <= 1.1;
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.send({ type: "close" });
    await exited;
  }
}
