import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { CallbackManager, Callbacks } from "@langchain/core/callbacks/manager";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Budget } from "../models/types.js";
import { createUsageHandler } from "../models/usage-handler.js";
import type { UsageLedger } from "../models/usage-ledger.js";

/**
 * The run config with a usage handler that books the chain's own model calls (role "task") into `ledger`
 * and refuses them past `budget`. A config that already carries a tunechain usage handler is returned as
 * is: two handlers would count every call twice.
 */
export function withTaskUsage(config: RunnableConfig | undefined, ledger: UsageLedger, budget?: Budget): RunnableConfig {
  const handler = createUsageHandler({ ledger, role: "task", ...(budget ? { budget } : {}) });
  const isUsageHandler = (candidate: unknown) => (candidate as BaseCallbackHandler | undefined)?.name === handler.name;
  const given = config?.callbacks;
  let callbacks: Callbacks;
  if (!given) callbacks = [handler];
  else if (Array.isArray(given)) callbacks = given.some(isUsageHandler) ? given : [...given, handler];
  else {
    const manager = given as CallbackManager;
    callbacks = manager.handlers.some(isUsageHandler) ? manager : manager.copy([handler]);
  }
  return { ...config, callbacks };
}
