// Public API of src/training, re-exported by src/index.ts.
export type { HistoryEntry, RunRecord } from "./run-record.js";
