import type { Budget, UsageSummary } from "../models/types.js";

/**
 * What fit needs from a usage ledger (UsageLedger of src/models fits): totals to report, a JSON form to
 * checkpoint, and optionally a budget check before each batch.
 */
export interface UsageSource {
  summary(): UsageSummary;
  toJSON(): unknown;
  check?(budget: Budget | undefined): void;
  record?(record: { role: "task" | "optimizer" | "judge"; model: string; inputTokens: number; outputTokens: number }): void;
}

interface SavedEntry {
  role: "task" | "optimizer" | "judge";
  model: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

/**
 * Puts a checkpoint's usage back into the ledger so budgets count what the interrupted run already spent.
 * The ledger must be fresh; its entries are replayed call by call (tokens on the first call of each line).
 */
export function restoreUsage(ledger: UsageSource, saved: unknown): void {
  const entries = (saved as { entries?: SavedEntry[] } | undefined)?.entries;
  if (!Array.isArray(entries) || typeof ledger.record !== "function") return;
  for (const entry of entries) {
    for (let call = 0; call < entry.calls; call++) {
      ledger.record({
        role: entry.role,
        model: entry.model,
        inputTokens: call === 0 ? entry.inputTokens : 0,
        outputTokens: call === 0 ? entry.outputTokens : 0,
      });
    }
  }
}
