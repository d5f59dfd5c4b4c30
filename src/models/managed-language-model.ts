import type { LanguageModel, ModelRole } from "./types.js";
import type { UsageLedger } from "./usage-ledger.js";

/** A LanguageModel made by one of tunechain's adapters: it records into a ledger under a role. */
export interface ManagedLanguageModel extends LanguageModel {
  readonly role: ModelRole;
  /** Where this model's calls are recorded (the one passed in options, or its own). */
  readonly ledger: UsageLedger;
  /** Requests holding a concurrency slot right now. */
  readonly activeCalls: number;
}
