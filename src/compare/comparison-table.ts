import type { ComparisonResult, ComparisonRow } from "./compare.js";

/** A p-value for a table: three decimals, "<0.001" below that. */
export function formatPValue(p: number | undefined): string {
  if (p === undefined) return "–";
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

const f3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(3));
const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(3)}`;

/** The cells of one row, in COLUMNS order. */
function cells(row: ComparisonRow, seeds: number): string[] {
  return [
    String(row.rank),
    row.optimizer,
    `${f3(row.mean)} ± ${f3(row.sd)}`,
    `${f3(row.min)}–${f3(row.max)}`,
    `${row.wins}/${seeds}`,
    row.test ? signed(row.test.meanDifference) : "(best)",
    formatPValue(row.test?.pValue),
    formatPValue(row.test?.adjustedPValue),
    `${row.metricCalls.mean.toFixed(1)} / ${row.metricCalls.max}`,
    `${row.modelCalls.task.toFixed(1)} / ${row.modelCalls.optimizer.toFixed(1)}`,
  ];
}

const COLUMNS = [
  "rank",
  "optimizer",
  "test mean ± sd",
  "min–max",
  "wins",
  "Δ vs best",
  "p (sign-flip)",
  "p (Holm)",
  "metric calls mean / max",
  "model calls task / optimizer",
];

/**
 * The comparison as a markdown table (it reads as plain text on a console too), best first, with a line saying
 * what was compared and how the p-values were computed, and the notes.
 */
export function formatComparisonTable(result: ComparisonResult): string {
  const { settings } = result;
  const seeds = settings.seeds.length;
  const method = result.rows.find((r) => r.test)?.test;
  const lines = [
    `Test mean over ${seeds} seed(s) (${settings.seeds.join(", ")}), ${settings.testSize} test examples, maxMetricCalls ` +
      `${settings.maxMetricCalls}${settings.budgetPreset ? ` (preset "${settings.budgetPreset}")` : ""} per run.`,
    "",
    `| ${COLUMNS.join(" | ")} |`,
    `|${COLUMNS.map((_, i) => (i <= 1 ? "---" : "---:")).join("|")}|`,
    ...result.rows.map((row) => `| ${cells(row, seeds).join(" | ")} |`),
    "",
    `p: two-sided paired sign-flip test of each optimizer against the best (${result.best}), paired by ` +
      `${settings.pairing === "seeds" ? "seed (one pair per seed: the two test means)" : "seed and test example"}` +
      `${method ? `, ${method.method === "exact" ? `exact over all ${method.permutations} sign patterns` : `${method.permutations} seeded random sign patterns`}` : ""}; ` +
      "Holm-adjusted over the comparisons. Δ: mean test difference to the best. Model calls: per run, test set included.",
  ];
  if (result.notes.length > 0) lines.push("", ...result.notes.map((note) => `- ${note}`));
  return lines.join("\n");
}
