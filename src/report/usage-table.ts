import type { ModelRole, UsageSummary, UsageTotals } from "../models/types.js";
import { tableHead, type Column } from "./columns.js";
import { escapeHtml } from "./escape-html.js";
import { formatInteger, formatUsd } from "./format.js";

const ROLE_ORDER: readonly ModelRole[] = ["task", "optimizer", "judge"];

const COLUMNS: readonly Column[] = [
  { label: "role", help: "task: the program's own model calls; optimizer: writing proposals; judge: scoring answers." },
  { label: "calls", help: "Model calls answered (failed calls that were not billed are not counted).", numeric: true },
  { label: "input tokens", help: "Prompt tokens, as the provider reported them.", numeric: true },
  { label: "output tokens", help: "Answer tokens, as the provider reported them.", numeric: true },
  { label: "cost", help: "From the price table given to the usage ledger; $0 for models it does not list.", numeric: true },
];

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
    `<table class="usage">${tableHead(COLUMNS)}<tbody>${rows.join("")}</tbody></table>${note}`
  );
}
