import type { ProposalStats } from "../optimizers/optimizer.js";
import { columnLegend, tableHead, type Column } from "./columns.js";
import { escapeHtml } from "./escape-html.js";
import { formatInteger } from "./format.js";

type Kind = "failed" | "refused";

/** Every refusal reason optimizers record: whether the optimizer model failed, and what the reason means. */
const REASONS: Record<string, { kind: Kind; meaning: string }> = {
  "model-error": { kind: "failed", meaning: "the call to the optimizer model failed, after its retries" },
  "not-json": { kind: "failed", meaning: "the optimizer model's answer was not JSON" },
  schema: { kind: "failed", meaning: "the proposed value did not fit the variable's schema, even after a repair round" },
  placeholders: { kind: "failed", meaning: "the proposed text changed its template's placeholders (dropped or added an {input} variable)" },
  duplicate: { kind: "refused", meaning: "the proposal repeats a candidate already tried" },
  budget: { kind: "refused", meaning: "the metric budget could not pay for scoring the proposal" },
  "below-parent": { kind: "refused", meaning: "scored, and not better than the candidate it came from" },
  "no-evidence": { kind: "refused", meaning: "not enough scored examples yet to build or judge a proposal" },
};

const KIND_NAMES: Record<Kind, string> = {
  failed: "optimizer model failed",
  refused: "refused after checking",
};

const COLUMNS: readonly Column[] = [
  { label: "reason", help: "Why the proposal was not kept, as the optimizer recorded it." },
  { label: "count", help: "Proposals refused for this reason.", numeric: true },
  { label: "kind", help: "\"optimizer model failed\": it gave nothing usable (counted in failed); \"refused after checking\": not kept for another reason (a repeat, the budget, its score)." },
  { label: "what it means", help: "The reason in words." },
];

/**
 * How each optimizer's proposals fared: how many it asked for, how many the optimizer model failed to give
 * usably, and every refusal counted by reason — failures first. Warns when more than half failed (the run
 * then "completes" having learnt nothing) and quotes the latest failure.
 */
export function renderProposals(stats: readonly ProposalStats[]): string {
  if (stats.length === 0) {
    return `<p class="empty">No optimizer of this run reported proposal counts (none proposes through a model, or the record predates them).</p>`;
  }
  return stats.map(renderOne).join("\n") + columnLegend(COLUMNS);
}

function renderOne(stat: ProposalStats): string {
  const reasons = Object.entries(stat.rejected)
    .filter(([, count]) => count > 0)
    .sort(([a, countA], [b, countB]) => kindRank(a) - kindRank(b) || countB - countA || a.localeCompare(b));
  const refused = reasons.filter(([reason]) => kindRank(reason) > 0).reduce((sum, [, count]) => sum + count, 0);
  const mostlyFailed = stat.proposals > 0 && stat.failed * 2 > stat.proposals;
  const headline =
    `<p class="proposal-totals"><strong>${formatInteger(stat.proposals)}</strong> proposals asked for: ` +
    `<strong>${formatInteger(stat.failed)}</strong> failed (the optimizer model gave nothing usable), ` +
    `<strong>${formatInteger(refused)}</strong> refused after checking.</p>`;
  const warning = mostlyFailed
    ? `<p class="warn">More than half of the proposals failed: the run learnt little from this optimizer. Check the optimizer model ` +
      `(a model that answers prose instead of JSON needs structuredOutput: "prompted" or a more capable model).</p>`
    : "";
  const latest = stat.latestFailure
    ? `<p class="latest-failure">Latest failure: <code>${escapeHtml(stat.latestFailure)}</code></p>`
    : "";
  const table =
    reasons.length === 0
      ? `<p class="empty">No proposal was refused.</p>`
      : `<table class="proposals" data-optimizer="${escapeHtml(stat.optimizer)}">${tableHead(COLUMNS)}<tbody>` +
        reasons
          .map(([reason, count]) => {
            const known = REASONS[reason];
            const kind = known?.kind;
            return (
              `<tr class="reason${kind ? ` kind-${kind}` : ""}" data-reason="${escapeHtml(reason)}"><td><code>${escapeHtml(reason)}</code></td>` +
              `<td class="num count">${formatInteger(count)}</td><td>${kind ? KIND_NAMES[kind] : "–"}</td>` +
              `<td class="muted">${escapeHtml(known?.meaning ?? "")}</td></tr>`
            );
          })
          .join("") +
        `</tbody></table>`;
  return (
    `<section class="proposal-group${mostlyFailed ? " mostly-failed" : ""}" data-optimizer="${escapeHtml(stat.optimizer)}">` +
    `<h3>${escapeHtml(stat.optimizer)}</h3>${headline}${warning}${table}${latest}</section>`
  );
}

/** Failures of the optimizer model first, then refusals, then reasons this version does not know. */
function kindRank(reason: string): number {
  const kind = REASONS[reason]?.kind;
  return kind === "failed" ? 0 : kind === "refused" ? 1 : 2;
}
