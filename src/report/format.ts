/** Number formatting shared by the report's tables and chart labels. */

export function formatScore(score: number | undefined): string {
  return score === undefined || !Number.isFinite(score) ? "–" : score.toFixed(3);
}

export function formatInteger(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function formatUsd(value: number): string {
  if (value === 0) return "$0";
  // Small runs cost fractions of a cent; keep enough digits to tell them apart.
  return value < 0.01 ? `$${value.toFixed(5)}` : `$${value.toFixed(2)}`;
}

export function formatDuration(milliseconds: number): string {
  if (!Number.isFinite(milliseconds) || milliseconds < 0) return "–";
  const seconds = milliseconds / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** Text of a JSON-like value for a table cell: strings as they are, the rest as compact JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  return JSON.stringify(value) ?? String(value);
}
