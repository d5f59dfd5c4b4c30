import { resolve } from "node:path";
import { readRunRecord } from "../../report/read-run-record.js";
import { writeReport } from "../../report/write-report.js";
import type { CliArguments } from "../arguments.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import type { CliOutput } from "../output.js";

/** `tunechain report <run.json> [--out report.html]`: the run record as a self-contained HTML page. */
export async function reportCommand(args: CliArguments, output: CliOutput): Promise<ExitCodeValue> {
  const recordPath = resolve(args.target!);
  const record = await readRunRecord(recordPath);
  const out = resolve(args.out ?? recordPath.replace(/\.json$/i, "") + ".html");
  await writeReport(record, out);
  output.info(`Report written to ${out} (status ${record.status}, ${record.history.length} steps, ${record.leaderboard.length} candidates).`);
  return ExitCode.ok;
}
