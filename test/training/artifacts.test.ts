import { StringOutputParser } from "@langchain/core/output_parsers";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunnableMap } from "@langchain/core/runnables";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { loadVariables, saveVariables } from "../../src/training/artifacts.js";
import { ArtifactError, DatasetError } from "../../src/training/errors.js";
import { evaluate } from "../../src/training/evaluate.js";
import { SentimentChatModel, sentimentData } from "./support/sentiment.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tunechain-artifacts-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const makePrompt = (name: string, instructions = "Classify.") => new TrainablePrompt({ name, instructions, messages: "Review: {review}" });

describe("saveVariables / loadVariables", () => {
  it("saves values, schema hash, score, optimizer names and date, and loads them into a new chain", async () => {
    const a = makePrompt("one", "Tuned one.");
    const b = makePrompt("two", "Tuned two.");
    const path = join(dir, "nested", "tuned.json");
    const saved = await saveVariables(RunnableMap.from({ a, b }), path, { score: 0.9, optimizers: ["opro", { name: "few_shot" }] });
    const file = JSON.parse(await readFile(path, "utf8"));
    expect(file).toMatchObject({ format: "tunechain-artifact", version: 1, score: 0.9, optimizers: ["opro", "few_shot"] });
    expect(Date.parse(file.savedAt)).not.toBeNaN();
    expect(file.variables.one.value).toEqual({ instructions: "Tuned one.", examples: [] });
    expect(file.variables.one.schemaHash).toMatch(/^[0-9a-f]{16}$/);
    expect(saved.variables.two!.value.instructions).toBe("Tuned two.");

    const fresh = { a: makePrompt("one"), b: makePrompt("two") };
    await loadVariables(RunnableMap.from(fresh), path);
    expect(fresh.a.variable.get("instructions")).toBe("Tuned one.");
    expect(fresh.b.variable.get("instructions")).toBe("Tuned two.");
  });

  it("assigns nothing when one variable does not fit (missing, other schema, invalid value)", async () => {
    const path = join(dir, "tuned.json");
    await saveVariables(RunnableMap.from({ a: makePrompt("one", "Tuned.") }), path);
    const one = makePrompt("one");
    const extra = makePrompt("extra");
    await expect(loadVariables(RunnableMap.from({ one, extra }), path)).rejects.toThrow(ArtifactError);
    await expect(loadVariables(RunnableMap.from({ one, extra }), path)).rejects.toThrow(
      /nothing was assigned:\n {2}- 'extra' is not in the file \(it has: one\)/,
    );
    expect(one.variable.get("instructions")).toBe("Classify.");

    const file = JSON.parse(await readFile(path, "utf8"));
    file.variables.one.value.instructions = 42;
    await writeFile(path, JSON.stringify(file));
    await expect(loadVariables(one, path)).rejects.toThrow(/the saved value of 'one' is invalid:\n {2}- \/instructions: must be string/);
    await expect(loadVariables(makePrompt("other"), path)).rejects.toThrow(/the program has no variable named 'one'/);
  });

  it("refuses a file that is not an artifact", async () => {
    const path = join(dir, "x.json");
    await writeFile(path, "{}");
    await expect(loadVariables(makePrompt("one"), path)).rejects.toThrow(/is not a tunechain artifact/);
    await expect(loadVariables(makePrompt("one"), join(dir, "missing.json"))).rejects.toThrow(/Cannot read the artifact/);
  });

  it("redacts anything shaped like an API key before writing", async () => {
    const path = join(dir, "tuned.json");
    await saveVariables(makePrompt("leaky", "Use key sk-test-abcdef123456 to call the API."), path);
    const text = await readFile(path, "utf8");
    expect(text).not.toContain("sk-test-abcdef123456");
    expect(text).toContain("sk-[redacted]");
  });
});

describe("evaluate", () => {
  it("returns the mean, per-example scores and predictions in dataset order", async () => {
    const prompt = makePrompt("eval");
    const chain = prompt.pipe(new SentimentChatModel({})).pipe(new StringOutputParser());
    const { valset } = sentimentData();
    const result = await evaluate(chain, { dataset: valset, reward: exactMatch(), concurrency: 3 });
    expect(result.scores).toEqual([1, 0, 0, 0, 1, 1, 1, 1]);
    expect(result.mean).toBe(5 / 8);
    expect(result.predictions[1]).toMatchObject({ exampleId: "sarcastic-5", output: "positive", expected: "negative", score: 0 });
    expect(result.predictions[1]!.feedback).toBe('Expected "negative" but the answer was "positive".');
    const hinted = await evaluate(chain, {
      dataset: valset,
      reward: exactMatch(),
      values: { eval: { instructions: "Mind the sarcasm.", examples: [] } },
    });
    expect(hinted.mean).toBe(1);
    expect(prompt.variable.get("instructions")).toBe("Classify.");
  });

  it("refuses two different examples under one id, and malformed examples", async () => {
    const chain = makePrompt("ids").pipe(new SentimentChatModel({}));
    const dataset = [
      { id: "same", input: { review: "a" }, expected: "positive" },
      { id: "same", input: { review: "b" }, expected: "positive" },
    ];
    await expect(evaluate(chain, { dataset, reward: exactMatch() })).rejects.toThrow(DatasetError);
    await expect(evaluate(chain, { dataset, reward: exactMatch() })).rejects.toThrow(/two different examples with id 'same'/);
    await expect(evaluate(chain, { dataset: [{ review: "x" } as never], reward: exactMatch() })).rejects.toThrow(
      /dataset\[0\] must be \{ input: \{ …prompt input variables \}, expected\?: … \}/,
    );
  });

  it("scores a failing run 0 with the error as feedback, retrying only transient failures", async () => {
    let calls = 0;
    const chain = makePrompt("fails").pipe(() => {
      calls += 1;
      throw new Error("model is down");
    });
    const result = await evaluate(chain, { dataset: [{ id: "e1", input: { review: "x" } }], reward: exactMatch(), retries: 2, retryDelayMs: 0 });
    expect(result.predictions[0]).toMatchObject({ exampleId: "e1", score: 0, output: null, error: "model is down" });
    expect(result.predictions[0]?.feedback).toBe("The program failed: model is down");
    expect(calls).toBe(1);
    let flaky = 0;
    const transient = makePrompt("flaky").pipe(() => {
      flaky += 1;
      if (flaky < 3) throw Object.assign(new Error("overloaded"), { status: 503 });
      return "positive";
    });
    const retried = await evaluate(transient, { dataset: [{ id: "e2", input: { review: "y" }, expected: "positive" }], reward: exactMatch(), retries: 2, retryDelayMs: 0 });
    expect(flaky).toBe(3);
    expect(retried.mean).toBe(1);
  });
});
