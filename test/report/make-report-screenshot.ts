/**
 * Regenerates docs/report.png, the README's picture of a report: the sample run record rendered in headless
 * Chromium (/usr/bin/chromium) and shot from the top down to the candidate lineage (the leaderboards, final
 * values, program runs, usage and settings below it would make the picture three times as tall).
 *
 *   npx tsx test/report/make-report-screenshot.ts
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeReport } from "../../src/report/index.js";
import { launchChromium } from "./chromium.js";
import { sampleRunRecord } from "./sample-run-record.js";

const OUT = join(import.meta.dirname, "..", "..", "docs", "report.png");

const file = join(await mkdtemp(join(tmpdir(), "tunechain-report-")), "report.html");
await writeReport(sampleRunRecord(), file);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(`file://${file}`);
  const lineage = await page.locator("#lineage").boundingBox();
  if (!lineage) throw new Error("The report has no #lineage section to end the picture at.");
  await page.screenshot({ path: OUT, fullPage: true, clip: { x: 0, y: 0, width: 1100, height: Math.ceil(lineage.y + lineage.height + 16) } });
  console.log(`Wrote ${OUT}`);
} finally {
  await browser.close();
}
