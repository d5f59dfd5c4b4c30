import type { RunnableConfig } from "@langchain/core/runnables";

/**
 * Key under `config.configurable` where a run carries values to use instead of variables' current values.
 * The training loop evaluates several candidates at once this way, without mutating shared variables.
 */
export const OVERRIDES_CONFIG_KEY = "tunechain";

export type VariableOverrides = Record<string, Record<string, unknown>>;

/** A copy of `config` whose runs read `overrides[name]` in place of the variable named `name`. */
export function withVariableOverrides<C extends RunnableConfig>(config: C | undefined, overrides: VariableOverrides): C {
  const base = (config ?? {}) as C;
  const previous = readOverrides(base) ?? {};
  return {
    ...base,
    configurable: { ...base.configurable, [OVERRIDES_CONFIG_KEY]: { ...previous, ...overrides } },
  };
}

/** The overrides a run carries, if any. */
export function readOverrides(config: RunnableConfig | undefined): VariableOverrides | undefined {
  const value: unknown = config?.configurable?.[OVERRIDES_CONFIG_KEY];
  return typeof value === "object" && value !== null ? (value as VariableOverrides) : undefined;
}
