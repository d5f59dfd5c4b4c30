import type { ModelRole, UsageSummary, UsageTotals } from "../models/types.js";
import { escapeHtml } from "./escape-html.js";
import { formatInteger, formatUsd } from "./format.js";

const ROLE_ORDER: readonly ModelRole[] = ["task", "optimizer", "judge"];

/** Calls, tokens and cost per model role, with the total as the last row. */
export function renderUsageTable(usage: UsageSummary): string {
  const roles = ROLE_ORDER.filter((role) => usage.byRole[role] !== undefined);
  const row = (label: string, totals: UsageTotals, className: string) =>
    `<tr class="${className}"><th scope="row">${escapeHtml(label)}</th>` +
    `<td class="num">${formatInteger(totals.calls)}</td>` +
    `<td class="num">${formatInteger(totals.inputTokens)}</td>` +
    `<td class="num">${formatInteger(totals.outputTokens)}</td>` +
    `<td class="num">${formatUsd(totals.costUsd)}</td></tr>`;
  const rows = roles.map((role) => row(role, usage.byRole[role]!, `role role-${role}`));
  rows.push(row("total", usage.total, "total"));
  const note =
    usage.total.costUsd === 0 && usage.total.calls > 0
      ? `<p class="muted">Cost shows $0 when no price table covered the models used.</p>`
      : "";
  return (
    `<table class="usage"><thead><tr><th>role</th><th>calls</th><th>input tokens</th>` +
    `<th>output tokens</th><th>cost</th></tr></thead><tbody>${rows.join("")}</tbody></table>${note}`
  );
}
