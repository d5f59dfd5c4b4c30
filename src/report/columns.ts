import { escapeHtml } from "./escape-html.js";

/** A table column: its header, what it means, and whether it holds numbers (right-aligned). */
export interface Column {
  label: string;
  help: string;
  numeric?: boolean;
}

/**
 * The header row of a table whose columns explain themselves: each header carries its meaning as a tooltip
 * (`title`), and `columnLegend` prints the same meanings under the table for readers who do not hover.
 */
export function tableHead(columns: readonly Column[]): string {
  const cells = columns.map(
    (column) =>
      `<th scope="col"${column.numeric ? ` class="num"` : ""} title="${escapeHtml(column.help)}">${escapeHtml(column.label)}</th>`,
  );
  return `<thead><tr>${cells.join("")}</tr></thead>`;
}

/** The columns' meanings as a visible legend (a definition list), in table order. */
export function columnLegend(columns: readonly Column[]): string {
  const items = columns.map((column) => `<dt>${escapeHtml(column.label)}</dt><dd>${escapeHtml(column.help)}</dd>`);
  return `<dl class="column-legend">${items.join("")}</dl>`;
}
