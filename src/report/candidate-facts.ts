import stringify from "safe-stable-stringify";
import type { CandidateRecord } from "../optimizers/candidate-record.js";
import { escapeHtml } from "./escape-html.js";

type Values = Readonly<Record<string, Record<string, unknown>>>;

/** What each origin of a candidate means, for legends and tooltips. */
export const ORIGIN_MEANINGS: Readonly<Record<string, string>> = {
  seed: "the seed prompts: the values the program started with",
  "in place": "the values in place when a later step began (another optimizer had changed them)",
  proposal: "rewritten by the optimizer model from the answers and feedback it was shown",
  mutation: "one parent rewritten by the optimizer model",
  merge: "components of two candidates that improved different things, put together (GEPA merge)",
  crossover: "two parents combined by the optimizer model",
  demos: "few-shot examples drawn from well-scored answers",
};

/** True when every key of every variable the candidate holds has the final value: the program kept it. */
export function isFinalCandidate(candidate: CandidateRecord, finalValues: Values): boolean {
  const variables = Object.entries(candidate.values ?? {});
  return (
    variables.length > 0 &&
    variables.every(([name, value]) => {
      const final = finalValues[name];
      return final !== undefined && Object.keys(value).every((key) => stringify(value[key]) === stringify(final[key]));
    })
  );
}

/** The "final" badge after a candidate id, when the final program holds its values. */
export function finalBadge(isFinal: boolean): string {
  return isFinal ? `<span class="badge final" title="The final program holds this candidate's values.">final</span>` : "";
}

/** The origin as a tag with its meaning as tooltip; the seed reads "seed prompts" (never "seed": that is the random seed). */
export function originTag(origin: string): string {
  return (
    `<span class="origin origin-${escapeHtml(origin.replace(/[^a-z0-9-]/gi, "-"))}" title="${escapeHtml(ORIGIN_MEANINGS[origin] ?? origin)}">` +
    `${escapeHtml(origin === "seed" ? "seed prompts" : origin)}</span>`
  );
}

/** "from c0" / "from c1 + c2": the parents as code ids. Empty for a root. */
export function parentsText(parents: readonly string[]): string {
  if (parents.length === 0) return "";
  return `<span class="parents">from ${parents.map((id) => `<code>${escapeHtml(id)}</code>`).join(" + ")}</span>`;
}

/** The components a candidate rewrote, or a dash. */
export function changedText(changed: readonly string[] | undefined): string {
  if (!changed || changed.length === 0) return `<span class="muted">–</span>`;
  return changed.map((component) => `<code class="component">${escapeHtml(component)}</code>`).join(" ");
}
