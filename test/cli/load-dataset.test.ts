import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DatasetFileError } from "../../src/cli/errors.js";
import { loadDataset } from "../../src/cli/load-dataset.js";

async function file(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tunechain-data-"));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function failure(path: string): Promise<DatasetFileError> {
  const error = await loadDataset(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DatasetFileError);
  return error as DatasetFileError;
}

describe("loadDataset", () => {
  it("reads JSONL, skipping blank lines, and keeps id and expected", async () => {
    const path = await file("d.jsonl", '{"input":{"q":"a"},"expected":"x","id":"one"}\n\n{"input":{"q":"b"}}\n');
    expect(await loadDataset(path)).toEqual([{ input: { q: "a" }, expected: "x", id: "one" }, { input: { q: "b" } }]);
  });

  it("reads a JSON array", async () => {
    const path = await file("d.json", '[{"input":{"q":"a"},"expected":1},{"input":{"q":"b"},"expected":{"k":[1]}}]');
    expect(await loadDataset(path)).toEqual([
      { input: { q: "a" }, expected: 1 },
      { input: { q: "b" }, expected: { k: [1] } },
    ]);
  });

  it("names the file and line of a JSONL line that is not JSON", async () => {
    const path = await file("d.jsonl", '{"input":{"q":"a"}}\n{"input":{"q":"b"}}\n{"input": {"q": "c"\n');
    const error = await failure(path);
    expect(error.message).toMatch(new RegExp(`^${path}:3: not valid JSON`));
    expect(error.line).toBe(3);
  });

  it("names the line of a JSONL example with a wrong shape", async () => {
    const path = await file("d.jsonl", '{"input":{"q":"a"}}\n{"question":"b"}\n');
    expect((await failure(path)).message).toContain(`${path}:2: unknown key(s) "question"`);
    const noInput = await file("e.jsonl", '{"input":"b"}\n');
    expect((await failure(noInput)).message).toContain(`${noInput}:1: "input" must be an object`);
  });

  it("names the line of a bad element in a pretty-printed JSON array", async () => {
    const text = '[\n  {\n    "input": {"q": "a, [b]"}\n  },\n  {\n    "input": ["not", "an", "object"]\n  }\n]\n';
    const path = await file("d.json", text);
    expect((await failure(path)).message).toContain(`${path}:5: "input" must be an object`);
  });

  it("names the line of a JSON syntax error", async () => {
    const path = await file("d.json", '[\n  {"input": {}},\n  {"input" {}}\n]');
    expect((await failure(path)).message).toMatch(new RegExp(`^${path}:3: not valid JSON`));
  });

  it("refuses missing files, unknown formats and empty datasets", async () => {
    expect((await failure("/nonexistent/d.jsonl")).message).toContain("/nonexistent/d.jsonl: no such dataset file");
    expect((await failure(await file("d.csv", "a,b"))).message).toContain("unknown dataset format '.csv'");
    expect((await failure(await file("d.jsonl", "\n\n"))).message).toContain("holds no example");
  });
});
