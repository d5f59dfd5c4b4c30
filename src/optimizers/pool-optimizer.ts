import type { TemplateFormat } from "@langchain/core/prompts";
import type { Example } from "../data/example.js";
import { exampleIdOf } from "../data/example.js";
import type { CandidateValues, ScoredPrediction } from "../data/scored-prediction.js";
import { SeededRandom } from "../random/seeded-random.js";
import { schemaKeys, type JsonSchema } from "../variables/schema.js";
import { Variable } from "../variables/variable.js";
import type { CandidateRecord } from "./candidate-record.js";
import type { EvaluationPhase, OptimizationContext } from "./context.js";
import { OptimizerInputError, OptimizerOptionError } from "./errors.js";
import { integerOption, numberOption } from "./option-checks.js";
import { Optimizer, type OptimizerConfig, type OptimizerFields, type ProposalStats } from "./optimizer.js";
import { beats, mean } from "./program/acceptance.js";
import { rankCandidates, trainingScore } from "./program/candidate-score.js";
import { type ComponentSelection, recordSelectionOutcome, selectComponents, type SelectedComponents } from "./program/component-selection.js";
import { type Component, componentsOf } from "./program/components.js";
import {
  emptyPool,
  FAILURE_REASONS,
  OPTIMIZER_STATE_SCHEMA,
  type OptimizerState,
  type RejectionReason,
  type StoredCandidate,
} from "./program/pool-state.js";
import { type CandidateOrigin, DEFAULT_POOL_LIMITS, type PoolLimits, ProgramPool } from "./program/program-pool.js";
import { placeOf } from "./program/program-structure.js";
import { applyProposal, proposalCurrent, proposalFormats, proposalProperties, proposalSchema } from "./program/proposal-shape.js";
import type { ComponentView } from "./prompts/component-header.js";

export interface PoolOptimizerFields extends OptimizerFields {
  /** Seed of every random choice the optimizer makes (default 0). Same seed + same answers → same run. */
  seed?: number;
  /** Program candidates kept (default 50); the worst are dropped beyond it. */
  maxCandidates?: number;
  /** Scored predictions remembered for exemplars and demonstrations (default 64; also capped in bytes). */
  maxPredictions?: number;
  /** How many of the best unvalidated candidates finalize scores on the validation set (default 3). */
  finalizeTopK?: number;
  /** c in the noise-aware score mean − c/√n used to rank candidates without validation scores (default 0.5). */
  uncertaintyWeight?: number;
  /** Program runs this optimizer may pay for; unlimited when omitted (fit's `maxMetricCalls` bounds the run). */
  maxMetricCalls?: number;
  /** Which component(s) an iteration rewrites (default "round-robin", with a joint rewrite after a stalled round). */
  componentSelection?: ComponentSelection;
}

/** What one optimization step works with; `propose` reads and updates it in place. */
export interface OptimizationStep {
  /** The variables this optimizer acts on, in program order. */
  readonly variables: readonly Variable<object>[];
  /** Their components (the optimizer's keys in each variable). */
  readonly components: readonly Component[];
  readonly pool: ProgramPool;
  /** The program candidate holding the values in place at the start of the step (already credited). */
  readonly current: StoredCandidate;
  readonly random: SeededRandom;
  /** The optimizer's iteration counter for this step. */
  readonly iteration: number;
  readonly context: OptimizationContext;
  readonly state: OptimizerState;
  /** The examples of the batch just scored (from context.predictions). */
  readonly batch: Example[];
}

/** The plan of one step or finalize call: the first `optimize`/`finalize` computes it, the others assign from it. */
interface Plan {
  variables: readonly Variable<object>[];
  chosen?: CandidateValues;
}

/**
 * Base of the optimizers that search over program candidates: a candidate is the value of the optimizer's
 * keys in every variable it acts on (GEPA's definition), so a score always belongs to the whole program it
 * was measured with. One step plans over all matching variables at once — the seed contract stays: the
 * step's first `optimize(variable)` runs the search, each call assigns that variable's part of the chosen
 * candidate. Memory (candidates, scores, remembered predictions with their traces, refused proposals, the
 * random generator) lives in one tracked state variable, bounded in count and bytes. Subclasses implement
 * `propose`.
 */
export abstract class PoolOptimizer extends Optimizer {
  static override readonly knownFields: readonly string[] = [
    ...Optimizer.knownFields,
    "seed",
    "maxCandidates",
    "maxPredictions",
    "finalizeTopK",
    "uncertaintyWeight",
    "maxMetricCalls",
    "componentSelection",
  ];

  readonly seed: number;
  readonly finalizeTopK: number;
  readonly uncertaintyWeight: number;
  readonly maxMetricCalls: number | undefined;
  readonly componentSelection: ComponentSelection;
  protected readonly limits: PoolLimits;
  private readonly stateVariable: Variable<OptimizerState>;
  private stepPlan: Plan | undefined;

  constructor(fields: PoolOptimizerFields) {
    super(fields);
    const owner = this.constructor.name;
    if (fields.seed !== undefined && !Number.isSafeInteger(fields.seed)) {
      throw new OptimizerOptionError(`${owner}: \`seed\` must be an integer, got ${String(fields.seed)}.`);
    }
    this.seed = fields.seed ?? 0;
    this.finalizeTopK = integerOption(owner, "finalizeTopK", fields.finalizeTopK, 3, 1);
    this.uncertaintyWeight = numberOption(owner, "uncertaintyWeight", fields.uncertaintyWeight, 0.5, { min: 0 });
    this.maxMetricCalls =
      fields.maxMetricCalls === undefined ? undefined : integerOption(owner, "maxMetricCalls", fields.maxMetricCalls, 0, 1);
    const selection = fields.componentSelection ?? "round-robin";
    if (selection !== "round-robin" && selection !== "all" && typeof selection !== "function") {
      throw new OptimizerOptionError(
        `${owner}: \`componentSelection\` must be "round-robin", "all" or a function returning component ids, got ${JSON.stringify(selection)}.`,
      );
    }
    this.componentSelection = selection;
    this.limits = {
      ...DEFAULT_POOL_LIMITS,
      maxCandidates: integerOption(owner, "maxCandidates", fields.maxCandidates, DEFAULT_POOL_LIMITS.maxCandidates, 2),
      maxPredictions: integerOption(owner, "maxPredictions", fields.maxPredictions, DEFAULT_POOL_LIMITS.maxPredictions, 1),
    };
    // Registered here, in the constructor, so a fresh optimizer has the same variables to load state into.
    this.stateVariable = this.trackVariable(
      new Variable<OptimizerState>({
        name: `${this.name}/state`,
        value: {
          random: SeededRandom.fromSeed(this.seed).getState(),
          metricCalls: 0,
          proposals: 0,
          rejections: {},
          cursor: 0,
          sinceAccepted: 0,
          pool: emptyPool(),
        },
        schema: OPTIMIZER_STATE_SCHEMA,
        trainable: false,
      }),
    );
  }

  /** The variable keys this optimizer rewrites (the properties of its schema). */
  get ownKeys(): string[] {
    return schemaKeys(this.schema());
  }

  /** Program runs this optimizer's evaluations have paid for. */
  get metricCalls(): number {
    return this.stateVariable.get("metricCalls");
  }

  override get stopReason(): string | undefined {
    return this.stateVariable.get("done");
  }

  /**
   * Proposes new program candidates for the step and returns the one to put in place (undefined keeps the
   * current values). Bad proposals are recorded with `reject` and skipped, never thrown.
   */
  protected abstract propose(step: OptimizationStep): Promise<StoredCandidate | undefined>;

  /** Refuses a step it cannot take before anything (the iteration counter included) changes. */
  override async applyOptimization(
    variables: readonly Variable<object>[],
    reward?: number,
    context: OptimizationContext = {},
  ): Promise<string[]> {
    const matching = variables.filter((v) => v.trainable && this.matches(v));
    if (matching.length > 0 && !context.evaluate) {
      throw new OptimizerInputError(
        `${this.constructor.name} '${this.name}' scores its proposals before keeping one, so a step needs ` +
          "`context.evaluate`: run it in fit(), or pass `context: { evaluate: new ProgramEvaluator({ program, reward, " +
          "variables }).evaluate }` to invoke() (see docs/hand-written-loop.md).",
      );
    }
    this.stepPlan = { variables: matching };
    try {
      return await super.applyOptimization(variables, reward, context);
    } finally {
      this.stepPlan = undefined;
    }
  }

  override async optimize(variable: Variable<object>, _reward: number | undefined, context: OptimizationContext): Promise<void> {
    const plan = this.stepPlan ?? { variables: [variable] };
    plan.chosen ??= await this.runStep(plan.variables, context);
    this.assignPart(variable, plan.chosen);
  }

  override async finalizeVariableValues(
    variables: readonly Variable<object>[],
    context: OptimizationContext = {},
  ): Promise<string[]> {
    this.stepPlan = { variables: variables.filter((v) => v.trainable && this.matches(v)) };
    try {
      return await super.finalizeVariableValues(variables, context);
    } finally {
      this.stepPlan = undefined;
    }
  }

  /**
   * Assigns the best program candidate: with an evaluator and a validation set, the best held-out mean (the top
   * unvalidated candidates are validated first when the budget allows); otherwise the best noise-aware
   * training score. Never simply the newest.
   */
  override async finalize(variable: Variable<object>, context: OptimizationContext): Promise<void> {
    const plan = this.stepPlan ?? { variables: [variable] };
    plan.chosen ??= await this.withState(plan.variables, context, async (step) => this.fullValues(step, await this.finalChoice(step)));
    this.assignPart(variable, plan.chosen);
  }

  /** One search step over `variables`: returns the whole values to put in place. */
  private async runStep(variables: readonly Variable<object>[], context: OptimizationContext): Promise<CandidateValues> {
    return this.withState(variables, context, async (step) => {
      const predictions = context.predictions ?? [];
      if (predictions.length > 0) {
        step.pool.record(step.current, predictions.map(toInstanceScore));
        step.pool.remember(predictions);
      }
      const chosen = step.state.done ? step.current : ((await this.propose(step)) ?? step.current);
      const valid = this.fullValuesValid(step, chosen) ? chosen : step.current;
      step.pool.trim((candidates) => rankCandidates(candidates, this.uncertaintyWeight), new Set([step.current.id, valid.id]));
      return this.fullValues(step, valid);
    });
  }

  /**
   * Runs `work` on a step built from a copy of the state, and writes the state back when it succeeds or is cut
   * by a budget.
   */
  private async withState<T>(
    variables: readonly Variable<object>[],
    context: OptimizationContext,
    work: (step: OptimizationStep) => Promise<T>,
  ): Promise<T> {
    const state = this.stateVariable.json();
    const pool = new ProgramPool(state.pool, this.limits);
    const iteration = this.iterations.get("iteration");
    const current = pool.add(this.ownValues(variables), {
      parents: [],
      iteration: pool.candidates.length === 0 ? 0 : iteration,
      origin: pool.candidates.length === 0 ? "seed" : "in place",
    });
    const random = SeededRandom.fromState(state.random);
    const step: OptimizationStep = {
      variables,
      components: componentsOf(variables, this.ownKeys),
      pool,
      current,
      random,
      iteration,
      context,
      state,
      batch: (context.predictions ?? []).map(exampleOfPrediction),
    };
    const keep = () => {
      state.random = random.getState();
      this.stateVariable.assign(state);
    };
    try {
      const result = await work(step);
      context.signal?.throwIfAborted();
      keep();
      return result;
    } catch (error) {
      // A budget stop keeps what the step measured (validations above all); an abort or a failure changes nothing.
      if (isBudgetStop(error)) keep();
      throw error;
    }
  }

  /**
   * The candidate finalize puts in place. With a validation set, candidates whose training evidence ranks them
   * above the best validated one are validated first (at most finalizeTopK, when the budget allows).
   */
  private async finalChoice(step: OptimizationStep): Promise<StoredCandidate> {
    const valset = step.context.valset ?? [];
    if (step.context.evaluate && valset.length > 0) {
      const byTraining = rankCandidates(
        step.pool.candidates.map((c) => ({ ...c, validationScore: undefined }) as StoredCandidate),
        this.uncertaintyWeight,
      ).map((c) => step.pool.byId(c.id) as StoredCandidate);
      const firstValidated = byTraining.findIndex((c) => c.validationScore !== undefined);
      const contenders = (firstValidated < 0 ? byTraining : byTraining.slice(0, firstValidated))
        .filter((c) => trainingScore(c).count > 0)
        .slice(0, this.finalizeTopK);
      for (const candidate of contenders) {
        if (!this.canAfford(step, [candidate], valset)) continue;
        await this.validate(step, candidate, "finalize");
      }
    }
    const best = rankCandidates(step.pool.candidates, this.uncertaintyWeight)[0];
    const hasEvidence = best && (best.validationScore !== undefined || trainingScore(best).count > 0);
    return hasEvidence ? best : step.current;
  }

  // ---- helpers for subclasses ----

  /** The whole value of every step variable with `candidate`'s keys in place: what an evaluation runs. */
  protected fullValues(step: Pick<OptimizationStep, "variables">, candidate: StoredCandidate | CandidateValues): CandidateValues {
    const values = "instanceScores" in candidate ? (candidate as StoredCandidate).values : (candidate as CandidateValues);
    return Object.fromEntries(
      step.variables.map((v) => [v.name, { ...(v.json() as Record<string, unknown>), ...values[v.name] }]),
    );
  }

  /** Program runs evaluating `candidate` on `examples` would pay for now (known answers are free). */
  protected costOf(step: OptimizationStep, candidate: StoredCandidate | CandidateValues, examples: readonly Example[]): number {
    if (step.context.budget) return step.context.budget.costOf(this.fullValues(step, candidate), examples);
    if (!("instanceScores" in candidate)) return examples.length;
    return examples.filter((e) => step.pool.scoreOf(candidate as StoredCandidate, exampleIdOf(e)) === undefined).length;
  }

  /** Program runs left: the smaller of the run's budget and this optimizer's own limit. */
  protected metricCallsLeft(step: OptimizationStep): number {
    const runLeft = step.context.budget ? step.context.budget.remaining() : Number.POSITIVE_INFINITY;
    const ownLeft = this.maxMetricCalls === undefined ? Number.POSITIVE_INFINITY : this.maxMetricCalls - step.state.metricCalls;
    return Math.min(runLeft, ownLeft);
  }

  /** Whether evaluating each of `candidates` on `examples` fits the run's budget and this optimizer's own limit. */
  protected canAfford(step: OptimizationStep, candidates: readonly (StoredCandidate | CandidateValues)[], examples: readonly Example[]): boolean {
    const cost = candidates.reduce((sum, candidate) => sum + this.costOf(step, candidate, examples), 0);
    return cost <= this.metricCallsLeft(step);
  }

  /**
   * Runs the program with `candidate` on `examples` (a pool member's scores are recorded) and books the program
   * runs that were paid for. Callers check `canAfford` first.
   */
  protected async evaluate(
    step: OptimizationStep,
    candidate: StoredCandidate | CandidateValues,
    examples: readonly Example[],
    phase: EvaluationPhase = "gate",
  ): Promise<ScoredPrediction[]> {
    const evaluate = step.context.evaluate;
    if (!evaluate) throw new OptimizerInputError(`${this.constructor.name} needs context.evaluate to score candidates.`);
    const predictions = await evaluate(this.fullValues(step, candidate), examples, {
      signal: step.context.signal,
      phase,
      iteration: step.iteration,
    });
    step.state.metricCalls += predictions.filter((p) => !p.cached).length;
    if ("instanceScores" in candidate && step.pool.byId((candidate as StoredCandidate).id)) {
      const validation = phase === "validation" || phase === "finalize";
      step.pool.record(candidate as StoredCandidate, predictions.map(toInstanceScore), { validation });
    }
    return predictions;
  }

  /** Scores a pool member on the whole validation set and stores the mean. */
  protected async validate(step: OptimizationStep, candidate: StoredCandidate, phase: EvaluationPhase = "validation"): Promise<number> {
    const predictions = await this.evaluate(step, candidate, step.context.valset ?? [], phase);
    candidate.validationScore = mean(predictions);
    return candidate.validationScore;
  }

  /** Counts a proposal asked for (a model call, or a drawn demonstration set). */
  protected countProposal(step: OptimizationStep, count = 1): void {
    step.state.proposals += count;
  }

  /** Records why a proposal cannot be used: counted by reason, the message kept among the latest. */
  protected reject(step: OptimizationStep, reason: RejectionReason, message: string): void {
    step.state.rejections[reason] = (step.state.rejections[reason] ?? 0) + 1;
    step.pool.reject(step.iteration, reason, message);
  }

  /** Says the optimizer is done: fit stops once every optimizer is. */
  protected stop(step: OptimizationStep, reason: string): void {
    if (step.state.done) return;
    step.state.done = reason;
    step.context.stopTraining?.(reason);
  }

  /** Says the optimizer is done because a metric budget cannot pay for its next move (the run's, or its own). */
  protected stopForBudget(step: OptimizationStep, what: string): void {
    if (step.state.done) return;
    const runLeft = step.context.budget ? step.context.budget.remaining() : Number.POSITIVE_INFINITY;
    const ownLeft = this.maxMetricCalls === undefined ? Number.POSITIVE_INFINITY : this.maxMetricCalls - step.state.metricCalls;
    const runs = runLeft <= ownLeft;
    const reason = `${runs ? "the run's maxMetricCalls" : `its own maxMetricCalls=${this.maxMetricCalls}`} cannot pay for ${what}`;
    step.state.done = reason;
    step.context.stopTraining?.(reason, runs ? { limit: "maxMetricCalls" } : undefined);
  }

  /** Whether proposed values can be tried: not a candidate already tried, and every variable's whole value valid. */
  protected usable(step: OptimizationStep, values: CandidateValues): boolean {
    if (step.pool.find(values)) {
      this.reject(step, "duplicate", "the proposal repeats a candidate already tried");
      return false;
    }
    const problems = this.invalidParts(step, values);
    if (problems.length > 0) {
      this.reject(step, "schema", `invalid value: ${problems.join("; ")}`);
      return false;
    }
    return true;
  }

  /** Adds proposed values to the pool when `usable`; returns the new candidate. */
  protected admit(step: OptimizationStep, values: CandidateValues, origin: CandidateOrigin): StoredCandidate | undefined {
    return this.usable(step, values) ? step.pool.add(values, origin) : undefined;
  }

  /**
   * Scores new proposals on the batch just seen (those the budget can pay for) and returns the best one if
   * it beats the values in place on that batch, else the values in place.
   */
  protected async chooseOnBatch(step: OptimizationStep, proposals: readonly StoredCandidate[]): Promise<StoredCandidate> {
    const fresh = [...new Set(proposals)].filter((p) => p.id !== step.current.id);
    if (step.batch.length === 0 || fresh.length === 0) return step.current;
    // Those the budget can pay for, in order; the rest are refused before anything runs.
    let left = this.metricCallsLeft(step) - this.costOf(step, step.current, step.batch);
    const scored: StoredCandidate[] = [];
    for (const proposal of fresh) {
      const cost = this.costOf(step, proposal, step.batch);
      if (cost > left) {
        this.reject(step, "budget", "the metric budget cannot score this proposal");
        continue;
      }
      left -= cost;
      scored.push(proposal);
    }
    // All at once, so the program runs of every proposal share the evaluator's concurrency. The values in place
    // are re-scored rather than read from the predictions: another optimizer may have changed other keys since
    // the batch was scored. Unchanged, it is a cache hit.
    const [currentRun = [], ...runs] = await Promise.all([step.current, ...scored].map((c) => this.evaluate(step, c, step.batch, "gate")));
    let best = step.current;
    let bestRun = currentRun;
    scored.forEach((proposal, i) => {
      const run = runs[i] ?? [];
      if (beats(run, bestRun)) {
        best = proposal;
        bestRun = run;
      }
    });
    scored.forEach((proposal, i) => {
      const run = runs[i] ?? [];
      if (proposal !== best && !beats(run, currentRun)) {
        this.reject(step, "below-parent", `scored ${mean(run).toFixed(3)} on the batch, not above ${mean(currentRun).toFixed(3)}`);
      }
    });
    return best;
  }

  /**
   * How many proposals a batch-scored optimizer should make this step: none without a batch, else as many as
   * the budget can score (up to `wanted`); when it can score none, the optimizer says it is done.
   */
  protected batchProposals(step: OptimizationStep, wanted: number, what: string): number {
    if (step.batch.length === 0) return 0;
    const count = this.affordableProposals(step, wanted);
    if (count === 0) this.stopForBudget(step, what);
    return count;
  }

  /** How many proposals the budget can still score on the batch (so no model call is paid for one it cannot). */
  protected affordableProposals(step: OptimizationStep, wanted: number): number {
    if (step.batch.length === 0) return 0;
    const left = this.metricCallsLeft(step) - this.costOf(step, step.current, step.batch);
    return Math.max(0, Math.min(wanted, Math.floor(left / step.batch.length)));
  }

  /** The components to rewrite this iteration (round-robin by default). */
  protected selectComponents(step: OptimizationStep): SelectedComponents {
    return selectComponents(this.componentSelection, step.components, step.state, { iteration: step.iteration, random: step.random });
  }

  /** Books whether the iteration's rewrite of `selected` was accepted (drives the joint rewrite). */
  protected recordOutcome(step: OptimizationStep, selected: SelectedComponents, accepted: boolean): void {
    recordSelectionOutcome(step.state, selected, accepted);
  }

  /** What the meta-prompts say about each component: its place in the program and its template. */
  protected views(step: OptimizationStep, components: readonly Component[], predictions: readonly ScoredPrediction[]): ComponentView[] {
    return components.map((component) => {
      const info = step.context.components?.find((c) => c.name === component.variable);
      return {
        component,
        place: placeOf(component.variable, step.context.components, [...predictions, ...step.pool.predictions]),
        ...(info ? { info } : {}),
      };
    });
  }

  /** The JSON schema a proposal for `components` must satisfy: one property per component (the key itself for one). */
  protected proposalSchema(step: OptimizationStep, components: readonly Component[]): JsonSchema {
    return proposalSchema(step.variables, components);
  }

  /** The property names a proposal for `components` uses, with the component each stands for. */
  protected proposalProperties(components: readonly Component[]): { property: string; component: Component }[] {
    return proposalProperties(components);
  }

  /** The current values of `components` in `candidate`, keyed like a proposal for them. */
  protected proposalCurrent(candidate: StoredCandidate, components: readonly Component[]): Record<string, unknown> {
    return proposalCurrent(candidate.values, components);
  }

  /** Template formats of the proposal's text properties (null: not a template, not checked). */
  protected proposalFormats(step: OptimizationStep, components: readonly Component[]): Record<string, TemplateFormat | null> {
    return proposalFormats(step.context.components, components);
  }

  /** `candidate`'s values with a proposal for `components` put in. */
  protected applyProposal(candidate: StoredCandidate, components: readonly Component[], proposal: Record<string, unknown>): CandidateValues {
    return applyProposal(candidate.values, components, proposal);
  }

  private invalidParts(step: OptimizationStep, values: CandidateValues): string[] {
    const problems: string[] = [];
    for (const [name, value] of Object.entries(this.fullValues(step, values))) {
      const variable = step.variables.find((v) => v.name === name);
      for (const issue of variable?.validate(value) ?? []) problems.push(`${name}${issue.path} ${issue.message}`);
    }
    return problems;
  }

  private fullValuesValid(step: OptimizationStep, candidate: StoredCandidate): boolean {
    return this.invalidParts(step, candidate.values).length === 0;
  }

  /** The values of the optimizer's own keys in each variable. */
  protected ownValues(variables: readonly Variable<object>[]): CandidateValues {
    const keys = this.ownKeys;
    return Object.fromEntries(
      variables.map((variable) => {
        const value = variable.json() as Record<string, unknown>;
        return [variable.name, Object.fromEntries(keys.filter((key) => key in value).map((key) => [key, value[key]]))];
      }),
    );
  }

  private assignPart(variable: Variable<object>, chosen: CandidateValues): void {
    const value = chosen[variable.name];
    if (value !== undefined) variable.update(value);
  }

  override proposalStats(): ProposalStats {
    const state = this.stateVariable.json();
    const failed = FAILURE_REASONS.reduce((sum, reason) => sum + (state.rejections[reason] ?? 0), 0);
    const firstFailure = state.pool.rejected.find((r) => FAILURE_REASONS.includes(r.reason));
    return {
      optimizer: this.name,
      proposals: state.proposals,
      failed,
      rejected: { ...state.rejections },
      ...(firstFailure ? { latestFailure: `${firstFailure.reason}: ${firstFailure.message}` } : {}),
    };
  }

  override leaderboard(): CandidateRecord[] {
    const state = this.stateVariable.json();
    return rankCandidates(state.pool.candidates, this.uncertaintyWeight).map((candidate) => {
      const { mean: meanScore, count } = trainingScore(candidate);
      const record: CandidateRecord = {
        id: candidate.id,
        optimizer: this.name,
        values: candidate.values,
        meanScore,
        evaluations: count,
        iteration: candidate.iteration,
        parents: candidate.parents,
        origin: candidate.origin,
        changed: candidate.changed,
      };
      if (candidate.validationScore !== undefined) record.validationScore = candidate.validationScore;
      return record;
    });
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      seed: this.seed,
      maxCandidates: this.limits.maxCandidates,
      maxPredictions: this.limits.maxPredictions,
      finalizeTopK: this.finalizeTopK,
      uncertaintyWeight: this.uncertaintyWeight,
      maxMetricCalls: this.maxMetricCalls,
      ...(typeof this.componentSelection === "string" ? { componentSelection: this.componentSelection } : {}),
    };
  }
}

function isBudgetStop(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "MetricBudgetExceededError" || name === "BudgetExceededError";
}

function toInstanceScore(prediction: ScoredPrediction): { exampleId: string; score: number } {
  return { exampleId: prediction.exampleId, score: prediction.score };
}

function exampleOfPrediction(prediction: ScoredPrediction): Example {
  const example: Example = { id: prediction.exampleId, input: prediction.input };
  if (prediction.expected !== undefined) example.expected = prediction.expected;
  return example;
}

// Kept importable from here: the optimizers built on this class check their options with them.
export { requireLanguageModel, requireStringKeys } from "./option-checks.js";
