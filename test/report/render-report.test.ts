import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rankCandidates, readRunRecord, renderReport, RunRecordError, writeReport } from "../../src/report/index.js";
import { TunechainError } from "../../src/errors.js";
import { sampleRunRecord } from "./sample-run-record.js";

describe("renderReport", () => {
  it("is self-contained: no script, no external URL", () => {
    const html = renderReport(sampleRunRecord());
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toContain("<svg");
  });

  it("escapes candidate text written by a model", () => {
    const record = sampleRunRecord();
    record.leaderboard.push({
      id: "evil",
      variable: "classify",
      optimizer: "instruction_optimizer",
      value: { instructions: `<script>alert("x")</script><img src=x onerror=alert(1)>` },
      meanScore: 0.1,
      evaluations: 1,
      iteration: 3,
      parents: [],
    });
    const html = renderReport(record);
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("draws one point per step for train and per measured step for validation", () => {
    const html = renderReport(sampleRunRecord());
    expect(html.match(/class="point point-train"/g)).toHaveLength(6);
    expect(html.match(/class="point point-validation"/g)).toHaveLength(2);
    // Plot area: x from 48 (left margin), y from 16 (reward 1) to 240 (reward 0). Step 1 (first) at reward
    // 0.5 sits at the left edge halfway down; step 5 at reward 1 on the top line.
    expect(html).toMatch(/<path class="curve curve-train" d="M48,128 L/);
    expect(html).toMatch(/ L\d+(\.\d)?,16 /);
  });

  it("marks insertions and deletions against the seed", () => {
    const html = renderReport(sampleRunRecord());
    expect(html).toContain("<ins> Watch for sarcasm:");
    expect(html).toContain("unchanged from the seed");
  });

  it("says so when nothing was recorded", () => {
    const html = renderReport(sampleRunRecord({ history: [], leaderboard: [] }));
    expect(html).toContain("No optimization step was recorded");
    expect(html).toContain("No optimizer recorded a candidate");
  });
});

describe("rankCandidates", () => {
  it("puts validated candidates first, each part by score", () => {
    const ranked = rankCandidates(sampleRunRecord().leaderboard.filter((c) => c.optimizer === "instruction_optimizer"));
    expect(ranked.map((c) => c.id)).toEqual(["c1", "c0", "c2"]);
  });
});

describe("writeReport / readRunRecord", () => {
  it("writes the report to a new folder and reads a record back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tunechain-report-"));
    const out = join(dir, "nested", "report.html");
    await writeReport(sampleRunRecord(), out);
    expect(await readFile(out, "utf8")).toContain("Candidate leaderboard");
    const runFile = join(dir, "run.json");
    await writeFile(runFile, JSON.stringify(sampleRunRecord()));
    expect((await readRunRecord(runFile)).status).toBe("completed");
  });

  it("names the file and what is wrong with it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tunechain-report-"));
    const missing = join(dir, "nope.json");
    await expect(readRunRecord(missing)).rejects.toThrow(`${missing}: no such file`);
    const notJson = join(dir, "bad.json");
    await writeFile(notJson, "{ not json");
    await expect(readRunRecord(notJson)).rejects.toThrow(new RegExp(`${notJson}: is not valid JSON`));
    const incomplete = join(dir, "incomplete.json");
    const { leaderboard: _dropped, ...rest } = sampleRunRecord();
    await writeFile(incomplete, JSON.stringify(rest));
    const error = await readRunRecord(incomplete).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunRecordError);
    expect(error).toBeInstanceOf(TunechainError);
    expect((error as Error).message).toContain(`${incomplete}: lacks leaderboard (array)`);
    const oldVersion = join(dir, "v0.json");
    await writeFile(oldVersion, JSON.stringify({ ...sampleRunRecord(), version: 0 }));
    await expect(readRunRecord(oldVersion)).rejects.toThrow("has version 0, this tunechain reads version 1");
  });
});

describe("candidate diffs", () => {
  it("shows a mostly rewritten text as old and new whole, a small edit word by word", () => {
    const record = sampleRunRecord();
    record.leaderboard = [
      {
        id: "rewrite",
        variable: "classify",
        optimizer: "instruction_optimizer",
        value: { instructions: "Read each review carefully; answer with one word." },
        meanScore: 0.5,
        evaluations: 1,
        iteration: 1,
        parents: [],
      },
    ];
    const html = renderReport(record);
    expect(html).toContain(
      "<del>Label the review as positive or negative.</del>\n<ins>Read each review carefully; answer with one word.</ins>",
    );
    expect(renderReport(sampleRunRecord())).toContain("<ins> Watch for sarcasm:");
  });
});
