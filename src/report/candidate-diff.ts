import { diffLines, diffWordsWithSpace, type ChangeObject } from "diff";
import { escapeHtml } from "./escape-html.js";

/**
 * HTML of a candidate's value of one variable against its seed prompt's value, key by key: text keys diffed
 * word by word, other keys (few-shot example lists, JSON parts) line by line on their pretty JSON. Unchanged
 * keys say so.
 */
export function renderCandidateDiff(
  seed: Record<string, unknown> | undefined,
  candidate: Record<string, unknown>,
): string {
  const keys = Object.keys(candidate);
  if (keys.length === 0) return `<span class="muted">(empty value)</span>`;
  return keys
    .map((key) => {
      const before = seed?.[key];
      const after = candidate[key];
      const changes =
        typeof after === "string" && (typeof before === "string" || before === undefined)
          ? diffWordsWithSpace(before ?? "", after)
          : diffLines(prettyJson(before), prettyJson(after));
      const unchanged = changes.every((change) => !change.added && !change.removed);
      const body = unchanged
        ? `<span class="muted">unchanged from the seed prompts</span>`
        : mostlyRewritten(changes)
          ? // Interleaved word changes are unreadable when little is kept: show old and new whole.
            `<pre class="diff"><del>${escapeHtml(textOf(before))}</del>\n<ins>${escapeHtml(textOf(after))}</ins></pre>`
          : `<pre class="diff">${changes.map(renderChange).join("")}</pre>`;
      return `<div class="diff-key"><span class="key">${escapeHtml(key)}</span>${body}</div>`;
    })
    .join("");
}

function renderChange(change: ChangeObject<string>): string {
  const text = escapeHtml(change.value);
  if (change.added) return `<ins>${text}</ins>`;
  if (change.removed) return `<del>${text}</del>`;
  return text;
}

/** Less than 60% of the seed text survives unchanged (whitespace aside); an appended hint keeps 100%. */
function mostlyRewritten(changes: readonly ChangeObject<string>[]): boolean {
  const size = (list: readonly ChangeObject<string>[]) => list.reduce((sum, c) => sum + c.value.trim().length, 0);
  const kept = size(changes.filter((c) => !c.added && !c.removed));
  const seed = size(changes.filter((c) => !c.added));
  return seed > 0 && kept / seed < 0.6;
}

function textOf(value: unknown): string {
  return typeof value === "string" ? value : prettyJson(value).trimEnd();
}

function prettyJson(value: unknown): string {
  return value === undefined ? "" : `${JSON.stringify(value, null, 2)}\n`;
}
