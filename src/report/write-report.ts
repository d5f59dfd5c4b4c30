import type { RunRecord } from "../training/run-record.js";
import { writeFileAtomic } from "../training/files.js";
import { renderReport } from "./render-report.js";

/** Renders the run's HTML report and writes it atomically to `path` (folders are created, API-key-shaped text redacted). */
export async function writeReport(record: RunRecord, path: string): Promise<void> {
  await writeFileAtomic(path, renderReport(record));
}
