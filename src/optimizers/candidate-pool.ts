import stringify from "safe-stable-stringify";
import { cloneJson } from "../json.js";
import type { ScoredPrediction } from "./context.js";
import type { InstanceScore, RememberedPrediction, StoredCandidate, VariablePool } from "./pool-state.js";

/** Caps that keep an optimizer's memory bounded however many examples it sees. */
export interface PoolLimits {
  maxCandidates: number;
  maxPredictions: number;
  maxInstanceScores: number;
  maxRejected: number;
}

export const DEFAULT_POOL_LIMITS: PoolLimits = {
  maxCandidates: 50,
  maxPredictions: 64,
  maxInstanceScores: 256,
  maxRejected: 20,
};

/** Canonical text of a candidate value: two values with the same content are the same candidate. */
export function candidateKey(value: Record<string, unknown>): string {
  return stringify(value) ?? "";
}

/**
 * Operations on the candidates one optimizer keeps for one variable. Works in place on the plain JSON
 * `VariablePool` (the optimizer writes it back to its state variable at the end of a step).
 */
export class CandidatePool {
  constructor(
    private readonly pool: VariablePool,
    private readonly limits: PoolLimits,
  ) {}

  get candidates(): readonly StoredCandidate[] {
    return this.pool.candidates;
  }

  get predictions(): readonly RememberedPrediction[] {
    return this.pool.predictions;
  }

  get merges(): number {
    return this.pool.merges;
  }

  countMerge(): void {
    this.pool.merges += 1;
  }

  find(value: Record<string, unknown>): StoredCandidate | undefined {
    const key = candidateKey(value);
    return this.pool.candidates.find((candidate) => candidateKey(candidate.value) === key);
  }

  byId(id: string): StoredCandidate | undefined {
    return this.pool.candidates.find((candidate) => candidate.id === id);
  }

  /** The candidate holding `value`, added (unscored) when new. Duplicates are never stored twice. */
  add(value: Record<string, unknown>, origin: { parents: string[]; iteration: number }): StoredCandidate {
    const existing = this.find(value);
    if (existing) return existing;
    const candidate: StoredCandidate = {
      id: `c${this.pool.nextId}`,
      value: cloneJson(value),
      meanScore: 0,
      evaluations: 0,
      parents: [...origin.parents],
      iteration: origin.iteration,
      instanceScores: [],
    };
    this.pool.nextId += 1;
    this.pool.candidates.push(candidate);
    return candidate;
  }

  /** Adds a batch reward to the candidate's running mean, weighing it as `weight` example scores. */
  creditReward(candidate: StoredCandidate, reward: number, weight: number): void {
    const total = candidate.meanScore * candidate.evaluations + reward * weight;
    candidate.evaluations += weight;
    candidate.meanScore = total / candidate.evaluations;
  }

  /**
   * Credits per-example scores. With `skipKnown`, examples whose score the candidate already has are not
   * counted again (a cached evaluator returns the same answer; counting it twice would fake confidence).
   */
  creditScores(candidate: StoredCandidate, scores: readonly InstanceScore[], options: { skipKnown?: boolean } = {}): void {
    for (const { exampleId, score } of scores) {
      if (options.skipKnown && this.scoreOf(candidate, exampleId) !== undefined) continue;
      this.creditReward(candidate, score, 1);
      this.recordInstance(candidate, exampleId, score);
    }
  }

  /** Remembers per-example scores without touching the running mean (e.g. validation scores). */
  recordInstance(candidate: StoredCandidate, exampleId: string, score: number): void {
    const at = candidate.instanceScores.findIndex((s) => s.exampleId === exampleId);
    if (at >= 0) candidate.instanceScores.splice(at, 1);
    candidate.instanceScores.push({ exampleId, score });
    const excess = candidate.instanceScores.length - this.limits.maxInstanceScores;
    if (excess > 0) candidate.instanceScores.splice(0, excess);
  }

  scoreOf(candidate: StoredCandidate, exampleId: string): number | undefined {
    return candidate.instanceScores.find((s) => s.exampleId === exampleId)?.score;
  }

  /** Keeps the newest prediction per example, at most `maxPredictions` of them. */
  remember(predictions: readonly ScoredPrediction[]): void {
    for (const prediction of predictions) {
      const at = this.pool.predictions.findIndex((p) => p.exampleId === prediction.exampleId);
      if (at >= 0) this.pool.predictions.splice(at, 1);
      const remembered: RememberedPrediction = {
        exampleId: prediction.exampleId,
        input: cloneJson(prediction.input),
        output: cloneJson(prediction.output ?? null),
        score: prediction.score,
      };
      if (prediction.expected !== undefined) remembered.expected = cloneJson(prediction.expected);
      if (prediction.feedback !== undefined) remembered.feedback = prediction.feedback;
      this.pool.predictions.push(remembered);
    }
    const excess = this.pool.predictions.length - this.limits.maxPredictions;
    if (excess > 0) this.pool.predictions.splice(0, excess);
  }

  reject(iteration: number, reason: string): void {
    this.pool.rejected.push({ iteration, reason: reason.slice(0, 500) });
    const excess = this.pool.rejected.length - this.limits.maxRejected;
    if (excess > 0) this.pool.rejected.splice(0, excess);
  }

  get rejected(): readonly { iteration: number; reason: string }[] {
    return this.pool.rejected;
  }

  /** Keeps only the candidates whose id is in `ids` (population survival). */
  retain(ids: ReadonlySet<string>): void {
    this.pool.candidates = this.pool.candidates.filter((c) => ids.has(c.id));
  }

  /**
   * Drops the lowest-ranked candidates beyond `maxCandidates`. `rank` orders best first; `keep` (e.g. the
   * value now in the variable) is never dropped.
   */
  trim(rank: (candidates: readonly StoredCandidate[]) => StoredCandidate[], keep: ReadonlySet<string>): void {
    const excess = this.pool.candidates.length - this.limits.maxCandidates;
    if (excess <= 0) return;
    const droppable = rank(this.pool.candidates)
      .filter((c) => !keep.has(c.id))
      .reverse()
      .slice(0, excess);
    const dropped = new Set(droppable.map((c) => c.id));
    this.pool.candidates = this.pool.candidates.filter((c) => !dropped.has(c.id));
  }
}
