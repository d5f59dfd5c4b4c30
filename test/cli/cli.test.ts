import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { finished, runTunechain, spawnTunechain } from "./run-tunechain.js";
import { sentimentConfig, writeSentimentProject } from "./sentiment-project.js";
import { SARCASM_AWARE_INSTRUCTIONS } from "../../examples/_shared/sentiment-stand-in.js";

interface Artifact {
  score?: number;
  variables: Record<string, { value: { instructions: string } }>;
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, "utf8")) as T;
}

describe("tunechain tune / eval / report", () => {
  it("tunes, evaluates the tuned values, and renders the run", async () => {
    const { dir, config } = await writeSentimentProject();
    const tune = await runTunechain(["tune", config, "--out", "out/tuned.json", "--seed", "5"], { cwd: dir });
    expect(tune.stderr).not.toContain("failed");
    expect(tune.code).toBe(0);
    expect(tune.stdout).toContain("Validation: 0.667 (seed) → 1.000 (tuned)");
    // No terminal here, so progress is one line per epoch on stderr instead of a bar.
    expect(tune.stderr).toContain("tuning: 12 training and 12 validation examples, 2 epoch(s), seed validation 0.667");
    expect(tune.stderr).toMatch(/epoch 2\/2: train \d\.\d{3} validation 1\.000/);
    const artifact = await readJson<Artifact>(join(dir, "out", "tuned.json"));
    expect(artifact.variables.sentiment?.value.instructions).toBe(SARCASM_AWARE_INSTRUCTIONS);
    const record = await readJson<{ status: string; settings: { seed: number } }>(join(dir, "out", "tuned.run.json"));
    expect(record.status).toBe("completed");
    expect(record.settings.seed).toBe(5);

    const seedEval = await runTunechain(["eval", config], { cwd: dir });
    expect(seedEval.code).toBe(0);
    expect(seedEval.stdout).toContain("Mean reward 0.667 over 12 examples (the config's valset)");
    // The failures listed are the sarcastic reviews the seed prompt gets wrong.
    expect(seedEval.stdout).toContain('Expected \\"negative\\" but the answer was \\"positive\\"'.replaceAll("\\", ""));

    const tunedEval = await runTunechain(["eval", config, "--load", "out/tuned.json", "--out", "scores.json"], { cwd: dir });
    expect(tunedEval.code).toBe(0);
    expect(tunedEval.stdout).toContain("Mean reward 1.000 over 12 examples");
    expect((await readJson<{ scores: number[] }>(join(dir, "scores.json"))).scores).toEqual(Array(12).fill(1));

    const report = await runTunechain(["report", "out/tuned.run.json"], { cwd: dir });
    expect(report.code).toBe(0);
    const html = await readFile(join(dir, "out", "tuned.run.html"), "utf8");
    expect(html).toContain('<path class="curve curve-train"');
    expect(html).toContain("Watch for sarcasm");
  });

  it("stops on Ctrl-C with exit 130 and resumes from the checkpoint to the same result as an uninterrupted run", async () => {
    const straight = await writeSentimentProject();
    const reference = await runTunechain(["tune", straight.config, "--quiet"], { cwd: straight.dir });
    expect(reference.code).toBe(0);
    const referenceRecord = await readJson<{ history: unknown[] }>(join(straight.dir, "tuned.run.json"));

    const { dir, config } = await writeSentimentProject();
    const checkpoint = join(dir, "ck.json");
    const child = spawnTunechain(["tune", config, "--checkpoint", "ck.json", "--quiet"], {
      cwd: dir,
      env: { PAUSE_WHEN_EXISTS: checkpoint },
    });
    const done = finished(child);
    // The task model blocks once the first checkpoint exists and says so with a marker file.
    while (!existsSync(`${checkpoint}.paused`) && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(child.exitCode, "the run ended before reaching the pause point").toBeNull();
    child.kill("SIGINT");
    const interrupted = await done;
    expect(interrupted.stderr).toContain("SIGINT: stopping after the current step");
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain(`tunechain tune ${config} --checkpoint ck.json --resume`);
    const saved = await readJson<{ history: unknown[] }>(checkpoint);
    expect(saved.history.length).toBeGreaterThan(0);
    expect(saved.history.length).toBeLessThan(referenceRecord.history.length);

    const resumed = await runTunechain(["tune", config, "--checkpoint", "ck.json", "--resume", "--quiet"], { cwd: dir });
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    const resumedRecord = await readJson<{ history: unknown[] }>(join(dir, "tuned.run.json"));
    expect(resumedRecord.history).toEqual(referenceRecord.history);
    const a = await readJson<Artifact>(join(straight.dir, "tuned.json"));
    const b = await readJson<Artifact>(join(dir, "tuned.json"));
    expect(b.variables).toEqual(a.variables);
  });
});

describe("tunechain errors", () => {
  it("names the config file and line of a syntax error, with exit 2", async () => {
    const body = sentimentConfig().replace("export const fit = {", "export const fit = {,");
    const line = body.split("\n").findIndex((l) => l.startsWith("export const fit")) + 1;
    const { dir, config } = await writeSentimentProject({ configBody: body });
    const result = await runTunechain(["tune", config], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${config}:${line}: the config failed to load`);
  });

  it("names the config file and line of an export with the wrong type", async () => {
    const body = sentimentConfig().replace("export const reward = exactMatch();", "export const reward = 'exact';");
    const line = body.split("\n").findIndex((l) => l.startsWith("export const reward")) + 1;
    const { dir, config } = await writeSentimentProject({ configBody: body });
    const result = await runTunechain(["eval", config], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${config}:${line}: \`reward\` must be a function`);
  });

  it("names the dataset file and line of a bad example, with exit 2", async () => {
    const { dir, config } = await writeSentimentProject();
    const train = join(dir, "train.jsonl");
    const lines = (await readFile(train, "utf8")).split("\n");
    lines[2] = '{"input": {"review": "fine"}, "expected": "positive"'; // line 3: unterminated object
    await writeFile(train, lines.join("\n"));
    const result = await runTunechain(["tune", config], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${train}:3: not valid JSON`);
  });

  it("loads a plain JavaScript config with a default object and a JSON dataset", async () => {
    const { dir } = await writeSentimentProject();
    const js = sentimentConfig()
      .replace(/^import type .*\n/m, "")
      .replace("async (value: ChatPromptValueInterface) =>", "async (value) =>")
      .replace(/export const (program|trainset|valset|reward|optimizers|fit) = /g, "const $1 = ")
      .replace('const valset = "val.jsonl";', 'const valset = "val.json";')
      .concat("export default { program, trainset, valset, reward, optimizers, fit };\n");
    await writeFile(join(dir, "tune.config.js"), js);
    const rows = (await readFile(join(dir, "val.jsonl"), "utf8")).trim().split("\n").map((line) => JSON.parse(line) as unknown);
    await writeFile(join(dir, "val.json"), JSON.stringify(rows, null, 2));
    const result = await runTunechain(["eval", "tune.config.js", "--quiet"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Mean reward 0.667 over 12 examples (the config's valset)");
  });

  it("exits 1 with the cause when the program itself fails", async () => {
    const body = sentimentConfig()
      .replace("  return labelReview(messages);", '  throw new Error("the model exploded on " + labelReview(messages));')
      .replace("export const fit = { epochs: 2, batchSize: 4, concurrency: 4 };", "export const fit = { epochs: 2, batchSize: 4, concurrency: 4, retries: 0 };");
    const { dir, config } = await writeSentimentProject({ configBody: body });
    const result = await runTunechain(["tune", config], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/tunechain: the run failed: The program failed on 12 of 12 examples[\s\S]*the model exploded on (positive|negative)/);
  });

  it("explains a bad flag and a missing run record with exit 2", async () => {
    const { dir } = await writeSentimentProject();
    const flag = await runTunechain(["tune", "x.ts", "--epochs", "0"], { cwd: dir });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--epochs must be an integer ≥ 1, got '0'");
    const report = await runTunechain(["report", "missing.run.json"], { cwd: dir });
    expect(report.code).toBe(2);
    expect(report.stderr).toContain(`${join(dir, "missing.run.json")}: no such file`);
  });

  it("prints help with the exit codes", async () => {
    const { dir } = await writeSentimentProject();
    const help = await runTunechain(["--help"], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("130  interrupted with Ctrl-C");
  });
});

describe("tunechain on examples/tune.config.ts (a default-function config with a usage ledger)", () => {
  const ROOT = join(import.meta.dirname, "..", "..");
  const exampleConfig = join(ROOT, "examples", "tune.config.ts");

  it("tunes offline and books task and optimizer calls in the run record", async () => {
    const { dir } = await writeSentimentProject();
    const result = await runTunechain(["tune", exampleConfig, "--out", join(dir, "tuned.json")], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("SCRIPTED STAND-IN");
    expect(result.stdout).toContain("Validation: 0.667 (seed) → 1.000 (tuned)");
    const record = await readJson<{ usage: { byRole: Record<string, { calls: number }> } }>(join(dir, "tuned.run.json"));
    expect(record.usage.byRole.task?.calls).toBeGreaterThan(0);
    expect(record.usage.byRole.optimizer?.calls).toBeGreaterThan(0);
  });

  it("counts the chain's calls once when the config attaches its own usage handler", async () => {
    const source = await readFile(exampleConfig, "utf8");
    const variant = source
      .replaceAll('from "../src/index.js"', `from ${JSON.stringify(join(ROOT, "src", "index.ts"))}`)
      .replaceAll('from "./_shared/', `from "${join(ROOT, "examples", "_shared")}/`)
      .replace("import { exactMatch,", "import { createUsageHandler, exactMatch,")
      .replaceAll('"data/', `"${join(ROOT, "examples", "data")}/`)
      .replace(
        "fit: { epochs: 2, batchSize: 6, concurrency: 8 },",
        'fit: { epochs: 2, batchSize: 6, concurrency: 8, config: { callbacks: [createUsageHandler({ ledger: usage, role: "task" })] } },',
      );
    expect(variant).toContain("createUsageHandler({ ledger: usage");
    const { dir } = await writeSentimentProject();
    const variantConfig = join(dir, "own-handler.config.ts");
    await writeFile(variantConfig, variant);
    const plain = await runTunechain(["tune", exampleConfig, "--out", join(dir, "plain.json")], { cwd: dir });
    const own = await runTunechain(["tune", variantConfig, "--out", join(dir, "own.json")], { cwd: dir });
    expect([plain.code, own.code]).toEqual([0, 0]);
    type Usage = { usage: { byRole: Record<string, { calls: number }> } };
    const plainTask = (await readJson<Usage>(join(dir, "plain.run.json"))).usage.byRole.task?.calls;
    const ownTask = (await readJson<Usage>(join(dir, "own.run.json"))).usage.byRole.task?.calls;
    expect(plainTask).toBeGreaterThan(0);
    expect(ownTask).toBe(plainTask);
  });

  it("stops at --budget-calls with exit 3 and still saves what it found", async () => {
    const { dir } = await writeSentimentProject();
    const result = await runTunechain(["tune", exampleConfig, "--budget-calls", "20", "--out", join(dir, "tuned.json")], {
      cwd: dir,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("The budget ran out; the best values found until then were saved.");
    const record = await readJson<{ status: string; usage: { total: { calls: number } } }>(join(dir, "tuned.run.json"));
    expect(record.status).toBe("budget-exhausted");
    expect(record.usage.total.calls).toBeLessThanOrEqual(20);
    expect(existsSync(join(dir, "tuned.json"))).toBe(true);
  });
});

// `script` (util-linux) runs the CLI with a pseudo-terminal as stdout, as in an interactive shell.
describe.skipIf(!existsSync("/usr/bin/script"))("tunechain in a terminal", () => {
  const ROOT = join(import.meta.dirname, "..", "..");

  it("draws a progress bar, and none with --quiet", async () => {
    const { dir, config } = await writeSentimentProject();
    const command = (extra: string) =>
      `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(join(ROOT, "src", "cli", "main.ts"))} ` +
      `tune ${JSON.stringify(config)} --out ${JSON.stringify(join(dir, "tuned.json"))} ${extra}`;
    const inTerminal = (extra: string) => runInDir("/usr/bin/script", ["-qfec", command(extra), "/dev/null"], ROOT);
    const withBar = await inTerminal("");
    expect(withBar.code).toBe(0);
    expect(withBar.stdout).toMatch(/tuning \[[█░]+\] 6\/6 steps \| epoch 2 \| batch \d\.\d{3} \| val 1\.000/);
    expect(withBar.stdout).not.toContain("epoch 1/2:");
    const quiet = await inTerminal("--quiet");
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).not.toContain("tuning [");
    expect(quiet.stdout).toContain("Validation: 0.667 (seed) → 1.000 (tuned)");
  });
});

function runInDir(command: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.resume();
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: stdout.replace(/\r/g, "\n") }));
  });
}
