import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../../src/report/index.js";
import type { RunRecord } from "../../src/training/run-record.js";
import { CHROMIUM, launchChromium } from "./chromium.js";
import { sampleRunRecord } from "./sample-run-record.js";

const OUT_DIR = join(import.meta.dirname, "..", ".tmp");

// CI installs Chromium (.ci/system-deps.sh); a machine without it and without root skips, and says why.
describe.skipIf(!existsSync(CHROMIUM))("report in headless Chromium", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Writes the record's report, opens it, and collects console problems and requests until `check` is done. */
  async function withReport(name: string, record: RunRecord, check: (page: Page) => Promise<void>): Promise<void> {
    await mkdir(OUT_DIR, { recursive: true });
    const file = join(OUT_DIR, `${name}.html`);
    await writeReport(record, file);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    // Any request other than the file itself would be a network dependency.
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(`file://${file}`);
    try {
      await check(page);
      await page.screenshot({ path: join(OUT_DIR, `${name}.png`), fullPage: true });
    } finally {
      await page.close();
    }
    expect(problems).toEqual([]);
    expect(requests).toEqual([`file://${file}`]);
  }

  it("shows the status, scores, curve, leaderboards and usage, with no console error and no request", async () => {
    await withReport("report", sampleRunRecord(), async (page) => {
      await expect(page.locator(".status-line").innerText()).resolves.toContain("Stopped by: 3 epoch(s) done");
      await expect(page.locator(".score-test").innerText()).resolves.toMatch(/0\.700[\s\S]*held-out test examples, scored once after tuning, outside the metric budget/);

      const validationPath = page.locator("svg.reward-curve path.curve-validation");
      await expect(validationPath.isVisible()).resolves.toBe(true);
      expect(((await validationPath.getAttribute("d")) ?? "").match(/[ML]/g)).toHaveLength(4);
      expect((await validationPath.boundingBox())?.width ?? 0).toBeGreaterThan(300);
      expect(await page.locator("svg.reward-curve circle.point-train").count()).toBe(9);
      await expect(page.locator("#curve .legend").innerText()).resolves.toContain("training batch mean (a different batch each step)");

      const table = page.locator('table.leaderboard[data-optimizer="reflective_optimizer"]');
      await expect(table.isVisible()).resolves.toBe(true);
      expect(await table.locator("tbody tr td.id code").allInnerTexts()).toEqual(["c4", "c1", "c0", "c3", "c2"]);
      expect((await table.locator("tbody tr td.validation").allInnerTexts()).slice(0, 3)).toEqual(["0.750", "0.625", "0.500"]);
      await expect(table.locator("tr.is-final td.id code").innerText()).resolves.toBe("c4");
      await expect(table.locator("tr.is-final .badge.final").isVisible()).resolves.toBe(true);
      await expect(table.locator('tr[data-candidate-id="c4"] td.changed').innerText()).resolves.toBe("reply");
      // The escaped angle brackets of candidate c3 read as text on the page.
      await expect(table.locator('tr[data-candidate-id="c3"] td.value').innerText()).resolves.toContain("<billing>");
      await expect(page.locator('table.leaderboard[data-optimizer="few_shot_optimizer"] tr.is-final td.id code').innerText()).resolves.toBe("c1");

      await expect(page.locator("#metric-calls .metric-total").innerText()).resolves.toBe("164 of the 200 program runs allowed (maxMetricCalls) were used.");
      const usageText = await page.locator("table.usage").innerText();
      expect(usageText).toContain("optimizer");
      expect(usageText).toContain("49,800");
      await expect(page.locator('table.settings tr[data-setting="seed"] th').innerText()).resolves.toBe("random seed");
    });
  });

  it("shows a stand-in banner at the top when a stand-in served the run, and none otherwise", async () => {
    const standIn = sampleRunRecord({ models: [{ role: "task", model: "scripted-stand-in", standIn: true }] });
    await withReport("report-stand-in", standIn, async (page) => {
      const banner = page.locator(".stand-in-banner");
      await expect(banner.isVisible()).resolves.toBe(true);
      await expect(banner.innerText()).resolves.toContain("A scripted stand-in served this run (task: scripted-stand-in)");
      const bannerBox = await banner.boundingBox();
      const scoresBox = await page.locator(".scores").boundingBox();
      expect(bannerBox!.y + bannerBox!.height).toBeLessThanOrEqual(scoresBox!.y);
      expect(bannerBox!.height).toBeGreaterThan(20);
      await expect(page.locator("table.models tr.is-stand-in").innerText()).resolves.toContain("scripted stand-in");
    });
    await withReport("report-real-models", sampleRunRecord(), async (page) => {
      expect(await page.locator(".stand-in-banner").count()).toBe(0);
    });
  });

  it("lists refused proposals by reason and count, and the validation examples failures first", async () => {
    await withReport("report-sections", sampleRunRecord(), async (page) => {
      const proposals = page.locator('#proposals table.proposals[data-optimizer="reflective_optimizer"]');
      await expect(proposals.isVisible()).resolves.toBe(true);
      const rows = await proposals.locator("tbody tr").evaluateAll((trs) =>
        trs.map((tr) => [tr.querySelector("td code")?.textContent, tr.querySelector("td.count")?.textContent]),
      );
      expect(rows).toEqual([
        ["model-error", "1"],
        ["not-json", "1"],
        ["below-parent", "3"],
        ["budget", "1"],
        ["duplicate", "1"],
      ]);
      await expect(page.locator('#proposals [data-optimizer="reflective_optimizer"] .proposal-totals').first().innerText()).resolves.toBe(
        "9 proposals asked for: 2 failed (the optimizer model gave nothing usable), 5 refused after checking.",
      );

      const examples = page.locator("#final-validation table.final-validation tbody tr");
      await expect(examples.first().isVisible()).resolves.toBe(true);
      const firstRows = await examples.evaluateAll((trs) =>
        trs.slice(0, 3).map((tr) => [tr.getAttribute("data-example-id"), tr.querySelector("td.score")?.textContent, tr.className]),
      );
      expect(firstRows).toEqual([
        ["val-5", "0.000", "example failed"],
        ["val-8", "0.000", "example failed"],
        ["val-1", "1.000", "example passed"],
      ]);
      await expect(examples.first().locator("td.feedback").innerText()).resolves.toContain("429 Rate limit reached");
      await expect(examples.nth(1).locator("td.answer").innerText()).resolves.toBe("category bug");
      await expect(examples.nth(1).locator("td.expected").innerText()).resolves.toBe("category billing");
    });
  });

  it("draws the lineage as a tree with a merge under one parent, naming both", async () => {
    await withReport("report-lineage", sampleRunRecord(), async (page) => {
      const tree = page.locator('ul.lineage[data-optimizer="reflective_optimizer"]');
      await expect(tree.isVisible()).resolves.toBe(true);
      const merge = tree.locator('li[data-candidate-id="c1"] li[data-candidate-id="c4"]');
      await expect(merge.isVisible()).resolves.toBe(true);
      await expect(merge.getAttribute("data-parents")).resolves.toBe("c1 c2");
      await expect(merge.locator(":scope > .node-line .parents").innerText()).resolves.toBe("from c1 + c2");
      await expect(merge.locator(":scope > .node-line .origin").innerText()).resolves.toBe("merge");
      const link = tree.locator('li[data-candidate-id="c2"] li.cross-link[data-child-id="c4"]');
      await expect(link.innerText()).resolves.toBe("also a parent of c4 (merge, shown under c1)");
      // Child sits to the right of its parent: a tree, not a flat list.
      const parentBox = await tree.locator('li[data-candidate-id="c1"] > .node-line').boundingBox();
      const childBox = await merge.locator(":scope > .node-line").boundingBox();
      expect(childBox!.x).toBeGreaterThan(parentBox!.x + 10);
      expect(childBox!.y).toBeGreaterThan(parentBox!.y);
    });
  });

  it("explains every column header with a tooltip and a visible legend", async () => {
    await withReport("report-headers", sampleRunRecord(), async (page) => {
      const headers = await page.locator("thead th").evaluateAll((ths) => ths.map((th) => [th.textContent, th.getAttribute("title") ?? ""]));
      expect(headers.length).toBeGreaterThan(30);
      expect(headers.filter(([, title]) => (title ?? "").length < 10)).toEqual([]);
      const legend = page.locator("#leaderboard dl.column-legend");
      await expect(legend.isVisible()).resolves.toBe(true);
      await expect(legend.innerText()).resolves.toMatch(/train mean\s+Mean reward over the training examples/);
      await expect(page.locator("#final-validation dl.column-legend").isVisible()).resolves.toBe(true);
      await expect(page.locator("#proposals dl.column-legend").isVisible()).resolves.toBe(true);
    });
  });
});
