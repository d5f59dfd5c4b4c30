import stringify from "safe-stable-stringify";
import type { CandidateRecord } from "../optimizers/candidate-record.js";
import { renderCandidateDiff } from "./candidate-diff.js";
import { escapeHtml } from "./escape-html.js";
import { formatScore } from "./format.js";

/** The candidates of one variable as proposed by one optimizer. */
export interface LeaderboardGroup {
  variable: string;
  optimizer: string;
  /** Best first (see rankCandidates). */
  candidates: CandidateRecord[];
}

/**
 * Orders candidates best first: those scored on held-out data before those that were not (a validation score
 * is the better evidence, and it is what finalize chose by), each part by its score, more evaluations first on
 * ties, then the earlier candidate.
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

/** Groups a run's leaderboard by (variable, optimizer), in order of first appearance, each group ranked. */
export function groupLeaderboard(leaderboard: readonly CandidateRecord[]): LeaderboardGroup[] {
  const groups = new Map<string, LeaderboardGroup>();
  for (const candidate of leaderboard) {
    // A program candidate spans several variables: it is listed under each of them.
    for (const variable of Object.keys(candidate.values)) {
      const key = JSON.stringify([variable, candidate.optimizer]);
      let group = groups.get(key);
      if (!group) {
        group = { variable, optimizer: candidate.optimizer, candidates: [] };
        groups.set(key, group);
      }
      group.candidates.push(candidate);
    }
  }
  return [...groups.values()].map((group) => ({ ...group, candidates: rankCandidates(group.candidates) }));
}

/** Candidate tables with each candidate's diff against the seed value of its variable. */
export function renderLeaderboard(
  leaderboard: readonly CandidateRecord[],
  initialValues: Readonly<Record<string, Record<string, unknown>>>,
  finalValues: Readonly<Record<string, Record<string, unknown>>>,
): string {
  const groups = groupLeaderboard(leaderboard);
  if (groups.length === 0) return `<p class="empty">No optimizer recorded a candidate.</p>`;
  return groups
    .map((group) => {
      const seed = initialValues[group.variable];
      const final = finalValues[group.variable];
      const rows = group.candidates.map((candidate, index) => {
        const value = candidate.values[group.variable] ?? {};
        const isFinal = final !== undefined && sameKeys(value, final);
        const isSeed = candidate.iteration === 0;
        const badges = [isFinal ? `<span class="badge final">final</span>` : "", isSeed ? `<span class="badge seed">seed</span>` : ""].join("");
        return (
          `<tr class="candidate${isFinal ? " is-final" : ""}" data-candidate-id="${escapeHtml(candidate.id)}">` +
          `<td class="rank">${index + 1}</td>` +
          `<td class="id"><code>${escapeHtml(candidate.id)}</code>${badges}</td>` +
          `<td class="num validation">${formatScore(candidate.validationScore)}</td>` +
          `<td class="num train">${formatScore(candidate.meanScore)}</td>` +
          `<td class="num evaluations">${candidate.evaluations}</td>` +
          `<td class="num iteration">${candidate.iteration}</td>` +
          `<td class="value">${renderCandidateDiff(seed, value)}</td>` +
          `</tr>`
        );
      });
      return (
        `<section class="leaderboard-group">` +
        `<h3>${escapeHtml(group.variable)} <span class="muted">by</span> ${escapeHtml(group.optimizer)}</h3>` +
        `<table class="leaderboard" data-variable="${escapeHtml(group.variable)}" data-optimizer="${escapeHtml(group.optimizer)}">` +
        `<thead><tr><th>#</th><th>candidate</th><th>validation</th><th>train mean</th><th>evals</th>` +
        `<th>iteration</th><th>change from the seed</th></tr></thead>` +
        `<tbody>${rows.join("")}</tbody></table></section>`
      );
    })
    .join("\n");
}

/** True when `candidate`'s keys hold the same JSON as those keys of `full`. */
function sameKeys(candidate: Record<string, unknown>, full: Record<string, unknown>): boolean {
  return Object.keys(candidate).every((key) => stringify(candidate[key]) === stringify(full[key]));
}
