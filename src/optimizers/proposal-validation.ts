import type { TemplateFormat } from "@langchain/core/prompts";
import { placeholderProblems } from "../prompts/placeholders.js";
import { formatIssues } from "../variables/errors.js";
import type { JsonSchema } from "../variables/schema.js";
import { validateAgainstSchema } from "../variables/validator.js";
import type { RejectionReason } from "./program/pool-state.js";

/** Why a proposal cannot be used, and which kind of failure it is. */
export interface ProposalProblem {
  reason: RejectionReason;
  message: string;
}

/**
 * Why a proposed value cannot be used: it does not fit the (restricted) schema, or a text changed the
 * placeholders of its template (checked with the parser of each text's template format). Empty when the
 * proposal is acceptable.
 */
export function proposalProblems(
  proposal: unknown,
  restrictedSchema: JsonSchema,
  current: Record<string, unknown>,
  options: { checkPlaceholders: boolean; formats?: Record<string, TemplateFormat | null> },
): ProposalProblem[] {
  const issues = validateAgainstSchema(restrictedSchema, proposal);
  if (issues.length > 0) return [{ reason: "schema", message: `The value does not match the schema:\n${formatIssues(issues)}` }];
  if (!options.checkPlaceholders) return [];
  const value = proposal as Record<string, unknown>;
  const problems: ProposalProblem[] = [];
  for (const [key, before] of Object.entries(current)) {
    const after = value[key];
    if (typeof before !== "string" || typeof after !== "string") continue;
    const format = options.formats?.[key] === undefined ? "f-string" : options.formats[key];
    if (format === null) continue;
    for (const message of placeholderProblems(key, before, after, format)) {
      problems.push({ reason: "placeholders", message });
    }
  }
  return problems;
}
