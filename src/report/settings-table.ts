import { tableHead, type Column } from "./columns.js";
import { escapeHtml } from "./escape-html.js";
import { formatValue } from "./format.js";

/**
 * What fit's settings mean, under the names the table shows. `seed` is the random seed — named so, because
 * the report's "seed prompts" are something else (the values the program started with).
 */
const SETTINGS: Readonly<Record<string, { label: string; meaning: string }>> = {
  epochs: { label: "epochs", meaning: "passes over the training set" },
  batchSize: { label: "batchSize", meaning: "training examples per step" },
  concurrency: { label: "concurrency", meaning: "program runs at once" },
  seed: { label: "random seed", meaning: "seed of tunechain's random choices (batch order, sampling); not the seed prompts" },
  maxMetricCalls: { label: "maxMetricCalls", meaning: "limit on program runs (one example each) for the whole run" },
  budgetPreset: { label: "budgetPreset", meaning: "the preset maxMetricCalls was given as (light, medium, heavy), resolved to the number above" },
  trainSize: { label: "trainSize", meaning: "training examples" },
  valSize: { label: "valSize", meaning: "validation examples (the final choice goes by them)" },
  testSize: { label: "testSize", meaning: "held-out test examples, scored once after tuning" },
  optimizers: { label: "optimizers", meaning: "the optimizers, in the order each step runs them" },
  variables: { label: "variables", meaning: "the trainable prompt variables fit found" },
  reward: { label: "reward", meaning: "the function scoring each answer from 0 to 1" },
  earlyStopping: { label: "earlyStopping", meaning: "stop when validation stops improving" },
  budget: { label: "budget", meaning: "usage limits: model calls, tokens, cost" },
  cache: { label: "cache", meaning: "evaluation cache: answers served again (hits), program runs paid (misses), entries held" },
  stoppedBecause: { label: "stoppedBecause", meaning: "the error that ended the run" },
};

const COLUMNS: readonly Column[] = [
  { label: "setting", help: "The option as fit recorded it." },
  { label: "value", help: "Its value in this run." },
  { label: "meaning", help: "What the option does." },
];

/** The run's settings, keys in the order the run recorded them, each with what it means when known. */
export function renderSettingsTable(settings: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(settings).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return `<p class="empty">The run recorded no settings.</p>`;
  const rows = entries.map(([key, value]) => {
    const known = SETTINGS[key];
    return (
      `<tr data-setting="${escapeHtml(key)}"><th scope="row">${escapeHtml(known?.label ?? key)}</th>` +
      `<td><code>${escapeHtml(formatValue(value))}</code></td><td class="muted">${escapeHtml(known?.meaning ?? "")}</td></tr>`
    );
  });
  return `<table class="settings">${tableHead(COLUMNS)}<tbody>${rows.join("")}</tbody></table>`;
}
