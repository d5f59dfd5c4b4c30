import type { CandidateRecord } from "../optimizers/candidate-record.js";
import { changedText, finalBadge, isFinalCandidate, originTag, parentsText } from "./candidate-facts.js";
import { renderCandidateDiff } from "./candidate-diff.js";
import { columnLegend, tableHead, type Column } from "./columns.js";
import { escapeHtml } from "./escape-html.js";
import { formatInteger, formatScore } from "./format.js";

type Values = Readonly<Record<string, Record<string, unknown>>>;

/** One optimizer's program candidates. */
export interface LeaderboardGroup {
  optimizer: string;
  /** Best first (see rankCandidates). */
  candidates: CandidateRecord[];
}

const COLUMNS: readonly Column[] = [
  { label: "#", help: "Rank within this optimizer: validated candidates first, by validation mean, then the others by train mean." },
  { label: "candidate", help: "The candidate's id in its optimizer's pool; \"final\" marks the one whose values the final program holds." },
  { label: "origin", help: "How the candidate was made (seed prompts, proposal, merge, crossover, demos…) and from which parent(s)." },
  { label: "changed", help: "The components (prompt, or prompt.key) the candidate rewrote relative to its first parent." },
  { label: "validation", help: "Mean reward over the whole validation set; – when it was never validated (too few training wins, or the budget).", numeric: true },
  { label: "train mean", help: "Mean reward over the training examples it was run on (minibatches and step batches) — not comparable across candidates run on different examples.", numeric: true },
  { label: "evals", help: "How many example scores the train mean rests on: a mean over few examples is noisy.", numeric: true },
  { label: "iteration", help: "The optimizer iteration that made the candidate (0: the seed prompts).", numeric: true },
  { label: "change from the seed prompts", help: "The candidate's values against the seed prompts, variable by variable: insertions green, deletions red." },
];

/**
 * Orders candidates best first: those scored on held-out data before those that were not (a validation score
 * is the better evidence, and it is what the final choice goes by), each part by its score, more evaluations
 * first on ties, then the earlier candidate.
 */
export function rankCandidates(candidates: readonly CandidateRecord[]): CandidateRecord[] {
  return [...candidates].sort((a, b) => {
    const aValidated = a.validationScore !== undefined;
    const bValidated = b.validationScore !== undefined;
    if (aValidated !== bValidated) return aValidated ? -1 : 1;
    const byScore = (b.validationScore ?? b.meanScore) - (a.validationScore ?? a.meanScore);
    if (byScore !== 0 && !Number.isNaN(byScore)) return byScore;
    if (aValidated && b.meanScore !== a.meanScore) return b.meanScore - a.meanScore;
    if (b.evaluations !== a.evaluations) return b.evaluations - a.evaluations;
    return a.iteration - b.iteration;
  });
}

/** Groups a run's leaderboard by optimizer, in order of first appearance, each group ranked. */
export function groupLeaderboard(leaderboard: readonly CandidateRecord[]): LeaderboardGroup[] {
  const groups = new Map<string, CandidateRecord[]>();
  for (const candidate of leaderboard) {
    const list = groups.get(candidate.optimizer);
    if (list) list.push(candidate);
    else groups.set(candidate.optimizer, [candidate]);
  }
  return [...groups].map(([optimizer, candidates]) => ({ optimizer, candidates: rankCandidates(candidates) }));
}

/**
 * One table per optimizer: each program candidate with how it was made, what it changed, its scores, and its
 * values against the seed prompts per variable; the candidate the final program holds is marked.
 */
export function renderLeaderboard(leaderboard: readonly CandidateRecord[], initialValues: Values, finalValues: Values): string {
  const groups = groupLeaderboard(leaderboard);
  if (groups.length === 0) return `<p class="empty">No optimizer recorded a candidate.</p>`;
  const tables = groups.map((group) => {
    const finals = group.candidates.map((candidate) => isFinalCandidate(candidate, finalValues));
    const rows = group.candidates.map((candidate, index) => renderRow(candidate, index, finals[index] === true, initialValues));
    const noFinal = finals.includes(true)
      ? ""
      : `<p class="muted">None of these candidates holds exactly the final values (the final program combines values, or was chosen elsewhere).</p>`;
    return (
      `<section class="leaderboard-group"><h3>${escapeHtml(group.optimizer)} <span class="muted">· ${group.candidates.length} candidates</span></h3>` +
      `<table class="leaderboard" data-optimizer="${escapeHtml(group.optimizer)}">${tableHead(COLUMNS)}` +
      `<tbody>${rows.join("")}</tbody></table>${noFinal}</section>`
    );
  });
  return tables.join("\n") + columnLegend(COLUMNS);
}

function renderRow(candidate: CandidateRecord, index: number, isFinal: boolean, initialValues: Values): string {
  return (
    `<tr class="candidate${isFinal ? " is-final" : ""}" data-candidate-id="${escapeHtml(candidate.id)}">` +
    `<td class="rank">${index + 1}</td>` +
    `<td class="id"><code>${escapeHtml(candidate.id)}</code>${finalBadge(isFinal)}</td>` +
    `<td class="origin-cell">${originTag(candidate.origin)} ${parentsText(candidate.parents ?? [])}</td>` +
    `<td class="changed">${changedText(candidate.changed)}</td>` +
    `<td class="num validation">${formatScore(candidate.validationScore)}</td>` +
    `<td class="num train">${formatScore(candidate.meanScore)}</td>` +
    `<td class="num evaluations">${formatInteger(candidate.evaluations)}</td>` +
    `<td class="num iteration">${formatInteger(candidate.iteration)}</td>` +
    `<td class="value">${renderValues(candidate, initialValues)}</td>` +
    `</tr>`
  );
}

/** The candidate's values against the seed prompts, one block per variable it holds. */
function renderValues(candidate: CandidateRecord, initialValues: Values): string {
  const variables = Object.entries(candidate.values ?? {});
  if (variables.length === 0) return `<span class="muted">(no values)</span>`;
  return variables
    .map(
      ([name, value]) =>
        `<div class="diff-variable"><span class="variable">${escapeHtml(name)}</span>${renderCandidateDiff(initialValues[name], value)}</div>`,
    )
    .join("");
}
