import type { LanguageModel } from "../models/types.js";
import { INSTRUCTIONS_SCHEMA } from "../prompts/schemas.js";
import type { Variable } from "../variables/variable.js";
import { exampleIdOf } from "./cached-evaluator.js";
import type { Example, OptimizationContext, ScoredPrediction } from "./context.js";
import { withDefaultSchema } from "./default-schema.js";
import { OptimizerInputError } from "./errors.js";
import { planMerge } from "./merge.js";
import { choiceOption, integerOption, numberOption } from "./option-checks.js";
import type { OptimizerConfig } from "./optimizer.js";
import { paretoFront } from "./pareto-front.js";
import { aggregateScore, bestCandidate, selectParent, type ParentSelection } from "./parent-selection.js";
import {
  PoolOptimizer,
  requireLanguageModel,
  requireStringKeys,
  type OptimizationStep,
  type PoolOptimizerFields,
} from "./pool-optimizer.js";
import type { StoredCandidate } from "./pool-state.js";
import { reflectionMessages } from "./prompts/gepa.js";
import { requestProposal } from "./request-proposal.js";

export interface ReflectiveOptimizerFields extends PoolOptimizerFields {
  /** The model that reflects on feedback and rewrites the text components. */
  languageModel: LanguageModel;
  /** Training examples per iteration (default 3, as in GEPA). */
  minibatchSize?: number;
  /** How the parent of each iteration is chosen (default "pareto"). */
  candidateSelection?: ParentSelection;
  /** Exploration rate of "epsilon-greedy" (default 0.1). */
  epsilon?: number;
  /** Try merging two front members with a common ancestor after an accepted child (default true). */
  useMerge?: boolean;
  /** Most merges attempted over the run (default 5). */
  maxMergeInvocations?: number;
  /** Budget in example evaluations (metric calls) the optimizer may pay for; unlimited when omitted. */
  maxMetricCalls?: number;
  /** GEPA iterations per optimization step (default 1). */
  iterationsPerStep?: number;
  /** A minibatch where every score reaches this is skipped: nothing to learn from it (default 1). */
  perfectScore?: number;
  /** Sampling temperature of the reflection calls (default 1.0). */
  temperature?: number;
  /** Reject rewrites that drop or invent `{placeholders}` (default true). */
  checkPlaceholders?: boolean;
}

type IterationResult = { kind: "accepted"; child: StoredCandidate } | { kind: "none" } | { kind: "budget" };

/**
 * Evolves prompt text with GEPA: reflects on the feedback of a minibatch, keeps a child only if it beats its parent.
 *
 * Each iteration picks a parent (per-instance Pareto front by default), runs it on a minibatch of
 * `minibatchSize` training examples, asks the model once per text component to rewrite it from the inputs,
 * answers and feedback, and runs the child on the same minibatch: the child is kept only when its total beats
 * the parent's, then scored on the validation set. Two front members with a common ancestor may be merged.
 * Every example evaluation counts against `maxMetricCalls`, checked before each evaluation. Without an
 * evaluator (plain `invoke`), it reflects on the `predictions` it is given and assigns the rewrite ungated.
 */
export class ReflectiveOptimizer extends PoolOptimizer {
  static override description =
    "Evolves prompt text with GEPA: reflects on the feedback of a minibatch, keeps a child only if it beats its parent.";

  static override readonly knownFields: readonly string[] = [
    ...PoolOptimizer.knownFields,
    "languageModel",
    "minibatchSize",
    "candidateSelection",
    "epsilon",
    "useMerge",
    "maxMergeInvocations",
    "maxMetricCalls",
    "iterationsPerStep",
    "perfectScore",
    "temperature",
    "checkPlaceholders",
  ];

  static override lc_name(): string {
    return "ReflectiveOptimizer";
  }

  readonly languageModel: LanguageModel;
  readonly minibatchSize: number;
  readonly candidateSelection: ParentSelection;
  readonly epsilon: number;
  readonly useMerge: boolean;
  readonly maxMergeInvocations: number;
  readonly maxMetricCalls: number | undefined;
  readonly iterationsPerStep: number;
  readonly perfectScore: number;
  readonly temperature: number;
  readonly checkPlaceholders: boolean;

  constructor(fields: ReflectiveOptimizerFields) {
    super(withDefaultSchema(fields, INSTRUCTIONS_SCHEMA));
    const owner = "ReflectiveOptimizer";
    requireStringKeys(owner, this.schema());
    this.languageModel = requireLanguageModel(owner, fields.languageModel);
    this.minibatchSize = integerOption(owner, "minibatchSize", fields.minibatchSize, 3, 1);
    this.candidateSelection = choiceOption(owner, "candidateSelection", fields.candidateSelection, "pareto", [
      "pareto",
      "best",
      "epsilon-greedy",
    ]);
    this.epsilon = numberOption(owner, "epsilon", fields.epsilon, 0.1, { min: 0, max: 1 });
    this.useMerge = fields.useMerge ?? true;
    this.maxMergeInvocations = integerOption(owner, "maxMergeInvocations", fields.maxMergeInvocations, 5, 0);
    this.maxMetricCalls =
      fields.maxMetricCalls === undefined ? undefined : integerOption(owner, "maxMetricCalls", fields.maxMetricCalls, 0, 1);
    this.iterationsPerStep = integerOption(owner, "iterationsPerStep", fields.iterationsPerStep, 1, 1);
    this.perfectScore = numberOption(owner, "perfectScore", fields.perfectScore, 1, {});
    this.temperature = numberOption(owner, "temperature", fields.temperature, 1.0, { min: 0, max: 2 });
    this.checkPlaceholders = fields.checkPlaceholders ?? true;
  }

  /** Refuses a step it cannot take before anything (the iteration counter included) changes. */
  override async applyOptimization(
    variables: readonly Variable<object>[],
    reward?: number,
    context: OptimizationContext = {},
  ): Promise<string[]> {
    if (!context.evaluate && (context.predictions ?? []).length === 0 && variables.some((v) => v.trainable && this.matches(v))) {
      throw new OptimizerInputError(
        `ReflectiveOptimizer '${this.name}' reflects on scored predictions with feedback: pass \`predictions\` ` +
          "(the program's scored answers) to invoke(), or run it in fit(), which gives it an evaluator.",
      );
    }
    return super.applyOptimization(variables, reward, context);
  }

  /** True once the metric-call budget is spent (always false without `maxMetricCalls`). */
  get budgetExhausted(): boolean {
    return this.maxMetricCalls !== undefined && this.metricCalls >= this.maxMetricCalls;
  }

  protected override async propose(step: OptimizationStep): Promise<StoredCandidate | undefined> {
    if (!step.context.evaluate) return this.reflectOnGivenPredictions(step);
    let accepted: StoredCandidate | undefined;
    for (let i = 0; i < this.iterationsPerStep; i++) {
      step.context.signal?.throwIfAborted();
      const result = await this.iterate(step);
      if (result.kind === "budget") {
        step.pool.reject(step.iteration, `metric-call budget (${String(this.maxMetricCalls)}) reached; no further evaluations`);
        break;
      }
      if (result.kind === "accepted") accepted = result.child;
    }
    if ((step.context.valset ?? []).length > 0) {
      const validated = step.pool.candidates.filter((c) => c.validationScore !== undefined);
      return bestCandidate(validated, new Set()) ?? accepted;
    }
    return accepted;
  }

  /** One GEPA iteration: select, run on a minibatch, reflect, gate, validate, maybe merge. */
  private async iterate(step: OptimizationStep): Promise<IterationResult> {
    const valset = step.context.valset ?? [];
    // The seed must have held-out scores before it can stand on the Pareto front.
    if (valset.length > 0 && step.current.validationScore === undefined) {
      if (!this.affordable(step, step.current, valset)) return { kind: "budget" };
      await this.validate(step, step.current, valset);
    }
    const instanceIds = this.instanceIds(step);
    const selectable = valset.length > 0 ? step.pool.candidates.filter((c) => c.validationScore !== undefined) : step.pool.candidates;
    const parent =
      selectParent(selectable, instanceIds, {
        strategy: this.candidateSelection,
        epsilon: this.epsilon,
        random: step.random,
      }) ?? step.current;
    const source = (step.context.trainset ?? []).length > 0 ? (step.context.trainset as readonly Example[]) : step.batch;
    if (source.length === 0) return { kind: "none" };
    const minibatch = step.random.sample(source, this.minibatchSize);

    if (!this.affordable(step, parent, minibatch)) return { kind: "budget" };
    const parentRun = await this.evaluateCandidate(step, parent, minibatch);
    step.pool.creditScores(parent, parentRun.map(toInstanceScore), { skipKnown: true });
    if (parentRun.every((p) => p.score >= this.perfectScore)) return { kind: "none" };

    const childValue = await this.reflect(step, parent, parentRun);
    if (!childValue) return { kind: "none" };
    if (step.pool.find(childValue)) {
      step.pool.reject(step.iteration, "reflection repeated an existing candidate");
      return { kind: "none" };
    }
    const issues = step.variable.validate({ ...step.variable.json(), ...childValue });
    if (issues.length > 0) {
      step.pool.reject(step.iteration, `invalid value: ${issues.map((i) => `${i.path || "(root)"} ${i.message}`).join("; ")}`);
      return { kind: "none" };
    }
    const provisional = provisionalCandidate(childValue, [parent.id], step.iteration);
    if (!this.affordable(step, provisional, minibatch)) return { kind: "budget" };
    const childRun = await this.evaluateCandidate(step, provisional, minibatch);
    const parentSum = total(parentRun);
    const childSum = total(childRun);
    if (childSum <= parentSum) {
      step.pool.reject(
        step.iteration,
        `gate: child scored ${childSum} on the minibatch, not above its parent ${parent.id} (${parentSum})`,
      );
      return { kind: "none" };
    }
    const child = step.pool.add(childValue, { parents: [parent.id], iteration: step.iteration });
    step.pool.creditScores(child, childRun.map(toInstanceScore));
    if (valset.length > 0) {
      if (!this.affordable(step, child, valset)) return { kind: "budget" };
      await this.validate(step, child, valset);
    }
    if (this.useMerge && step.pool.merges < this.maxMergeInvocations) await this.tryMerge(step, source);
    return { kind: "accepted", child };
  }

  /** One reflection call per text component; components whose call fails keep the parent's text. */
  private async reflect(
    step: OptimizationStep,
    parent: StoredCandidate,
    run: readonly ScoredPrediction[],
  ): Promise<Record<string, unknown> | undefined> {
    const outcomes = await Promise.all(
      this.ownKeys.map((key) =>
        requestProposal({
          model: this.languageModel,
          messages: reflectionMessages({ component: key, currentText: String(parent.value[key] ?? ""), examples: run }),
          schema: this.proposalSchema(step.variable, [key]),
          schemaName: `improved_${key}`,
          current: { [key]: parent.value[key] },
          checkPlaceholders: this.checkPlaceholders,
          temperature: this.temperature,
          context: step.context,
        }),
      ),
    );
    const value = { ...parent.value };
    let changed = false;
    this.ownKeys.forEach((key, i) => {
      const outcome = outcomes[i];
      if (!outcome) return;
      if (!outcome.ok) {
        step.pool.reject(step.iteration, `${key}: ${outcome.reason}`);
        return;
      }
      if (outcome.value[key] !== parent.value[key]) {
        value[key] = outcome.value[key];
        changed = true;
      }
    });
    return changed ? value : undefined;
  }

  /** Plain invoke: reflect on the predictions given, assign the rewrite (it is scored on the next batch). */
  private async reflectOnGivenPredictions(step: OptimizationStep): Promise<StoredCandidate | undefined> {
    const predictions = step.context.predictions ?? [];
    if (predictions.every((p) => p.score >= this.perfectScore)) return undefined;
    const value = await this.reflect(step, step.current, predictions);
    return value ? this.admit(step, value, [step.current.id]) : undefined;
  }

  /** GEPA merge: combine two front members with a common ancestor; keep it if it matches the better parent. */
  private async tryMerge(step: OptimizationStep, source: readonly Example[]): Promise<void> {
    const instanceIds = this.instanceIds(step);
    const instances = new Set(instanceIds);
    const front = paretoFront(step.pool.candidates, instanceIds).map((member) => member.candidate);
    const plan = planMerge(front, step.pool.candidates, (c) => aggregateScore(c, instances), step.random);
    if (!plan) return;
    step.pool.countMerge();
    const valset = step.context.valset ?? [];
    const subsample = step.random.sample(valset.length > 0 ? valset : source, this.minibatchSize);
    const merged = provisionalCandidate(plan.value, [plan.first.id, plan.second.id], step.iteration);
    const runs: ScoredPrediction[][] = [];
    for (const candidate of [plan.first, plan.second, merged]) {
      if (!this.affordable(step, candidate, subsample)) return;
      runs.push(await this.evaluateCandidate(step, candidate, subsample));
    }
    const [firstRun = [], secondRun = [], mergedRun = []] = runs;
    if (total(mergedRun) < Math.max(total(firstRun), total(secondRun))) {
      step.pool.reject(step.iteration, `merge of ${plan.first.id} and ${plan.second.id} scored below its parents`);
      return;
    }
    if (step.variable.validate({ ...step.variable.json(), ...plan.value }).length > 0) return;
    const child = step.pool.add(plan.value, { parents: [plan.first.id, plan.second.id], iteration: step.iteration });
    step.pool.creditScores(child, mergedRun.map(toInstanceScore));
    if (valset.length > 0 && this.affordable(step, child, valset)) await this.validate(step, child, valset);
  }

  /** Instances of the Pareto front: the validation examples, or every example seen so far without a valset. */
  private instanceIds(step: OptimizationStep): string[] {
    const valset = step.context.valset ?? [];
    if (valset.length > 0) return valset.map(exampleIdOf);
    return [...new Set(step.pool.candidates.flatMap((c) => c.instanceScores.map((s) => s.exampleId)))];
  }

  /** Whether evaluating `candidate` on `examples` stays within the budget (known scores cost nothing). */
  private affordable(step: OptimizationStep, candidate: StoredCandidate, examples: readonly Example[]): boolean {
    if (this.maxMetricCalls === undefined) return true;
    const cost = examples.filter((e) => step.pool.scoreOf(candidate, exampleIdOf(e)) === undefined).length;
    return step.state.metricCalls + cost <= this.maxMetricCalls;
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      minibatchSize: this.minibatchSize,
      candidateSelection: this.candidateSelection,
      epsilon: this.epsilon,
      useMerge: this.useMerge,
      maxMergeInvocations: this.maxMergeInvocations,
      maxMetricCalls: this.maxMetricCalls,
      iterationsPerStep: this.iterationsPerStep,
      perfectScore: this.perfectScore,
      temperature: this.temperature,
      checkPlaceholders: this.checkPlaceholders,
    };
  }
}

/** A child not yet in the pool (it enters only if it passes the gate). */
function provisionalCandidate(value: Record<string, unknown>, parents: string[], iteration: number): StoredCandidate {
  return { id: "provisional", value, meanScore: 0, evaluations: 0, parents, iteration, instanceScores: [] };
}

function toInstanceScore(prediction: ScoredPrediction): { exampleId: string; score: number } {
  return { exampleId: prediction.exampleId, score: prediction.score };
}

function total(predictions: readonly ScoredPrediction[]): number {
  return predictions.reduce((sum, p) => sum + p.score, 0);
}
