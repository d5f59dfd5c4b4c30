import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rankCandidates, renderReport, writeReport } from "../../src/report/index.js";
import { sampleRunRecord } from "./sample-run-record.js";

/** The HTML of the section with this id. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section class="card" id="${id}">`);
  expect(start, `section #${id}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf("\n</section>", start));
}

/** The `<tr>` row whose opening tag carries `attribute`. */
function row(html: string, attribute: string): string {
  const at = html.indexOf(attribute);
  expect(at, attribute).toBeGreaterThanOrEqual(0);
  const start = html.lastIndexOf("<tr", at);
  return html.slice(start, html.indexOf("</tr>", at) + 5);
}

/** Text content of an HTML fragment: tags become spaces, whitespace collapses, escapes are decoded. */
function text(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

describe("renderReport: the page", () => {
  it("is self-contained: no script, no URL but in-page anchors", () => {
    const html = renderReport(sampleRunRecord());
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\bsrc=/i);
    expect(html).not.toMatch(/url\(/i);
    const hrefs = [...html.matchAll(/\bhref="([^"]*)"/g)].map((match) => match[1]);
    expect(hrefs.length).toBeGreaterThan(5);
    expect(hrefs.every((href) => href?.startsWith("#"))).toBe(true);
    for (const href of hrefs) expect(html).toContain(`id="${href!.slice(1)}"`);
    expect(html).toContain("<svg");
  });

  it("escapes every text taken from the record", () => {
    const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
    const record = sampleRunRecord({
      stoppedBy: { reason: evil },
      finalChoice: evil,
      models: [{ role: "task", model: evil, standIn: true }],
      proposals: [{ optimizer: `o"p`, proposals: 1, failed: 1, rejected: { [evil]: 1 }, latestFailure: evil }],
    });
    record.leaderboard.push({
      id: `x"y`,
      optimizer: "reflective_optimizer",
      values: { triage: { instructions: evil } },
      meanScore: 0.1,
      evaluations: 1,
      iteration: 6,
      parents: [evil],
      origin: evil,
      changed: [evil],
    });
    record.finalValidation![0] = { exampleId: evil, input: { ticket: evil }, output: evil, expected: evil, score: 0, feedback: evil };
    const html = renderReport(record);
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img");
    expect(html).not.toContain(`data-optimizer="o"p"`);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("says the status and what stopped the run", () => {
    const html = renderReport(sampleRunRecord({ status: "completed", stoppedBy: { reason: "maxMetricCalls=200 spent", limit: "maxMetricCalls" } }));
    const status = text(html.slice(html.indexOf("<h1>"), html.indexOf('<div class="scores">')));
    expect(status).toContain("tunechain run completed");
    expect(status).toContain("Stopped by: maxMetricCalls=200 spent (limit: the metric budget (maxMetricCalls: program runs))");
    const byOptimizer = renderReport(sampleRunRecord({ stoppedBy: { reason: "every optimizer is done", optimizer: "gepa" } }));
    expect(text(byOptimizer)).toContain("Stopped by: every optimizer is done (optimizer: gepa)");
    const noCause = renderReport(sampleRunRecord({ stoppedBy: undefined }));
    expect(noCause).not.toContain("Stopped by");
  });

  it("puts the test score next to seed and final validation, labelled as held out and outside the budget", () => {
    const html = renderReport(sampleRunRecord());
    const scores = text(html.slice(html.indexOf('<div class="scores">'), html.indexOf('<div class="facts">')));
    expect(scores).toContain("seed prompts · validation 0.500");
    expect(scores).toContain("final program · validation 0.750 (+0.250)");
    expect(scores).toContain("final program · test 0.700 held-out test examples, scored once after tuning, outside the metric budget");
    expect(scores).toContain("Final program: the program with the best mean over the whole validation set.");
    expect(renderReport(sampleRunRecord({ testScore: undefined }))).not.toContain('class="score-card score-test"');
  });
});

describe("renderReport: stand-in banner and models", () => {
  it("shows a banner naming the stand-in when one served the run, and none otherwise", () => {
    const standIn = renderReport(
      sampleRunRecord({
        models: [
          { role: "optimizer", model: "gpt-4o", standIn: false },
          { role: "task", model: "scripted-stand-in", standIn: true },
        ],
      }),
    );
    expect(standIn).toContain('class="stand-in-banner"');
    expect(text(standIn)).toContain("A scripted stand-in served this run (task: scripted-stand-in)");
    // The banner comes before the scores: it is the first thing read.
    expect(standIn.indexOf("stand-in-banner")).toBeLessThan(standIn.indexOf('<div class="scores">'));
    expect(renderReport(sampleRunRecord())).not.toContain('class="stand-in-banner"');
    expect(renderReport(sampleRunRecord({ models: [] }))).not.toContain('class="stand-in-banner"');
  });

  it("lists the model of each role and whether it was a stand-in", () => {
    const models = section(
      renderReport(sampleRunRecord({ models: [{ role: "optimizer", model: "gpt-4o", standIn: false }, { role: "task", model: "stand", standIn: true }] })),
      "models",
    );
    expect(text(models)).toContain("optimizer gpt-4o model API");
    expect(text(models)).toContain("task stand scripted stand-in");
    expect(section(renderReport(sampleRunRecord({ models: [] })), "models")).toContain("recorded no model");
  });
});

describe("renderReport: proposals", () => {
  it("lists refusals per optimizer by reason with counts, failures of the optimizer model first", () => {
    const html = section(renderReport(sampleRunRecord()), "proposals");
    const reflective = html.slice(html.indexOf('data-optimizer="reflective_optimizer"'), html.indexOf('data-optimizer="few_shot_optimizer"'));
    const reasons = [...reflective.matchAll(/data-reason="([^"]+)"><td><code>[^<]+<\/code><\/td><td class="num count">(\d+)</g)].map((m) => [m[1], Number(m[2])]);
    expect(reasons).toEqual([
      ["model-error", 1],
      ["not-json", 1],
      ["below-parent", 3],
      ["budget", 1],
      ["duplicate", 1],
    ]);
    expect(text(reflective)).toContain("9 proposals asked for: 2 failed (the optimizer model gave nothing usable), 5 refused after checking.");
    expect(text(reflective)).toContain("Latest failure: not-json: the answer was not valid JSON");
    expect(text(row(html, 'data-reason="no-evidence"'))).toBe("no-evidence 1 refused after checking not enough scored examples yet to build or judge a proposal");
  });

  it("warns when more than half the proposals failed, and says when there is nothing to show", () => {
    const failing = renderReport(
      sampleRunRecord({ proposals: [{ optimizer: "opro", proposals: 4, failed: 3, rejected: { "not-json": 3, strange: 1 } }] }),
    );
    expect(text(section(failing, "proposals"))).toContain("More than half of the proposals failed");
    expect(section(failing, "proposals")).toContain('data-reason="strange"');
    expect(text(section(renderReport(sampleRunRecord({ proposals: [] })), "proposals"))).toContain("No optimizer of this run reported proposal counts");
    const none = renderReport(sampleRunRecord({ proposals: [{ optimizer: "opro", proposals: 2, failed: 0, rejected: {} }] }));
    expect(text(section(none, "proposals"))).toContain("No proposal was refused.");
  });
});

describe("renderReport: final validation per example", () => {
  it("lists answer, expected, score and feedback, failures first", () => {
    const html = section(renderReport(sampleRunRecord()), "final-validation");
    const ids = [...html.matchAll(/<tr class="example (\w+)" data-example-id="([^"]+)"/g)].map((m) => `${m[2]}:${m[1]}`);
    expect(ids).toEqual(["val-5:failed", "val-8:failed", "val-1:passed", "val-2:passed", "val-3:passed", "val-4:passed", "val-6:passed", "val-7:passed"]);
    expect(text(html)).toContain("2 of 8 examples failed (1 of them because the program run failed), 0 partly right, 6 right.");
    expect(text(row(html, 'data-example-id="val-5"'))).toBe(
      "val-5 ticket Delete my account <now> & my data. (no answer: the run failed) category account 0.000 program run failed: 429 Rate limit reached",
    );
    expect(text(row(html, 'data-example-id="val-8"'))).toBe(
      "val-8 ticket You charged me and the app is broken! category bug category billing 0.000 expected billing, got bug",
    );
  });

  it("puts partly right answers between failures and full marks, and clips long text", () => {
    const record = sampleRunRecord({
      finalValidation: [
        { exampleId: "a", input: { q: "x".repeat(700) }, output: "y", score: 1 },
        { exampleId: "b", input: {}, output: "y", score: 0.5, feedback: "half" },
        { exampleId: "c", input: {}, output: "n", score: 0 },
      ],
    });
    const html = section(renderReport(record), "final-validation");
    expect([...html.matchAll(/data-example-id="(\w)"/g)].map((m) => m[1])).toEqual(["c", "b", "a"]);
    expect(html).toContain('<tr class="example partial" data-example-id="b"');
    expect(html).toContain("… (100 more characters)");
  });

  it("says why there is no table", () => {
    expect(text(section(renderReport(sampleRunRecord({ finalValidation: undefined, settings: { valSize: 0 } })), "final-validation"))).toContain(
      "The run had no validation set",
    );
    expect(text(section(renderReport(sampleRunRecord({ finalValidation: undefined })), "final-validation"))).toContain("were not all measured");
  });
});

describe("renderReport: reward curve", () => {
  it("plots validation from the seed prompts at step 0, and training batch means as labelled dots", () => {
    const html = section(renderReport(sampleRunRecord()), "curve");
    expect(html.match(/class="point point-train"/g)).toHaveLength(9);
    expect(html.match(/class="point point-validation"/g)).toHaveLength(3);
    expect(html.match(/class="point point-seed"/g)).toHaveLength(1);
    // Plot area: x from 48 (step 0) to 696 (step 9), y from 16 (reward 1) to 240 (reward 0): the seed at 0.5.
    expect(html).toMatch(/<path class="curve curve-validation" d="M48,128 L/);
    expect(text(html)).toContain("training batch mean (a different batch each step)");
    expect(text(html)).toContain("a low dot does not mean tuning made the program worse");
    expect(html).toContain("step 3: training batch mean 0.250 (this step&#39;s batch, values before the step) · 58 program runs so far");
  });

  it("plots validation alone when no step ran a training batch (GEPA draws its own minibatches)", () => {
    const history = sampleRunRecord().history.map(({ trainReward: _dropped, ...entry }) => entry);
    const html = section(renderReport(sampleRunRecord({ history })), "curve");
    expect(html).not.toContain("point-train");
    expect(html).not.toContain("training batch mean (a different");
    expect(html.match(/class="point point-validation"/g)).toHaveLength(3);
    expect(text(html)).toContain("No training batch was run by fit: the optimizers draw their own minibatches");
  });

  it("leaves out the dots of steps without a training batch, and says how many", () => {
    const history = sampleRunRecord().history.map((entry, i) => (i % 2 === 0 ? entry : { ...entry, trainReward: undefined }));
    const html = section(renderReport(sampleRunRecord({ history })), "curve");
    expect(html.match(/class="point point-train"/g)).toHaveLength(5);
    expect(text(html)).toContain("4 of 9 steps ran no training batch");
  });
});

describe("renderReport: lineage and leaderboard", () => {
  it("draws each optimizer's lineage as a tree, a merge under its first parent naming both", () => {
    const html = section(renderReport(sampleRunRecord()), "lineage");
    const reflective = html.slice(html.indexOf('data-optimizer="reflective_optimizer"'), html.indexOf('data-optimizer="few_shot_optimizer"'));
    // c0 → (c1 → (c3, c4), c2 → link to c4): list items nest in this order.
    const order = [...reflective.matchAll(/<li class="(node[^"]*|cross-link)" data-(?:candidate|child)-id="(\w+)"/g)].map(
      (m) => `${m[1]!.startsWith("cross") ? "link:" : ""}${m[2]}`,
    );
    expect(order).toEqual(["c0", "c1", "c3", "c4", "c2", "link:c4"]);
    const merge = reflective.slice(reflective.indexOf('data-candidate-id="c4"'));
    expect(merge).toMatch(/^data-candidate-id="c4" data-parents="c1 c2"/);
    expect(text(merge.slice(merge.indexOf("<div"), merge.indexOf("</div>")))).toBe(
      "c4 final merge from c1 + c2 changed reply validation 0.750 · train mean 0.830 on 12",
    );
    // c4 sits inside c1's list item: c1's <li> is not closed before c4 starts.
    const c1 = reflective.indexOf('data-candidate-id="c1"');
    expect(reflective.slice(c1, reflective.indexOf('data-candidate-id="c4"')).match(/<\/li>/g)).toHaveLength(1);
    expect(text(reflective)).toMatch(/also a parent of c4 \(merge, shown under c1 ?\)/);
  });

  it("names parents no longer kept and shows their children as roots", () => {
    const record = sampleRunRecord();
    record.leaderboard = record.leaderboard.filter((c) => !(c.optimizer === "reflective_optimizer" && c.id === "c1"));
    const html = section(renderReport(record), "lineage");
    expect(text(html)).toContain("c3 proposal from c1 (no longer kept)");
    // c4 keeps c2 as its parent in the tree; c3 becomes a root of its own.
    const reflective = html.slice(0, html.indexOf('data-optimizer="few_shot_optimizer"'));
    const roots = reflective.slice(reflective.indexOf("<ul class=\"lineage tree\""));
    expect([...roots.matchAll(/data-candidate-id="(\w+)"/g)].map((m) => m[1])).toEqual(["c0", "c2", "c4", "c3"]);
  });

  it("gives one table per optimizer, the final candidate marked, with changes and diffs per variable", () => {
    const html = section(renderReport(sampleRunRecord()), "leaderboard");
    expect(html.match(/<table class="leaderboard"/g)).toHaveLength(2);
    const reflective = html.slice(html.indexOf('<table class="leaderboard" data-optimizer="reflective_optimizer"'), html.indexOf("</table>"));
    expect([...reflective.matchAll(/<tr class="candidate[^"]*" data-candidate-id="(\w+)"/g)].map((m) => m[1])).toEqual(["c4", "c1", "c0", "c3", "c2"]);
    expect(reflective.match(/class="candidate is-final"/g)).toHaveLength(1);
    expect(reflective).toContain('<tr class="candidate is-final" data-candidate-id="c4">');
    const c4 = text(row(reflective, 'data-candidate-id="c4"'));
    expect(c4).toMatch(/^1 c4 final merge from c1 \+ c2 reply 0\.750 0\.830 12 5 triage instructions /);
    expect(c4).toContain("triage instructions Classify the support ticket as billing, bug or account. Refunds, double charges");
    expect(c4).toContain("reply instructions Write a short, polite reply to the customer. Quote the ticket");
    expect(reflective).toContain("<ins> Quote the ticket&#39;s order number and say what happens next.</ins>");
    const fewShot = html.slice(html.indexOf('data-optimizer="few_shot_optimizer"'));
    expect(fewShot).toContain('<tr class="candidate is-final" data-candidate-id="c1">');
  });

  it("says when no candidate of an optimizer holds the final values", () => {
    const other = { instructions: "other", examples: [{ input: { ticket: "t" }, output: "o" }] };
    const html = section(renderReport(sampleRunRecord({ finalValues: { triage: other, reply: other } })), "leaderboard");
    expect(html).not.toContain("is-final");
    expect(html.match(/None of these candidates holds exactly the final values/g)).toHaveLength(2);
  });

  it("says so when nothing was recorded", () => {
    const html = renderReport(sampleRunRecord({ history: [], leaderboard: [] }));
    expect(html).toContain("No optimization step was recorded");
    expect(html).toContain("No optimizer recorded a candidate.");
    expect(html).toContain("No optimizer recorded a candidate, so there is no lineage.");
  });
});

describe("renderReport: names and headers", () => {
  it("explains every column header, with a tooltip and a visible legend", () => {
    const html = renderReport(sampleRunRecord());
    const headers = [...html.matchAll(/<thead>[\s\S]*?<\/thead>/g)].flatMap((m) => [...m[0].matchAll(/<th[\s>][^>]*>/g)].map((th) => th[0]));
    expect(headers.length).toBeGreaterThan(30);
    expect(headers.filter((th) => !/ title="[^"]{10,}"/.test(th))).toEqual([]);
    for (const id of ["final-validation", "proposals", "leaderboard", "metric-calls"]) {
      expect(section(html, id)).toContain('<dl class="column-legend">');
    }
    expect(text(section(html, "leaderboard"))).toContain("evals How many example scores the train mean rests on");
  });

  it("names the seed prompts and the random seed apart", () => {
    const html = renderReport(sampleRunRecord());
    const settings = text(section(html, "settings"));
    expect(text(row(section(html, "settings"), 'data-setting="seed"'))).toBe(
      "random seed 7 seed of tunechain's random choices (batch order, sampling); not the seed prompts",
    );
    expect(settings).not.toMatch(/(^|[^m] )seed 7/);
    expect(text(html)).toContain("seed prompts · validation");
    expect(text(section(html, "lineage"))).toContain("c0 seed prompts");
    expect(text(section(html, "curve"))).toContain("seed prompts on validation");
    // Nowhere is a bare "seed" a label of its own.
    expect(html).not.toMatch(/>seed</);
  });

  it("shows program runs against the limit, by phase", () => {
    const html = section(renderReport(sampleRunRecord()), "metric-calls");
    expect(text(html)).toContain("164 of the 200 program runs allowed (maxMetricCalls) were used.");
    expect(html).toContain('style="width: 82.0%"');
    const rows = [...html.matchAll(/data-phase="(\w+)"><td>[\w ]+<\/td><td class="num">(\d+)<\/td><td class="num">(\d+%)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(rows).toEqual(["seed 8 5%", "train 48 29%", "gate 60 37%", "validation 40 24%", "finalize 8 5%"]);
    const unlimited = section(renderReport(sampleRunRecord({ metricCalls: { used: 12, byPhase: { train: 12 } } })), "metric-calls");
    expect(text(unlimited)).toContain("12 program runs were used (no maxMetricCalls limit was set).");
    expect(unlimited).not.toContain("budget-bar");
  });
});

describe("rankCandidates", () => {
  it("puts validated candidates first, each part by score", () => {
    const ranked = rankCandidates(sampleRunRecord().leaderboard.filter((c) => c.optimizer === "reflective_optimizer"));
    expect(ranked.map((c) => c.id)).toEqual(["c4", "c1", "c0", "c3", "c2"]);
  });
});

describe("candidate diffs", () => {
  it("shows a mostly rewritten text as old and new whole, a small edit word by word", () => {
    const html = section(renderReport(sampleRunRecord()), "leaderboard");
    expect(html).toContain(
      "<del>Classify the support ticket as billing, bug or account.</del>\n<ins>Answer &lt;billing&gt;, &lt;bug&gt; or &lt;account&gt; &amp; nothing else.</ins>",
    );
    expect(html).toContain("<ins> Refunds, double charges and invoices are billing, even when the customer is angry about the app.</ins>");
    expect(html).toContain("unchanged from the seed prompts");
  });
});

describe("writeReport", () => {
  it("writes the report to a new folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tunechain-report-"));
    const out = join(dir, "nested", "report.html");
    await writeReport(sampleRunRecord(), out);
    expect(await readFile(out, "utf8")).toContain("Candidates per optimizer");
  });
});
