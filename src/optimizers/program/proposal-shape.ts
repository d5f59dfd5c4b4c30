import type { TemplateFormat } from "@langchain/core/prompts";
import type { CandidateValues } from "../../data/scored-prediction.js";
import { restrictSchema, type JsonSchema } from "../../variables/schema.js";
import type { Variable } from "../../variables/variable.js";
import type { ComponentInfo } from "../context.js";
import { type Component, componentValue, propertyName, withComponentValue } from "./components.js";

// The shape of a proposal for some components: the JSON the optimizer model fills (one property per
// component, the key itself for one), and how it maps back onto program values.

function variableOf(variables: readonly Variable<object>[], component: Component): Variable<object> {
  const variable = variables.find((v) => v.name === component.variable);
  if (!variable) throw new Error(`no variable '${component.variable}' among the step's variables`);
  return variable;
}

/** The JSON schema a proposal for `components` must satisfy (each key's schema taken from its variable). */
export function proposalSchema(variables: readonly Variable<object>[], components: readonly Component[]): JsonSchema {
  if (components.length === 1) {
    const component = components[0] as Component;
    const schema = variableOf(variables, component).schema();
    return restrictSchema({ ...schema, required: [...new Set([...(schema.required ?? []), component.key])] }, [component.key]);
  }
  const properties: Record<string, JsonSchema> = {};
  for (const component of components) {
    properties[propertyName(component)] = variableOf(variables, component).schema().properties?.[component.key] ?? {};
  }
  return { type: "object", properties, required: Object.keys(properties), additionalProperties: false };
}

/** The property names a proposal for `components` uses, with the component each stands for. */
export function proposalProperties(components: readonly Component[]): { property: string; component: Component }[] {
  if (components.length === 1) return [{ property: (components[0] as Component).key, component: components[0] as Component }];
  return components.map((component) => ({ property: propertyName(component), component }));
}

/** The current values of `components` in `values`, keyed like a proposal for them. */
export function proposalCurrent(values: CandidateValues, components: readonly Component[]): Record<string, unknown> {
  return Object.fromEntries(proposalProperties(components).map(({ property, component }) => [property, componentValue(values, component)]));
}

/**
 * Template formats of the proposal's text properties (for the placeholder check): a prompt's own format,
 * f-string when unknown; a tool's description is no template, so it is not checked (null).
 */
export function proposalFormats(
  infos: readonly ComponentInfo[] | undefined,
  components: readonly Component[],
): Record<string, TemplateFormat | null> {
  return Object.fromEntries(
    proposalProperties(components).map(({ property, component }) => {
      const info = infos?.find((c) => c.name === component.variable);
      return [property, info?.kind === "tool" ? null : (info?.templateFormat ?? "f-string")];
    }),
  );
}

/** `values` with a proposal for `components` put in. */
export function applyProposal(values: CandidateValues, components: readonly Component[], proposal: Record<string, unknown>): CandidateValues {
  let result = values;
  for (const { property, component } of proposalProperties(components)) {
    if (property in proposal) result = withComponentValue(result, component, proposal[property]);
  }
  return result;
}
