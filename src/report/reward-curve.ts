import type { HistoryEntry } from "../training/run-record.js";
import { escapeHtml } from "./escape-html.js";
import { formatInteger, formatScore } from "./format.js";

export interface RewardCurveOptions {
  /** Validation score of the seed prompts: drawn at step 0 and as a dashed reference line. */
  initialValScore?: number | undefined;
  width?: number;
  height?: number;
}

interface Point {
  step: number;
  reward: number;
  /** Program runs paid so far, for the tooltip. */
  metricCalls?: number;
  /** The seed prompts' validation score, drawn at step 0. */
  seed?: boolean;
}

const MARGIN = { top: 16, right: 24, bottom: 40, left: 48 };

/**
 * The reward curve as a legend, an inline SVG and a note. Validation (the whole validation set, values after
 * the step) is the line to read: it starts from the seed prompts at step 0 and is drawn where it was measured.
 * The training batch mean is drawn as faint dots: each step scores a different batch, so it rises and falls
 * with the batch, not with the tuning. Steps without one (optimizers drawing their own minibatches, e.g. GEPA)
 * have no dot. Rewards live in [0, 1], so the y axis is fixed to that range.
 */
export function renderRewardCurve(history: readonly HistoryEntry[], options: RewardCurveOptions = {}): string {
  const width = options.width ?? 720;
  const height = options.height ?? 280;
  if (history.length === 0) {
    return `<p class="empty">No optimization step was recorded, so there is no reward curve.</p>`;
  }
  const seed = options.initialValScore !== undefined && Number.isFinite(options.initialValScore) ? options.initialValScore : undefined;
  const train: Point[] = history.flatMap((entry) =>
    isNumber(entry.trainReward) ? [{ step: entry.step, reward: entry.trainReward, metricCalls: entry.metricCalls }] : [],
  );
  const validation: Point[] = [
    ...(seed !== undefined ? [{ step: 0, reward: seed, seed: true }] : []),
    ...history.flatMap((entry) =>
      isNumber(entry.valReward) ? [{ step: entry.step, reward: entry.valReward, metricCalls: entry.metricCalls }] : [],
    ),
  ];
  if (train.length === 0 && validation.length === 0) {
    return `<p class="empty">No reward was measured at any step (no training batch was run and no validation set was given).</p>`;
  }

  const steps = [...history.map((entry) => entry.step), ...(seed !== undefined ? [0] : [])];
  const firstStep = Math.min(...steps);
  const lastStep = Math.max(...steps);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  // A single step sits in the middle instead of dividing by a zero-wide domain.
  const x = (step: number) =>
    MARGIN.left + (lastStep === firstStep ? plotWidth / 2 : ((step - firstStep) / (lastStep - firstStep)) * plotWidth);
  const y = (reward: number) => MARGIN.top + (1 - clamp01(reward)) * plotHeight;

  const parts: string[] = [];
  parts.push(
    `<svg class="reward-curve" role="img" aria-label="Reward per step" viewBox="0 0 ${width} ${height}" ` +
      `width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
  );
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const ty = y(tick);
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${ty}" y2="${ty}"/>` +
        `<text class="tick" x="${MARGIN.left - 6}" y="${ty + 4}" text-anchor="end">${tick.toFixed(2)}</text>`,
    );
  }
  for (const step of stepTicks(firstStep, lastStep)) {
    parts.push(
      `<text class="tick" x="${round(x(step))}" y="${height - MARGIN.bottom + 16}" text-anchor="middle">${step}</text>`,
    );
  }
  parts.push(
    `<text class="axis-label" x="${MARGIN.left + plotWidth / 2}" y="${height - 6}" text-anchor="middle">step</text>`,
    `<text class="axis-label" x="12" y="${MARGIN.top + plotHeight / 2}" text-anchor="middle" ` +
      `transform="rotate(-90 12 ${MARGIN.top + plotHeight / 2})">mean reward</text>`,
  );
  if (seed !== undefined) {
    const by = round(y(seed));
    parts.push(
      `<line class="baseline" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${by}" y2="${by}">` +
        `<title>seed prompts on validation: ${formatScore(seed)}</title></line>`,
    );
  }
  parts.push(series("train", train, x, y), series("validation", validation, x, y));
  parts.push(`</svg>`);
  return `${legend(train.length > 0, validation.length > 0, seed !== undefined)}\n${parts.join("\n")}\n${note(history.length, train.length)}`;
}

function legend(hasTrain: boolean, hasValidation: boolean, hasSeed: boolean): string {
  return (
    `<div class="legend">` +
    (hasValidation ? `<span class="validation">validation mean (whole validation set, values after the step)</span>` : "") +
    (hasSeed ? `<span class="baseline">seed prompts on validation</span>` : "") +
    (hasTrain ? `<span class="train">training batch mean (a different batch each step)</span>` : "") +
    `</div>`
  );
}

function note(steps: number, trainPoints: number): string {
  const parts = [
    "Each training dot is the mean reward of that step's batch, scored with the values in place before the step. " +
      "Batches differ from step to step, so the dots rise and fall with how hard each batch is: a low dot does not mean tuning made the program worse. " +
      "Compare the validation line with the seed line for that.",
  ];
  if (trainPoints === 0) {
    parts[0] = "No training batch was run by fit: the optimizers draw their own minibatches (e.g. GEPA), so only validation is plotted.";
  } else if (trainPoints < steps) {
    parts.push(`${steps - trainPoints} of ${steps} steps ran no training batch (their optimizers draw their own minibatches) and have no dot.`);
  }
  return `<p class="muted curve-note">${escapeHtml(parts.join(" "))}</p>`;
}

function series(
  name: "train" | "validation",
  points: readonly Point[],
  x: (step: number) => number,
  y: (reward: number) => number,
): string {
  if (points.length === 0) return "";
  const d = points.map((p, i) => `${i === 0 ? "M" : "L"}${round(x(p.step))},${round(y(p.reward))}`).join(" ");
  const dots = points.map((p) => {
    return (
      `<circle class="point point-${p.seed ? "seed" : name}" cx="${round(x(p.step))}" cy="${round(y(p.reward))}" r="${name === "train" ? 3 : 4}">` +
      `<title>${escapeHtml(pointTitle(name, p))}</title></circle>`
    );
  });
  const path = points.length > 1 ? `<path class="curve curve-${name}" d="${d}"/>` : "";
  return `<g class="series series-${name}">${path}${dots.join("")}</g>`;
}

function pointTitle(name: "train" | "validation", point: Point): string {
  if (point.seed) return `seed prompts on validation: ${formatScore(point.reward)}`;
  const runs = point.metricCalls !== undefined ? ` · ${formatInteger(point.metricCalls)} program runs so far` : "";
  return name === "train"
    ? `step ${point.step}: training batch mean ${formatScore(point.reward)} (this step's batch, values before the step)${runs}`
    : `step ${point.step}: validation mean ${formatScore(point.reward)} (values after the step)${runs}`;
}

/** At most ~10 integer step labels, evenly spaced. */
function stepTicks(first: number, last: number): number[] {
  const span = last - first;
  const stride = Math.max(1, Math.ceil(span / 10));
  const ticks: number[] = [];
  for (let step = first; step <= last; step += stride) ticks.push(step);
  if (ticks[ticks.length - 1] !== last) ticks.push(last);
  return ticks;
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
