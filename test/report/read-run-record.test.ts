import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TunechainError } from "../../src/errors.js";
import { parseRunRecord, readRunRecord, RunRecordError } from "../../src/report/index.js";
import { sampleRunRecord } from "./sample-run-record.js";

describe("readRunRecord / parseRunRecord", () => {
  it("reads a version-2 record back, history entries with or without trainReward", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tunechain-report-"));
    const runFile = join(dir, "run.json");
    const record = sampleRunRecord();
    record.history[0] = { epoch: 0, batch: 0, step: 1, metricCalls: 20 };
    await writeFile(runFile, JSON.stringify(record));
    const read = await readRunRecord(runFile);
    expect(read.status).toBe("completed");
    expect(read.history[0]).toEqual({ epoch: 0, batch: 0, step: 1, metricCalls: 20 });
  });

  it("names the file and what is wrong with it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tunechain-report-"));
    const missing = join(dir, "nope.json");
    await expect(readRunRecord(missing)).rejects.toThrow(`${missing}: no such file`);
    const notJson = join(dir, "bad.json");
    await writeFile(notJson, "{ not json");
    await expect(readRunRecord(notJson)).rejects.toThrow(new RegExp(`${notJson}: is not valid JSON`));
    const incomplete = join(dir, "incomplete.json");
    const { leaderboard: _l, proposals: _p, ...rest } = sampleRunRecord();
    await writeFile(incomplete, JSON.stringify(rest));
    const error = await readRunRecord(incomplete).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunRecordError);
    expect(error).toBeInstanceOf(TunechainError);
    expect((error as Error).message).toContain(`${incomplete}: lacks leaderboard (array), proposals (array)`);
  });

  it("refuses a version-1 record, saying it comes from an older tunechain", () => {
    expect(() => parseRunRecord(JSON.stringify({ ...sampleRunRecord(), version: 1 }), "old.json")).toThrow(
      "old.json: has version 1, this tunechain reads version 2 (written by an older tunechain",
    );
    expect(() => parseRunRecord(JSON.stringify({ ...sampleRunRecord(), version: 3 }), "new.json")).toThrow(
      /new\.json: has version 3, this tunechain reads version 2\. Pass/,
    );
  });

  it("points at the first damaged item of each list", () => {
    const parse = (change: (record: Record<string, unknown>) => void) => {
      const record = JSON.parse(JSON.stringify(sampleRunRecord())) as Record<string, unknown>;
      change(record);
      return () => parseRunRecord(JSON.stringify(record), "run.json");
    };
    expect(parse((r) => ((r.history as object[])[2] = { step: 3, trainReward: "high", metricCalls: 1 }))).toThrow("history[2] needs");
    expect(parse((r) => ((r.leaderboard as object[])[1] = { id: "c1", optimizer: "o" }))).toThrow("leaderboard[1] needs");
    expect(parse((r) => ((r.proposals as object[])[0] = { optimizer: "o", proposals: 1, failed: 0, rejected: { x: "1" } }))).toThrow("proposals[0] needs");
    expect(parse((r) => ((r.models as object[])[0] = { role: "task", model: "m" }))).toThrow("models[0] needs role and model (strings) and standIn (boolean)");
    expect(parse((r) => ((r.finalValidation as object[])[4] = { exampleId: "v" }))).toThrow("finalValidation[4] needs");
    expect(parse((r) => (r.metricCalls = { used: 3 }))).toThrow("lacks metricCalls (object with used and byPhase)");
  });
});
