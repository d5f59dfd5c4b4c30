import type { ModelRecord } from "../training/run-record.js";
import { tableHead, type Column } from "./columns.js";
import { escapeHtml } from "./escape-html.js";

const COLUMNS: readonly Column[] = [
  { label: "role", help: "What the model worked for: task (the program's own calls), optimizer (writing proposals) or judge (scoring answers)." },
  { label: "model", help: "The model name as the adapter or the LangChain run reported it." },
  {
    label: "served by",
    help: "\"scripted stand-in\" when answers carried the mark of tunechain's loopback test server (answers written by code, not a language model); \"model API\" otherwise.",
  },
];

/**
 * A banner at the top of the page when a scripted stand-in answered any of the run's calls: its scores say
 * how the script behaves, not how a language model would. Nothing when every model was real.
 */
export function renderStandInBanner(models: readonly ModelRecord[]): string {
  const standIns = models.filter((model) => model.standIn);
  if (standIns.length === 0) return "";
  const which = standIns.map((model) => `${model.role}: ${model.model}`).join(", ");
  return (
    `<div class="stand-in-banner" role="note"><strong>A scripted stand-in served this run</strong> (${escapeHtml(which)}). ` +
    `Its answers come from a script on tunechain's loopback test server, not from a language model: the scores ` +
    `below show how the script reacts to the prompts, not how a real model would.</div>`
  );
}

/** The models that served the run, by role, and whether each was a stand-in. */
export function renderModelsTable(models: readonly ModelRecord[]): string {
  if (models.length === 0) {
    return `<p class="empty">The run recorded no model (fit was given no usage ledger).</p>`;
  }
  const rows = models.map(
    (model) =>
      `<tr class="model${model.standIn ? " is-stand-in" : ""}"><td>${escapeHtml(model.role)}</td>` +
      `<td><code>${escapeHtml(model.model)}</code></td>` +
      `<td>${model.standIn ? `<span class="badge stand-in">scripted stand-in</span>` : "model API"}</td></tr>`,
  );
  return `<table class="models">${tableHead(COLUMNS)}<tbody>${rows.join("")}</tbody></table>`;
}
