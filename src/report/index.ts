// Public API of src/report, re-exported by src/index.ts.
export { renderReport } from "./render-report.js";
export { writeReport } from "./write-report.js";
export { parseRunRecord, readRunRecord } from "./read-run-record.js";
export { rankCandidates } from "./leaderboard.js";
export { RunRecordError } from "./errors.js";
