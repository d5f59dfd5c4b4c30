import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../../src/report/index.js";
import { sampleRunRecord } from "./sample-run-record.js";

const CHROMIUM = "/usr/bin/chromium";
const OUT_DIR = join(import.meta.dirname, "..", ".tmp");

// CI installs Chromium (.ci/system-deps.sh); a machine without it and without root skips, and says why.
describe.skipIf(!existsSync(CHROMIUM))("report in headless Chromium", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows the curve, the leaderboard in score order, and no console error", async () => {
    await mkdir(OUT_DIR, { recursive: true });
    const file = join(OUT_DIR, "report.html");
    await writeReport(sampleRunRecord(), file);

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

    const trainPath = page.locator("svg.reward-curve path.curve-train");
    await expect(trainPath.isVisible()).resolves.toBe(true);
    const d = (await trainPath.getAttribute("d")) ?? "";
    expect(d.match(/[ML]/g)).toHaveLength(6);
    const box = await trainPath.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
    expect(await page.locator("svg.reward-curve circle.point-validation").count()).toBe(2);

    const table = page.locator('table.leaderboard[data-optimizer="instruction_optimizer"]');
    await expect(table.isVisible()).resolves.toBe(true);
    const ids = await table.locator("tbody tr td.id code").allInnerTexts();
    expect(ids).toEqual(["c1", "c0", "c2"]);
    const validation = await table.locator("tbody tr td.validation").allInnerTexts();
    expect(validation.slice(0, 2)).toEqual(["0.875", "0.500"]);
    await expect(table.locator("tr.is-final td.id code").innerText()).resolves.toBe("c1");
    // The escaped angle brackets of candidate c2 read as text on the page.
    await expect(table.locator('tr[data-candidate-id="c2"] td.value').innerText()).resolves.toContain("<positive>");

    const usageText = await page.locator("table.usage").innerText();
    expect(usageText).toContain("optimizer");
    expect(usageText).toContain("16,000");

    await page.screenshot({ path: join(OUT_DIR, "report.png"), fullPage: true });
    expect(problems).toEqual([]);
    expect(requests).toEqual([`file://${file}`]);
    await page.close();
  });
});
