import type { CandidateValues } from "../../data/scored-prediction.js";
import type { Variable } from "../../variables/variable.js";

/**
 * One text (or list) an optimizer can rewrite: one of its keys in one variable. GEPA calls these the named
 * components of a program candidate; each is rewritten from its own trace.
 */
export interface Component {
  /** `variable` when the optimizer owns one key, `variable.key` otherwise; unique within a program. */
  id: string;
  variable: string;
  key: string;
}

/** The components of `variables` for an optimizer owning `keys`, in program order then key order. */
export function componentsOf(variables: readonly Variable<object>[], keys: readonly string[]): Component[] {
  const components: Component[] = [];
  for (const variable of variables) {
    const value = variable.json() as Record<string, unknown>;
    for (const key of keys) {
      if (!(key in value)) continue;
      components.push({ id: keys.length === 1 ? variable.name : `${variable.name}.${key}`, variable: variable.name, key });
    }
  }
  return components;
}

/** The component's value in `values`. */
export function componentValue(values: CandidateValues, component: Component): unknown {
  return values[component.variable]?.[component.key];
}

/** A copy of `values` with `component` set to `value`. */
export function withComponentValue(values: CandidateValues, component: Component, value: unknown): CandidateValues {
  const copy = structuredClone(values);
  copy[component.variable] = { ...copy[component.variable], [component.key]: value };
  return copy;
}

/** How a meta-prompt names the component: "the instructions of prompt 'extract'". */
export function describeComponent(component: Component): string {
  return `the ${component.key} of prompt '${component.variable}'`;
}

/** A JSON property name for the component in a joint proposal (letters, digits and underscores). */
export function propertyName(component: Component): string {
  return component.id.replace(/[^A-Za-z0-9_]/g, "_");
}
