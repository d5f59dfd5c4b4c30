import { formatIssues } from "../variables/errors.js";
import type { JsonSchema } from "../variables/schema.js";
import { validateAgainstSchema } from "../variables/validator.js";
import { placeholderProblems } from "./placeholders.js";

/**
 * Why a proposed value of an optimizer's keys cannot be used: it does not fit the (restricted) schema, or a
 * text changed the template's placeholders. Empty when the proposal is acceptable.
 */
export function proposalProblems(
  proposal: unknown,
  restrictedSchema: JsonSchema,
  current: Record<string, unknown>,
  options: { checkPlaceholders: boolean },
): string[] {
  const issues = validateAgainstSchema(restrictedSchema, proposal);
  if (issues.length > 0) return [`The value does not match the schema:\n${formatIssues(issues)}`];
  if (!options.checkPlaceholders) return [];
  const value = proposal as Record<string, unknown>;
  const problems: string[] = [];
  for (const [key, before] of Object.entries(current)) {
    const after = value[key];
    if (typeof before === "string" && typeof after === "string") problems.push(...placeholderProblems(key, before, after));
  }
  return problems;
}
