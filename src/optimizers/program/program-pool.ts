import stringify from "safe-stable-stringify";
import type { CandidateValues, ScoredPrediction } from "../../data/scored-prediction.js";
import { plainJson } from "../../traces/plain-json.js";
import type {
  InstanceScore,
  ProgramPoolState,
  RejectedProposal,
  RejectionReason,
  RememberedPrediction,
  StoredCandidate,
} from "./pool-state.js";

/** Caps that keep an optimizer's memory bounded however many examples it sees and however large they are. */
export interface PoolLimits {
  maxCandidates: number;
  /** Bytes of JSON the candidates may take (demonstration sets can carry large inputs). */
  maxCandidateBytes: number;
  maxPredictions: number;
  /** Bytes of JSON the remembered predictions may take (inputs and traces included). */
  maxPredictionBytes: number;
  maxInstanceScores: number;
  maxRejected: number;
}

export const DEFAULT_POOL_LIMITS: PoolLimits = {
  maxCandidates: 50,
  maxCandidateBytes: 128 * 1024,
  maxPredictions: 64,
  maxPredictionBytes: 128 * 1024,
  maxInstanceScores: 256,
  maxRejected: 20,
};

/** Canonical text of candidate values: two candidates with the same content are the same candidate. */
export function candidateKey(values: CandidateValues): string {
  return stringify(values) ?? "";
}

/** What a new candidate is: its parents, the iteration that made it, how, and which components it changed. */
export interface CandidateOrigin {
  parents: string[];
  iteration: number;
  origin: string;
  changed?: string[];
}

/**
 * Operations on the program candidates one optimizer keeps. Works in place on the plain JSON pool (the
 * optimizer writes it back to its state variable at the end of a step).
 */
export class ProgramPool {
  constructor(
    private readonly pool: ProgramPoolState,
    private readonly limits: PoolLimits,
  ) {}

  get candidates(): readonly StoredCandidate[] {
    return this.pool.candidates;
  }

  get predictions(): readonly RememberedPrediction[] {
    return this.pool.predictions;
  }

  get rejected(): readonly RejectedProposal[] {
    return this.pool.rejected;
  }

  get merges(): number {
    return this.pool.merges;
  }

  countMerge(): void {
    this.pool.merges += 1;
  }

  find(values: CandidateValues): StoredCandidate | undefined {
    const key = candidateKey(values);
    return this.pool.candidates.find((candidate) => candidateKey(candidate.values) === key);
  }

  byId(id: string): StoredCandidate | undefined {
    return this.pool.candidates.find((candidate) => candidate.id === id);
  }

  /** The candidate holding `values`, added (unscored) when new. Duplicates are never stored twice. */
  add(values: CandidateValues, origin: CandidateOrigin): StoredCandidate {
    const existing = this.find(values);
    if (existing) return existing;
    const candidate: StoredCandidate = {
      id: `c${this.pool.nextId}`,
      values: structuredClone(values),
      parents: [...origin.parents],
      iteration: origin.iteration,
      origin: origin.origin,
      changed: [...(origin.changed ?? [])],
      instanceScores: [],
    };
    this.pool.nextId += 1;
    this.pool.candidates.push(candidate);
    return candidate;
  }

  /**
   * Records the candidate's latest score on each example (an example scored twice counts once); scores on
   * validation examples are marked so they never count as training evidence.
   */
  record(candidate: StoredCandidate, scores: readonly InstanceScore[], options: { validation?: boolean } = {}): void {
    for (const { exampleId, score } of scores) {
      const at = candidate.instanceScores.findIndex((s) => s.exampleId === exampleId);
      if (at >= 0) candidate.instanceScores.splice(at, 1);
      candidate.instanceScores.push(options.validation ? { exampleId, score, validation: true } : { exampleId, score });
    }
    const excess = candidate.instanceScores.length - this.limits.maxInstanceScores;
    if (excess > 0) candidate.instanceScores.splice(0, excess);
  }

  scoreOf(candidate: StoredCandidate, exampleId: string): number | undefined {
    return candidate.instanceScores.find((s) => s.exampleId === exampleId)?.score;
  }

  /** Keeps the newest prediction per example, bounded in count and bytes (inputs and traces clipped). */
  remember(predictions: readonly ScoredPrediction[]): void {
    for (const prediction of predictions) {
      const at = this.pool.predictions.findIndex((p) => p.exampleId === prediction.exampleId);
      if (at >= 0) this.pool.predictions.splice(at, 1);
      const { cached: _cached, ...kept } = prediction;
      this.pool.predictions.push(plainJson(kept) as RememberedPrediction);
    }
    const excess = this.pool.predictions.length - this.limits.maxPredictions;
    if (excess > 0) this.pool.predictions.splice(0, excess);
    let bytes = this.pool.predictions.reduce((sum, p) => sum + JSON.stringify(p).length, 0);
    while (bytes > this.limits.maxPredictionBytes && this.pool.predictions.length > 1) {
      bytes -= JSON.stringify(this.pool.predictions.shift()).length;
    }
  }

  reject(iteration: number, reason: RejectionReason, message: string): void {
    this.pool.rejected.push({ iteration, reason, message: message.slice(0, 500) });
    const excess = this.pool.rejected.length - this.limits.maxRejected;
    if (excess > 0) this.pool.rejected.splice(0, excess);
  }

  /** Keeps only the candidates whose id is in `ids` (population survival). */
  retain(ids: ReadonlySet<string>): void {
    this.pool.candidates = this.pool.candidates.filter((c) => ids.has(c.id));
  }

  /**
   * Drops the lowest-ranked candidates beyond `maxCandidates`, then beyond `maxCandidateBytes`. `rank` orders
   * best first; `keep` (e.g. the values now in the program) is never dropped.
   */
  trim(rank: (candidates: readonly StoredCandidate[]) => StoredCandidate[], keep: ReadonlySet<string>): void {
    const droppable = rank(this.pool.candidates)
      .filter((c) => !keep.has(c.id))
      .reverse();
    const dropped = new Set<string>();
    let count = this.pool.candidates.length;
    let bytes = this.pool.candidates.reduce((sum, c) => sum + JSON.stringify(c).length, 0);
    for (const candidate of droppable) {
      if (count <= this.limits.maxCandidates && bytes <= this.limits.maxCandidateBytes) break;
      dropped.add(candidate.id);
      count -= 1;
      bytes -= JSON.stringify(candidate).length;
    }
    if (dropped.size > 0) this.pool.candidates = this.pool.candidates.filter((c) => !dropped.has(c.id));
  }
}
