import { escapeHtml } from "./escape-html.js";
import { formatValue } from "./format.js";

/** The run's settings as a two-column table, keys in the order the run recorded them. */
export function renderSettingsTable(settings: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(settings).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return `<p class="empty">The run recorded no settings.</p>`;
  const rows = entries.map(
    ([key, value]) => `<tr><th scope="row">${escapeHtml(key)}</th><td><code>${escapeHtml(formatValue(value))}</code></td></tr>`,
  );
  return `<table class="settings"><tbody>${rows.join("")}</tbody></table>`;
}
