import { BudgetExceededError, ModelOptionsError } from "./errors.js";
import type {
  Budget,
  ModelRole,
  PriceTable,
  TokenUsage,
  UsageRecord,
  UsageSummary,
  UsageTotals,
} from "./types.js";

/**
 * What tunechain's loopback test server (src/testing) puts in `system_fingerprint` of every completion it
 * writes, so usage booked from its answers can say a scripted stand-in, not a language model, served them.
 */
export const STAND_IN_FINGERPRINT = "tunechain-stand-in";

/** One ledger line as stored in checkpoints. */
export interface SerializedUsageEntry extends UsageTotals {
  role: ModelRole;
  model: string;
  /** Present (true) when a stand-in answered at least one of these calls; absent otherwise. */
  standIn?: boolean;
}

/** Token usage of one answered call, and whether a stand-in answered it (see STAND_IN_FINGERPRINT). */
export interface BookedUsage extends TokenUsage {
  standIn?: boolean;
}

export interface SerializedUsageLedger {
  version: 1;
  entries: SerializedUsageEntry[];
}

export interface UsageLedgerOptions {
  /** Prices per model name, to compute costUsd; models not listed cost 0. */
  prices?: PriceTable;
}

/**
 * A claim on the budget for one call that is in flight. Exactly one of `commit` (the call answered) or
 * `release` (it failed without being billed) takes effect; later calls are ignored.
 */
export interface UsageReservation {
  commit(usage: BookedUsage): void;
  release(): void;
}

const ROLES: readonly ModelRole[] = ["task", "optimizer", "judge"];

function emptyTotals(): UsageTotals {
  return { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
}

function addInto(target: UsageTotals, source: UsageTotals): void {
  target.calls += source.calls;
  target.inputTokens += source.inputTokens;
  target.outputTokens += source.outputTokens;
  target.costUsd += source.costUsd;
}

function isNonNegativeNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** Throws ModelOptionsError when a budget field is not a non-negative number. */
export function assertValidBudget(budget: Budget): void {
  for (const key of ["maxCalls", "maxTokens", "maxCostUsd"] as const) {
    const value = budget[key];
    if (value !== undefined && !isNonNegativeNumber(value)) {
      throw new ModelOptionsError(
        `budget.${key} must be a non-negative finite number, got ${JSON.stringify(value)}. ` +
          `Pass e.g. { ${key}: 100 } or leave it out for no limit.`,
      );
    }
  }
}

/**
 * Calls, tokens and cost per role and model. Every adapter and the usage callback handler write here, and
 * budgets are enforced against it: calls in flight count as reserved so concurrent calls cannot overshoot.
 */
export class UsageLedger {
  private readonly prices: PriceTable;
  private readonly entries = new Map<string, SerializedUsageEntry>();
  private pending = 0;

  constructor(options: UsageLedgerOptions = {}) {
    this.prices = { ...(options.prices ?? {}) };
    for (const [model, price] of Object.entries(this.prices)) {
      if (!isNonNegativeNumber(price?.inputPerMillionUsd) || !isNonNegativeNumber(price?.outputPerMillionUsd)) {
        throw new ModelOptionsError(
          `The price of model '${model}' must be { inputPerMillionUsd, outputPerMillionUsd } with non-negative ` +
            `numbers, got ${JSON.stringify(price)}.`,
        );
      }
    }
  }

  /** Calls reserved and not yet answered. */
  get inFlight(): number {
    return this.pending;
  }

  /** Cost in USD of the given usage of `model` under the price table. */
  costOf(model: string, usage: TokenUsage): number {
    const price = this.prices[model];
    if (!price) return 0;
    return (usage.inputTokens * price.inputPerMillionUsd + usage.outputTokens * price.outputPerMillionUsd) / 1e6;
  }

  /** Adds one answered call; `standIn: true` marks its (role, model) line as served by a stand-in. */
  record(record: UsageRecord & { standIn?: boolean }): void {
    const key = `${record.role}\u0000${record.model}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { role: record.role, model: record.model, ...emptyTotals() };
      this.entries.set(key, entry);
    }
    addInto(entry, {
      calls: 1,
      inputTokens: record.inputTokens,
      outputTokens: record.outputTokens,
      costUsd: this.costOf(record.model, record),
    });
    if (record.standIn === true) entry.standIn = true;
  }

  /** Throws BudgetExceededError when one more call would pass `budget`. */
  check(budget: Budget | undefined): void {
    if (!budget) return;
    const total = this.summary().total;
    if (budget.maxCalls !== undefined && total.calls + this.pending + 1 > budget.maxCalls) {
      throw new BudgetExceededError(
        "maxCalls",
        budget.maxCalls,
        total.calls + this.pending,
        `${total.calls} call(s) made, ${this.pending} in flight`,
      );
    }
    const tokens = total.inputTokens + total.outputTokens;
    if (budget.maxTokens !== undefined && tokens >= budget.maxTokens) {
      throw new BudgetExceededError("maxTokens", budget.maxTokens, tokens, `${tokens} token(s) used`);
    }
    if (budget.maxCostUsd !== undefined && total.costUsd >= budget.maxCostUsd) {
      throw new BudgetExceededError(
        "maxCostUsd",
        budget.maxCostUsd,
        total.costUsd,
        `$${total.costUsd.toFixed(4)} spent`,
      );
    }
  }

  /** Checks the budget and holds a place for one call until it is committed or released. */
  reserve(budget: Budget | undefined, role: ModelRole, model: string): UsageReservation {
    this.check(budget);
    this.pending += 1;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.pending -= 1;
      return true;
    };
    return {
      commit: (usage) => {
        if (!settle()) return;
        this.record({
          role,
          model,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          ...(usage.standIn === true ? { standIn: true } : {}),
        });
      },
      release: () => {
        settle();
      },
    };
  }

  summary(): UsageSummary {
    const byRole: UsageSummary["byRole"] = {};
    const byModel: Record<string, UsageTotals> = {};
    const total = emptyTotals();
    for (const entry of this.sortedEntries()) {
      const totals: UsageTotals = {
        calls: entry.calls,
        inputTokens: entry.inputTokens,
        outputTokens: entry.outputTokens,
        costUsd: entry.costUsd,
      };
      addInto((byRole[entry.role] ??= emptyTotals()), totals);
      addInto((byModel[entry.model] ??= emptyTotals()), totals);
      addInto(total, totals);
    }
    return { byRole, byModel, total };
  }

  toJSON(): SerializedUsageLedger {
    return { version: 1, entries: this.sortedEntries().map((entry) => ({ ...entry })) };
  }

  /** Restores a ledger saved with `toJSON()` (e.g. from a checkpoint). */
  static fromJSON(json: SerializedUsageLedger, options: UsageLedgerOptions = {}): UsageLedger {
    const ledger = new UsageLedger(options);
    ledger.restore(json);
    return ledger;
  }

  /**
   * Replaces this ledger's totals with ones saved by `toJSON()`, so a resumed run counts what the interrupted
   * one spent. Validates everything first: an invalid save changes nothing.
   */
  restore(json: SerializedUsageLedger): void {
    if (json?.version !== 1 || !Array.isArray(json.entries)) {
      throw new ModelOptionsError(
        "Not a saved usage ledger: expected { version: 1, entries: [...] } as written by UsageLedger.toJSON().",
      );
    }
    for (const entry of json.entries) {
      const numbersOk = [entry.calls, entry.inputTokens, entry.outputTokens, entry.costUsd].every(isNonNegativeNumber);
      const standInOk = entry.standIn === undefined || typeof entry.standIn === "boolean";
      if (!ROLES.includes(entry.role) || typeof entry.model !== "string" || !numbersOk || !standInOk) {
        throw new ModelOptionsError(
          `Saved usage ledger has an invalid entry ${JSON.stringify(entry)}: role must be one of ` +
            `${ROLES.join(", ")}, model a string, the counts non-negative numbers, and standIn (optional) a boolean.`,
        );
      }
    }
    this.entries.clear();
    for (const { standIn, ...entry } of json.entries) {
      this.entries.set(`${entry.role}\u0000${entry.model}`, { ...entry, ...(standIn === true ? { standIn: true } : {}) });
    }
  }

  private sortedEntries(): SerializedUsageEntry[] {
    return [...this.entries.values()].sort(
      (a, b) => a.role.localeCompare(b.role) || a.model.localeCompare(b.model),
    );
  }
}
