import type { RunnableConfig } from "@langchain/core/runnables";
import type { Budget } from "../models/types.js";
import { createUsageHandler } from "../models/usage-handler.js";
import type { UsageLedger } from "../models/usage-ledger.js";
import { hasCallbackHandler, withCallbackHandler } from "../traces/callbacks.js";

/**
 * The run config with a usage handler that books the chain's own model calls (role "task") into `ledger`
 * and refuses them past `budget`. A config that already carries a tunechain usage handler is returned as
 * is: two handlers would count every call twice.
 */
export function withTaskUsage(config: RunnableConfig | undefined, ledger: UsageLedger, budget?: Budget): RunnableConfig {
  const handler = createUsageHandler({ ledger, role: "task", ...(budget ? { budget } : {}) });
  if (hasCallbackHandler(config?.callbacks, handler.name)) return { ...config };
  return { ...config, callbacks: withCallbackHandler(config?.callbacks, handler) };
}
