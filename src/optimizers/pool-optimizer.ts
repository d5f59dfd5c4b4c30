import type { LanguageModel } from "../models/types.js";
import { SeededRandom } from "../random/seeded-random.js";
import { restrictSchema, schemaKeys, type JsonSchema } from "../variables/schema.js";
import { Variable } from "../variables/variable.js";
import { exampleIdOf } from "./cached-evaluator.js";
import type { CandidateRecord } from "./candidate-record.js";
import { CandidatePool, DEFAULT_POOL_LIMITS, type PoolLimits } from "./candidate-pool.js";
import { rankByNoiseAwareScore, rankForLeaderboard } from "./candidate-score.js";
import type { Example, OptimizationContext, ScoredPrediction } from "./context.js";
import { OptimizerOptionError } from "./errors.js";
import { integerOption, numberOption } from "./option-checks.js";
import { Optimizer, type OptimizerConfig, type OptimizerFields } from "./optimizer.js";
import {
  emptyPool,
  OPTIMIZER_STATE_SCHEMA,
  type OptimizerState,
  type RejectedProposal,
  type StoredCandidate,
} from "./pool-state.js";

export interface PoolOptimizerFields extends OptimizerFields {
  /** Seed of every random choice the optimizer makes (default 0). Same seed + same answers → same run. */
  seed?: number;
  /** Candidates kept per variable (default 50); the worst are dropped beyond it. */
  maxCandidates?: number;
  /** Scored predictions remembered per variable for exemplars and demonstrations (default 64). */
  maxPredictions?: number;
  /** How many of the best candidates finalize scores on the validation set (default 3). */
  finalizeTopK?: number;
  /** c in the noise-aware score mean − c/√n used without a validation set (default 0.5). */
  uncertaintyWeight?: number;
}

/** What one `optimize` call works with; `propose` reads and updates it in place. */
export interface OptimizationStep {
  readonly variable: Variable<object>;
  readonly pool: CandidatePool;
  /** The candidate holding the variable's value at the start of the step (already credited). */
  readonly current: StoredCandidate;
  readonly random: SeededRandom;
  /** The optimizer's iteration counter for this step. */
  readonly iteration: number;
  readonly context: OptimizationContext;
  readonly state: OptimizerState;
  /** The examples of the batch just scored (rebuilt from context.predictions). */
  readonly batch: Example[];
}

/**
 * Base of the optimizers that keep a pool of candidate values per variable: it credits rewards to the value
 * in the variable, keeps memory bounded, persists everything in one state variable (with the random
 * generator's state) and picks the best candidate in `finalize`. Subclasses implement `propose`.
 */
export abstract class PoolOptimizer extends Optimizer {
  static override readonly knownFields: readonly string[] = [
    ...Optimizer.knownFields,
    "seed",
    "maxCandidates",
    "maxPredictions",
    "finalizeTopK",
    "uncertaintyWeight",
  ];

  readonly seed: number;
  readonly finalizeTopK: number;
  readonly uncertaintyWeight: number;
  protected readonly limits: PoolLimits;
  private readonly stateVariable: Variable<OptimizerState>;

  constructor(fields: PoolOptimizerFields) {
    super(fields);
    const owner = this.constructor.name;
    if (fields.seed !== undefined && !Number.isSafeInteger(fields.seed)) {
      throw new OptimizerOptionError(`${owner}: \`seed\` must be an integer, got ${String(fields.seed)}.`);
    }
    this.seed = fields.seed ?? 0;
    this.finalizeTopK = integerOption(owner, "finalizeTopK", fields.finalizeTopK, 3, 1);
    this.uncertaintyWeight = numberOption(owner, "uncertaintyWeight", fields.uncertaintyWeight, 0.5, { min: 0 });
    this.limits = {
      ...DEFAULT_POOL_LIMITS,
      maxCandidates: integerOption(owner, "maxCandidates", fields.maxCandidates, DEFAULT_POOL_LIMITS.maxCandidates, 2),
      maxPredictions: integerOption(owner, "maxPredictions", fields.maxPredictions, DEFAULT_POOL_LIMITS.maxPredictions, 1),
    };
    // Registered here, in the constructor, so a fresh optimizer has the same variables to load state into.
    this.stateVariable = this.trackVariable(
      new Variable<OptimizerState>({
        name: `${this.name}/state`,
        value: { random: SeededRandom.fromSeed(this.seed).getState(), metricCalls: 0, pools: {} },
        schema: OPTIMIZER_STATE_SCHEMA,
        trainable: false,
      }),
    );
  }

  /** The variable keys this optimizer rewrites (the properties of its schema). */
  get ownKeys(): string[] {
    return schemaKeys(this.schema());
  }

  /** Example evaluations this optimizer has paid for (through `context.evaluate`). */
  get metricCalls(): number {
    return this.stateVariable.get("metricCalls");
  }

  /**
   * Proposes new candidates for `step.variable` and returns the one to put in the variable (undefined keeps
   * the current value). Bad proposals are recorded with `step.pool.reject` and skipped, never thrown.
   */
  protected abstract propose(step: OptimizationStep): Promise<StoredCandidate | undefined>;

  override async optimize(
    variable: Variable<object>,
    reward: number | undefined,
    context: OptimizationContext,
  ): Promise<void> {
    // Work on a copy of the state and write it back at the end, so an aborted step leaves nothing half-written.
    const state = this.stateVariable.json();
    const pool = this.poolOf(state, variable.name);
    const iteration = this.iterations.get("iteration");
    const predictions = context.predictions ?? [];
    const current = pool.add(this.ownValue(variable), { parents: [], iteration: pool.candidates.length === 0 ? 0 : iteration });
    if (predictions.length > 0) pool.creditScores(current, predictions.map(scoreOfPrediction));
    else if (reward !== undefined) pool.creditReward(current, reward, 1);
    pool.remember(predictions);
    const random = SeededRandom.fromState(state.random);
    const step: OptimizationStep = {
      variable,
      pool,
      current,
      random,
      iteration,
      context,
      state,
      batch: predictions.map(exampleOfPrediction),
    };
    const chosen = (await this.propose(step)) ?? current;
    const target = variable.validate(this.fullValue(variable, chosen)).length === 0 ? chosen : current;
    context.signal?.throwIfAborted();
    pool.trim((candidates) => rankByNoiseAwareScore(candidates, this.uncertaintyWeight), new Set([current.id, target.id]));
    state.random = random.getState();
    this.stateVariable.assign(state);
    variable.update(target.value);
  }

  /**
   * Assigns the best candidate. With an evaluator and a validation set, the top candidates are scored on it
   * and the best held-out score wins; otherwise the best noise-aware training score. Never simply the newest.
   */
  override async finalize(variable: Variable<object>, context: OptimizationContext): Promise<void> {
    const state = this.stateVariable.json();
    const pool = this.poolOf(state, variable.name);
    const iteration = this.iterations.get("iteration");
    const current = pool.add(this.ownValue(variable), { parents: [], iteration: pool.candidates.length === 0 ? 0 : iteration });
    const ranked = rankByNoiseAwareScore(pool.candidates, this.uncertaintyWeight);
    let best = ranked[0] && ranked[0].evaluations > 0 ? ranked[0] : current;
    const valset = context.valset ?? [];
    if (context.evaluate && valset.length > 0) {
      const alreadyValidated = pool.candidates
        .filter((c) => c.validationScore !== undefined)
        .sort((a, b) => (b.validationScore ?? 0) - (a.validationScore ?? 0));
      const shortlist = [...new Set([...ranked.slice(0, this.finalizeTopK), ...alreadyValidated.slice(0, this.finalizeTopK)])];
      let bestScore = Number.NEGATIVE_INFINITY;
      for (const candidate of shortlist) {
        context.signal?.throwIfAborted();
        const score = await this.validate({ variable, pool, context, state }, candidate, valset);
        if (score > bestScore) {
          best = candidate;
          bestScore = score;
        }
      }
    }
    context.signal?.throwIfAborted();
    this.stateVariable.assign(state);
    variable.update(best.value);
  }

  /** Scores `candidate` on the validation set and stores the mean and per-example scores. */
  protected async validate(
    step: Pick<OptimizationStep, "variable" | "pool" | "context" | "state">,
    candidate: StoredCandidate,
    valset: readonly Example[],
  ): Promise<number> {
    const predictions = await this.evaluateCandidate(step, candidate, valset);
    for (const prediction of predictions) step.pool.recordInstance(candidate, prediction.exampleId, prediction.score);
    candidate.validationScore = meanScore(predictions);
    return candidate.validationScore;
  }

  /**
   * Runs the program with `candidate` in the variable on `examples` (needs context.evaluate). Examples the
   * candidate already has a score for are not counted as new metric calls (the evaluator caches them).
   */
  protected async evaluateCandidate(
    step: Pick<OptimizationStep, "variable" | "pool" | "context" | "state">,
    candidate: StoredCandidate,
    examples: readonly Example[],
  ): Promise<ScoredPrediction[]> {
    const evaluate = step.context.evaluate;
    if (!evaluate) throw new Error("evaluateCandidate needs context.evaluate; callers check it first.");
    step.state.metricCalls += examples.filter((e) => step.pool.scoreOf(candidate, exampleIdOf(e)) === undefined).length;
    return evaluate({ [step.variable.name]: this.fullValue(step.variable, candidate) }, examples, {
      signal: step.context.signal,
    });
  }

  /**
   * Adds a proposed value to the pool, or records why it cannot be used (the whole variable value must
   * still validate). Returns the candidate (an existing one when the value is a duplicate).
   */
  protected admit(step: OptimizationStep, value: Record<string, unknown>, parents: string[]): StoredCandidate | undefined {
    const issues = step.variable.validate({ ...step.variable.json(), ...value });
    if (issues.length > 0) {
      step.pool.reject(step.iteration, `invalid value: ${issues.map((i) => `${i.path || "(root)"} ${i.message}`).join("; ")}`);
      return undefined;
    }
    return step.pool.add(value, { parents, iteration: step.iteration });
  }

  /**
   * With an evaluator, scores each new proposal on the batch just seen and returns the best one if it beats
   * the current value's score on that batch (else the current value). Without one, returns the first new
   * proposal, which the training loop then scores on the next batch.
   */
  protected async chooseOnBatch(step: OptimizationStep, proposals: readonly StoredCandidate[]): Promise<StoredCandidate | undefined> {
    const fresh = [...new Set(proposals)].filter((p) => p.id !== step.current.id);
    if (!step.context.evaluate || step.batch.length === 0) return fresh[0];
    // The current value is re-scored too rather than read from the predictions: another optimizer may have
    // changed other keys of the variable since the batch was scored. Unchanged, it is a cache hit.
    const [currentRun = [], ...results] = await Promise.all(
      [step.current, ...fresh].map((p) => this.evaluateCandidate(step, p, step.batch)),
    );
    let best = step.current;
    let bestScore = meanScore(currentRun);
    fresh.forEach((proposal, i) => {
      const predictions = results[i] ?? [];
      step.pool.creditScores(proposal, predictions.map(scoreOfPrediction), { skipKnown: true });
      const score = meanScore(predictions);
      if (score > bestScore) {
        best = proposal;
        bestScore = score;
      }
    });
    return best;
  }

  /** The value of the optimizer's own keys in `variable`. */
  protected ownValue(variable: Variable<object>): Record<string, unknown> {
    const value = variable.json() as Record<string, unknown>;
    return Object.fromEntries(this.ownKeys.map((key) => [key, value[key]]));
  }

  /** The variable's whole value with `candidate`'s keys in place. */
  protected fullValue(variable: Variable<object>, candidate: StoredCandidate): Record<string, unknown> {
    return { ...(variable.json() as Record<string, unknown>), ...candidate.value };
  }

  /**
   * The variable's schema cut to `keys`: what proposals must satisfy. Every key is required, since a
   * proposal that leaves one out is incomplete rather than "unchanged".
   */
  protected proposalSchema(variable: Variable<object>, keys: readonly string[] = this.ownKeys): JsonSchema {
    const schema = variable.schema();
    return restrictSchema({ ...schema, required: [...new Set([...(schema.required ?? []), ...keys])] }, keys);
  }

  /** Proposals refused so far (by variable name), newest last; bounded. */
  rejections(variableName: string): RejectedProposal[] {
    return this.stateVariable.json().pools[variableName]?.rejected ?? [];
  }

  override leaderboard(): CandidateRecord[] {
    const state = this.stateVariable.json();
    return Object.entries(state.pools).flatMap(([variable, pool]) =>
      rankForLeaderboard(pool.candidates, this.uncertaintyWeight).map((candidate) => {
        const record: CandidateRecord = {
          id: candidate.id,
          variable,
          optimizer: this.name,
          value: candidate.value,
          meanScore: candidate.meanScore,
          evaluations: candidate.evaluations,
          iteration: candidate.iteration,
          parents: candidate.parents,
        };
        if (candidate.validationScore !== undefined) record.validationScore = candidate.validationScore;
        return record;
      }),
    );
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      seed: this.seed,
      maxCandidates: this.limits.maxCandidates,
      maxPredictions: this.limits.maxPredictions,
      finalizeTopK: this.finalizeTopK,
      uncertaintyWeight: this.uncertaintyWeight,
    };
  }

  private poolOf(state: OptimizerState, variableName: string): CandidatePool {
    state.pools[variableName] ??= emptyPool();
    return new CandidatePool(state.pools[variableName], this.limits);
  }
}

function scoreOfPrediction(prediction: ScoredPrediction): { exampleId: string; score: number } {
  return { exampleId: prediction.exampleId, score: prediction.score };
}

function exampleOfPrediction(prediction: ScoredPrediction): Example {
  const example: Example = { id: prediction.exampleId, input: prediction.input };
  if (prediction.expected !== undefined) example.expected = prediction.expected;
  return example;
}

export function meanScore(predictions: readonly { score: number }[]): number {
  if (predictions.length === 0) return 0;
  return predictions.reduce((sum, p) => sum + p.score, 0) / predictions.length;
}

/** Throws when `model` does not look like a LanguageModel, naming the option. */
export function requireLanguageModel(owner: string, model: unknown, option = "languageModel"): LanguageModel {
  const candidate = model as Partial<LanguageModel> | undefined;
  if (!candidate || typeof candidate.generateStructured !== "function") {
    throw new OptimizerOptionError(
      `${owner} needs \`${option}\`: a LanguageModel (e.g. new LangChainLanguageModel(chatModel)) that writes the proposals.`,
    );
  }
  return candidate as LanguageModel;
}

/** Throws unless every key of the optimizer's schema holds text (these optimizers rewrite strings). */
export function requireStringKeys(owner: string, schema: JsonSchema): void {
  const keys = schemaKeys(schema);
  const nonText = keys.filter((key) => schema.properties?.[key]?.type !== "string");
  if (keys.length === 0 || nonText.length > 0) {
    throw new OptimizerOptionError(
      `${owner} rewrites text: every property of its schema must be {"type": "string"}` +
        (nonText.length > 0 ? `, but ${nonText.map((k) => `'${k}'`).join(", ")} is not` : ", and it has none") +
        ". Use FewShotOptimizer for example lists.",
    );
  }
}
