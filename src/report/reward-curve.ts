import type { HistoryEntry } from "../training/run-record.js";
import { escapeHtml } from "./escape-html.js";
import { formatScore } from "./format.js";

export interface RewardCurveOptions {
  /** Validation score of the seed values, drawn as a dashed reference line. */
  initialValScore?: number | undefined;
  width?: number;
  height?: number;
}

interface Point {
  step: number;
  reward: number;
}

const MARGIN = { top: 16, right: 24, bottom: 40, left: 48 };

/**
 * The reward curve as inline SVG: train reward at every step, validation reward where it was measured.
 * Rewards live in [0, 1], so the y axis is fixed to that range and curves of different runs compare by eye.
 */
export function renderRewardCurve(history: readonly HistoryEntry[], options: RewardCurveOptions = {}): string {
  const width = options.width ?? 720;
  const height = options.height ?? 280;
  if (history.length === 0) {
    return `<p class="empty">No optimization step was recorded, so there is no reward curve.</p>`;
  }
  const train: Point[] = history.flatMap((entry) =>
    entry.trainReward === undefined ? [] : [{ step: entry.step, reward: entry.trainReward }],
  );
  const validation: Point[] = history.flatMap((entry) =>
    entry.valReward === undefined ? [] : [{ step: entry.step, reward: entry.valReward }],
  );

  const steps = history.map((entry) => entry.step);
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
      `transform="rotate(-90 12 ${MARGIN.top + plotHeight / 2})">reward</text>`,
  );
  if (options.initialValScore !== undefined && Number.isFinite(options.initialValScore)) {
    const by = round(y(options.initialValScore));
    parts.push(
      `<line class="baseline" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${by}" y2="${by}">` +
        `<title>seed prompt on validation: ${formatScore(options.initialValScore)}</title></line>`,
    );
  }
  parts.push(series("train", train, x, y), series("validation", validation, x, y));
  parts.push(`</svg>`);
  return parts.join("\n");
}

function series(
  name: "train" | "validation",
  points: readonly Point[],
  x: (step: number) => number,
  y: (reward: number) => number,
): string {
  if (points.length === 0) return "";
  const d = points.map((p, i) => `${i === 0 ? "M" : "L"}${round(x(p.step))},${round(y(p.reward))}`).join(" ");
  const dots = points.map(
    (p) =>
      `<circle class="point point-${name}" cx="${round(x(p.step))}" cy="${round(y(p.reward))}" r="3.5">` +
        `<title>${escapeHtml(`${name} reward at step ${p.step}: ${formatScore(p.reward)}`)}</title></circle>`,
  );
  return `<g class="series series-${name}"><path class="curve curve-${name}" d="${d}"/>${dots.join("")}</g>`;
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

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
