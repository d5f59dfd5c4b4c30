import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { CheckpointError } from "../../src/training/errors.js";
import { fit, type FitOptions } from "../../src/training/fit.js";
import { HintOptimizer } from "./support/hint-optimizer.js";
import { FAKE_KEY } from "./support/loopback-world.js";
import { SentimentChatModel, sentimentData } from "./support/sentiment.js";
import { UsageLedger } from "../../src/models/usage-ledger.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import { StringOutputParser } from "@langchain/core/output_parsers";

const CHILD = fileURLToPath(new URL("./support/resume-child.ts", import.meta.url));
const TOTAL_STEPS = 12; // 12 training examples, batches of 3, 3 epochs

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tunechain-resume-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function startChild(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

function finished(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })));
}

describe("exact resume", () => {
  it("a run killed with SIGKILL at a random batch and resumed from replayed fixtures ends exactly like an uninterrupted run", async () => {
    const cassette = join(dir, "cassette.json");
    const a = startChild(["--checkpoint", join(dir, "a.ckpt"), "--out", join(dir, "a.json"), "--cassette", cassette]);
    const aExit = await finished(a);
    expect(aExit, aExit.stderr).toMatchObject({ code: 0 });

    const killAfter = 1 + Math.floor(Math.random() * (TOTAL_STEPS - 2));
    const replay = ["--cassette", cassette, "--mode", "replay"];
    const b = startChild(["--checkpoint", join(dir, "b.ckpt"), "--out", join(dir, "b.json"), ...replay]);
    const bExit = finished(b);
    let output = "";
    b.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`step ${killAfter}\n`) && b.exitCode === null) b.kill("SIGKILL");
    });
    const killed = await bExit;
    expect(killed.signal, `kill after step ${killAfter}: ${killed.stderr}`).toBe("SIGKILL");
    expect(existsSync(join(dir, "b.json"))).toBe(false);
    const checkpoint = JSON.parse(await readFile(join(dir, "b.ckpt"), "utf8")) as { position: { step: number } };
    expect(checkpoint.position.step).toBeGreaterThanOrEqual(killAfter);
    expect(checkpoint.position.step).toBeLessThan(TOTAL_STEPS);

    const resumed = startChild(["--checkpoint", join(dir, "b.ckpt"), "--out", join(dir, "b.json"), "--resume", ...replay]);
    let resumedOutput = "";
    resumed.stdout!.on("data", (chunk: Buffer) => (resumedOutput += chunk.toString()));
    const resumedExit = await finished(resumed);
    expect(resumedExit, resumedExit.stderr).toMatchObject({ code: 0 });
    // The resumed process ran only the batches after the checkpoint.
    expect(resumedOutput.trim().split("\n")[0]).toBe(`step ${checkpoint.position.step + 1}`);

    const runA = JSON.parse(await readFile(join(dir, "a.json"), "utf8"));
    const runB = JSON.parse(await readFile(join(dir, "b.json"), "utf8"));
    expect(runA.history).toHaveLength(TOTAL_STEPS);
    expect(runB.history, `killed after step ${killAfter}`).toEqual(runA.history);
    expect(runB.variables, `killed after step ${killAfter}`).toEqual(runA.variables);
    expect(runB.optimizerStates).toEqual(runA.optimizerStates);
    expect(runB.status).toBe(runA.status);
    // The checkpoint carries the evaluation cache: counted across the kill, B paid for exactly what A paid for.
    expect(runB.cache, `killed after step ${killAfter}`).toEqual(runA.cache);
    // Neither the cassette nor the checkpoints hold the API key the models were given.
    for (const file of [cassette, join(dir, "a.ckpt"), join(dir, "b.ckpt")]) {
      const text = await readFile(file, "utf8");
      expect(text.length).toBeGreaterThan(1000);
      expect(text).not.toContain(FAKE_KEY);
    }
  }, 60_000);
});

describe("checkpoint errors", () => {
  function options(checkpoint: string, extra: Partial<FitOptions> = {}): FitOptions {
    const { trainset, valset } = sentimentData();
    return {
      trainset,
      valset,
      reward: exactMatch(),
      optimizers: new HintOptimizer({ name: "hint" }),
      batchSize: 4,
      progress: false,
      checkpoint,
      ...extra,
    };
  }
  function chain(name = "sentiment") {
    const prompt = new TrainablePrompt({ name, instructions: "Classify the review.", messages: "Review: {review}" });
    return { prompt, chain: prompt.pipe(new SentimentChatModel({})).pipe(new StringOutputParser()) };
  }

  it("a corrupt checkpoint is an error, never a silent restart", async () => {
    const path = join(dir, "bad.ckpt");
    await writeFile(path, '{"format":"tunechain-checkpoint", "version": 1, "posi');
    const { chain: program, prompt } = chain();
    const run = fit(program, options(path, { resume: true }));
    await expect(run).rejects.toThrow(CheckpointError);
    await expect(fit(program, options(path, { resume: true }))).rejects.toThrow(
      /The checkpoint .*bad\.ckpt is corrupt \(not valid JSON.*Nothing was resumed/,
    );
    expect(prompt.variable.get("instructions")).toBe("Classify the review.");
  });

  it("a checkpoint whose evaluation cache was tampered with is refused, nothing restored", async () => {
    const path = join(dir, "cache.ckpt");
    await fit(chain().chain, options(path, { epochs: 1 }));
    const saved = JSON.parse(await readFile(path, "utf8"));
    expect(saved.cache.entries.length).toBeGreaterThan(0);
    saved.cache.entries[0][1] = { score: "high" };
    await writeFile(path, JSON.stringify(saved));
    const fresh = chain();
    await expect(fit(fresh.chain, options(path, { resume: true }))).rejects.toThrow(
      /is not a tunechain checkpoint this version can resume \(bad evaluation cache\)/,
    );
    expect(fresh.prompt.variable.get("instructions")).toBe("Classify the review.");
  });

  it("a checkpoint whose usage ledger was tampered with is refused before anything is restored", async () => {
    const path = join(dir, "usage.ckpt");
    await fit(chain().chain, options(path, { epochs: 1, usage: new UsageLedger() }));
    const saved = JSON.parse(await readFile(path, "utf8"));
    saved.usage.entries[0].calls = -3;
    await writeFile(path, JSON.stringify(saved));
    const fresh = chain();
    const ledger = new UsageLedger();
    await expect(fit(fresh.chain, options(path, { resume: true, usage: ledger }))).rejects.toThrow(CheckpointError);
    await expect(fit(fresh.chain, options(path, { resume: true, usage: ledger }))).rejects.toThrow(
      /holds an unreadable usage ledger \(Saved usage ledger has an invalid entry.*\)\. Delete the checkpoint to start over, or resume without `usage`/,
    );
    expect(fresh.prompt.variable.get("instructions")).toBe("Classify the review.");
    expect(ledger.summary().total.calls).toBe(0);
  });

  it("a file that is not a checkpoint is refused", async () => {
    const path = join(dir, "other.json");
    await writeFile(path, JSON.stringify({ hello: "world" }));
    await expect(fit(chain().chain, options(path, { resume: true }))).rejects.toThrow(
      /is not a tunechain checkpoint this version can resume \(missing format 'tunechain-checkpoint'\)/,
    );
  });

  it("a checkpoint of another run (variables, data, batch size) is refused and nothing is restored", async () => {
    const path = join(dir, "run.ckpt");
    await fit(chain().chain, options(path));
    const other = chain("other_prompt");
    await expect(fit(other.chain, options(path, { resume: true }))).rejects.toThrow(
      /belongs to another run[\s\S]*variables: checkpoint has .*"sentiment".*the program has .*"other_prompt"/,
    );
    const { trainset } = sentimentData();
    await expect(fit(chain().chain, options(path, { resume: true, trainset: trainset.slice(1) }))).rejects.toThrow(
      /the training set differs/,
    );
    await expect(fit(chain().chain, options(path, { resume: true, batchSize: 3 }))).rejects.toThrow(/batchSize 4 ≠ 3/);
    const fresh = chain();
    await expect(
      fit(fresh.chain, options(path, { resume: true, optimizers: new HintOptimizer({ name: "another" }) })),
    ).rejects.toThrow(/optimizers: checkpoint has .*"hint".*this run has .*"another"/);
    expect(fresh.prompt.variable.get("instructions")).toBe("Classify the review.");
  });

  it("a checkpoint whose saved values do not fit the variables is refused whole", async () => {
    const path = join(dir, "tampered.ckpt");
    await fit(chain().chain, options(path));
    const saved = JSON.parse(await readFile(path, "utf8"));
    saved.values.sentiment.instructions = 7;
    saved.optimizers.hint["1"] = { accepted: "many" };
    await writeFile(path, JSON.stringify(saved));
    const fresh = chain();
    const optimizer = new HintOptimizer({ name: "hint" });
    await expect(fit(fresh.chain, options(path, { resume: true, optimizers: optimizer }))).rejects.toThrow(
      /does not fit this run; nothing was restored:\n {2}- variable 'sentiment': \/instructions must be string\n {2}- optimizer 'hint' state 1: /,
    );
    expect(fresh.prompt.variable.get("instructions")).toBe("Classify the review.");
    expect(optimizer.memory.get("accepted")).toBe(0);
  });

  it("a checkpoint path that cannot be read is an error", async () => {
    await expect(fit(chain().chain, options(dir, { resume: true }))).rejects.toThrow(/Cannot read the checkpoint/);
  });

  it("resuming a finished run's checkpoint replays only finalization and returns the same values", async () => {
    const path = join(dir, "done.ckpt");
    const first = chain();
    const done = await fit(first.chain, options(path));
    const again = chain();
    let batches = 0;
    const resumed = await fit(again.chain, options(path, { resume: true, hooks: { onBatchBegin: () => void batches++ } }));
    expect(batches).toBe(0);
    expect(resumed.history).toEqual(done.history);
    expect(again.prompt.variable.json()).toEqual(first.prompt.variable.json());
  });
});
