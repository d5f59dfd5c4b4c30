import type { CandidateRecord } from "../optimizers/candidate-record.js";
import { changedText, finalBadge, isFinalCandidate, ORIGIN_MEANINGS, originTag } from "./candidate-facts.js";
import { escapeHtml } from "./escape-html.js";
import { formatInteger, formatScore } from "./format.js";

type Values = Readonly<Record<string, Record<string, unknown>>>;

/** One optimizer's candidates as a forest: each child under its first parent, other parents linking to it. */
interface Forest {
  byId: Map<string, CandidateRecord>;
  roots: CandidateRecord[];
  children: Map<string, CandidateRecord[]>;
  /** Children that list the key as a second (or later) parent: merges and crossovers. */
  alsoParentOf: Map<string, CandidateRecord[]>;
}

/**
 * Each optimizer's candidates as a tree, parent → child: a child sits under its first parent, and a merge
 * or crossover names both parents and is linked from its second parent too. Parents the optimizer no longer
 * keeps are named as such, and their children shown as roots.
 */
export function renderLineage(leaderboard: readonly CandidateRecord[], finalValues: Values): string {
  const optimizers = [...new Set(leaderboard.map((candidate) => candidate.optimizer))];
  if (optimizers.length === 0) return `<p class="empty">No optimizer recorded a candidate, so there is no lineage.</p>`;
  const trees = optimizers
    .map((optimizer) => {
      const forest = buildForest(leaderboard.filter((candidate) => candidate.optimizer === optimizer));
      const seen = new Set<string>();
      const items = forest.roots.map((root) => renderNode(root, forest, finalValues, seen));
      // Candidates only reachable through a cycle of parents (a damaged record) are still shown, as roots.
      for (const candidate of forest.byId.values()) {
        if (!seen.has(candidate.id)) items.push(renderNode(candidate, forest, finalValues, seen));
      }
      return (
        `<section class="lineage-group"><h3>${escapeHtml(optimizer)}</h3>` +
        `<ul class="lineage tree" data-optimizer="${escapeHtml(optimizer)}">${items.join("")}</ul></section>`
      );
    })
    .join("\n");
  return trees + originLegend(leaderboard);
}

/** What the origins seen in the run mean. */
function originLegend(leaderboard: readonly CandidateRecord[]): string {
  const origins = [...new Set(leaderboard.map((candidate) => candidate.origin))];
  const items = origins.map((origin) => `<dt>${originTag(origin)}</dt><dd>${escapeHtml(ORIGIN_MEANINGS[origin] ?? "as the optimizer named it")}</dd>`);
  return `<dl class="origin-legend">${items.join("")}</dl>`;
}

function buildForest(candidates: readonly CandidateRecord[]): Forest {
  const byId = new Map<string, CandidateRecord>();
  for (const candidate of candidates) if (!byId.has(candidate.id)) byId.set(candidate.id, candidate);
  const forest: Forest = { byId, roots: [], children: new Map(), alsoParentOf: new Map() };
  for (const candidate of byId.values()) {
    const kept = (candidate.parents ?? []).filter((id) => id !== candidate.id && byId.has(id));
    const [home, ...others] = kept;
    if (home === undefined) forest.roots.push(candidate);
    else push(forest.children, home, candidate);
    for (const other of new Set(others)) if (other !== home) push(forest.alsoParentOf, other, candidate);
  }
  forest.roots.sort(byBirth);
  for (const list of [...forest.children.values(), ...forest.alsoParentOf.values()]) list.sort(byBirth);
  return forest;
}

function renderNode(candidate: CandidateRecord, forest: Forest, finalValues: Values, seen: Set<string>): string {
  seen.add(candidate.id);
  const isFinal = isFinalCandidate(candidate, finalValues);
  const parents = candidate.parents ?? [];
  const parentList =
    parents.length === 0
      ? ""
      : ` <span class="parents">from ${parents
          .map((id) => `<code>${escapeHtml(id)}</code>${forest.byId.has(id) ? "" : ` <span class="muted">(no longer kept)</span>`}`)
          .join(" + ")}</span>`;
  const line =
    `<div class="node-line"><code class="id">${escapeHtml(candidate.id)}</code>${finalBadge(isFinal)} ${originTag(candidate.origin)}${parentList}` +
    (candidate.changed && candidate.changed.length > 0 ? ` <span class="changed">changed ${changedText(candidate.changed)}</span>` : "") +
    ` <span class="node-scores muted">validation ${formatScore(candidate.validationScore)} · train mean ${formatScore(candidate.meanScore)} on ${formatInteger(candidate.evaluations)}</span></div>`;
  const kids = (forest.children.get(candidate.id) ?? []).filter((child) => !seen.has(child.id));
  const links = (forest.alsoParentOf.get(candidate.id) ?? []).map(
    (child) =>
      `<li class="cross-link" data-child-id="${escapeHtml(child.id)}"><span class="muted">also a parent of</span> ` +
      `<code>${escapeHtml(child.id)}</code> <span class="muted">(${escapeHtml(child.origin)}, shown under ` +
      `<code>${escapeHtml(homeParentOf(child, forest) ?? "?")}</code>)</span></li>`,
  );
  const nested = [...kids.map((child) => renderNode(child, forest, finalValues, seen)), ...links];
  return (
    `<li class="node${isFinal ? " is-final" : ""}" data-candidate-id="${escapeHtml(candidate.id)}" data-parents="${escapeHtml(parents.join(" "))}">` +
    line +
    (nested.length > 0 ? `<ul>${nested.join("")}</ul>` : "") +
    `</li>`
  );
}

function homeParentOf(candidate: CandidateRecord, forest: Forest): string | undefined {
  return (candidate.parents ?? []).find((id) => id !== candidate.id && forest.byId.has(id));
}

function push(map: Map<string, CandidateRecord[]>, key: string, candidate: CandidateRecord): void {
  const list = map.get(key);
  if (list) list.push(candidate);
  else map.set(key, [candidate]);
}

/** Earlier iteration first, then the pool's numbering ("c2" before "c10"). */
function byBirth(a: CandidateRecord, b: CandidateRecord): number {
  return a.iteration - b.iteration || idNumber(a.id) - idNumber(b.id) || a.id.localeCompare(b.id);
}

function idNumber(id: string): number {
  return Number.parseInt(id.replace(/^\D+/, ""), 10) || 0;
}
