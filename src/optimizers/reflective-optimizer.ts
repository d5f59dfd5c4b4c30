import type { Example } from "../data/example.js";
import { exampleIdOf } from "../data/example.js";
import type { ScoredPrediction } from "../data/scored-prediction.js";
import type { LanguageModel } from "../models/types.js";
import { INSTRUCTIONS_SCHEMA } from "../prompts/schemas.js";
import { withDefaultSchema } from "./default-schema.js";
import { planMerge } from "./merge.js";
import { choiceOption, integerOption, numberOption } from "./option-checks.js";
import type { OptimizerConfig, RunShape, StepCost } from "./optimizer.js";
import { paretoFront } from "./pareto-front.js";
import { aggregateScore, bestCandidate, selectParent, type ParentSelection } from "./parent-selection.js";
import {
  PoolOptimizer,
  requireLanguageModel,
  requireStringKeys,
  type OptimizationStep,
  type PoolOptimizerFields,
} from "./pool-optimizer.js";
import { beats, total } from "./program/acceptance.js";
import type { SelectedComponents } from "./program/component-selection.js";
import { componentValue, type Component } from "./program/components.js";
import type { StoredCandidate } from "./program/pool-state.js";
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
  /** GEPA iterations per optimization step (default 1; fit keeps stepping while the metric budget lasts). */
  iterationsPerStep?: number;
  /** A minibatch where every score reaches this is skipped: nothing to learn from it (default 1). */
  perfectScore?: number;
  /** Sampling temperature of the reflection calls (default 1.0). */
  temperature?: number;
  /** Reject rewrites that drop or invent `{placeholders}` (default true). */
  checkPlaceholders?: boolean;
}

type IterationResult = "accepted" | "rejected" | "skipped" | "budget";

/** The share of GEPA children that pass the gate, for cost estimates (measured on the quality benchmark: 0.2–0.3). */
const ACCEPTANCE_RATE = 0.25;

/** Minibatches an iteration may draw when the ones it draws are already perfect. */
const PERFECT_DRAWS_PER_ITERATION = 10;

/**
 * Evolves prompt text with GEPA: reflects on each prompt's own trace and feedback, keeps a child only if it beats its parent.
 *
 * A candidate is the text of every component (each prompt's instructions) of the program. Each iteration
 * picks a parent program (per-instance Pareto front by default) and the component(s) to rewrite (round-robin,
 * with a joint rewrite of all of them after a round in which no single rewrite was accepted), runs the parent
 * on a minibatch of `minibatchSize` training examples, asks the model once per chosen component to rewrite it
 * from what that component received and produced and from the program-level feedback, and runs the child on
 * the same minibatch: it is kept only when its total beats the parent's, then scored on the validation set.
 * Two front members with a common ancestor may be merged component by component. Before each reflection
 * the budget must cover the child's minibatch, so no model call is paid for a rewrite that cannot be scored.
 */
export class ReflectiveOptimizer extends PoolOptimizer {
  static override description =
    "Evolves prompt text with GEPA: reflects on each prompt's own trace and feedback, keeps a child only if it beats its parent.";

  static override readonly knownFields: readonly string[] = [
    ...PoolOptimizer.knownFields,
    "languageModel",
    "minibatchSize",
    "candidateSelection",
    "epsilon",
    "useMerge",
    "maxMergeInvocations",
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
    this.iterationsPerStep = integerOption(owner, "iterationsPerStep", fields.iterationsPerStep, 1, 1);
    this.perfectScore = numberOption(owner, "perfectScore", fields.perfectScore, 1, {});
    this.temperature = numberOption(owner, "temperature", fields.temperature, 1.0, { min: 0, max: 2 });
    this.checkPlaceholders = fields.checkPlaceholders ?? true;
  }

  /** GEPA draws its own minibatches from the trainset: the training loop's batch run is not needed. */
  override get usesBatchPredictions(): boolean {
    return false;
  }

  protected override async propose(step: OptimizationStep): Promise<StoredCandidate | undefined> {
    let perfect = 0;
    for (let i = 0; i < this.iterationsPerStep; i++) {
      step.context.signal?.throwIfAborted();
      const result = await this.iterate(step);
      if (result === "budget") {
        this.stopForBudget(step, "another GEPA iteration");
        break;
      }
      // A perfect minibatch teaches nothing and, known from the cache, usually costs nothing: draw another.
      if (result === "skipped" && ++perfect < PERFECT_DRAWS_PER_ITERATION) i--;
    }
    // Put the best program in place: validated ones by held-out mean, else the best on training evidence.
    const valset = step.context.valset ?? [];
    const candidates = valset.length > 0 ? step.pool.candidates.filter((c) => c.validationScore !== undefined) : step.pool.candidates;
    return this.best(step, candidates);
  }

  /**
   * Per iteration: the parent's minibatch (about half of it already known), one reflection per rewritten
   * component (one, round-robin) and the child's minibatch; a child that passes the gate (about one in four)
   * is validated on the whole valset.
   */
  override estimateStepCost(shape: RunShape): StepCost {
    const minibatch = Math.min(this.minibatchSize, shape.trainSize);
    const perIteration = 1.5 * minibatch + ACCEPTANCE_RATE * shape.valSize;
    return { metricCalls: this.iterationsPerStep * perIteration, optimizerCalls: this.iterationsPerStep };
  }

  /** One GEPA iteration: select, run on a minibatch, reflect, gate, validate, maybe merge. */
  private async iterate(step: OptimizationStep): Promise<IterationResult> {
    const valset = step.context.valset ?? [];
    // The seed must have held-out scores before it can stand on the Pareto front.
    if (valset.length > 0 && step.current.validationScore === undefined) {
      if (!this.canAfford(step, [step.current], valset)) return "budget";
      await this.validate(step, step.current);
    }
    const trainset = step.context.trainset ?? [];
    const source = trainset.length > 0 ? trainset : step.batch;
    if (source.length === 0) return "skipped";
    const instanceIds = this.instanceIds(step);
    const selectable = valset.length > 0 ? step.pool.candidates.filter((c) => c.validationScore !== undefined) : step.pool.candidates;
    const parent =
      selectParent(selectable, instanceIds, { strategy: this.candidateSelection, epsilon: this.epsilon, random: step.random }) ??
      step.current;
    const minibatch = step.random.sample(source, this.minibatchSize);
    // The parent's run and the child's must both be affordable before anything, the reflection call included, is paid.
    if (this.costOf(step, parent, minibatch) + minibatch.length > this.metricCallsLeft(step)) return "budget";
    const parentRun = await this.evaluate(step, parent, minibatch, "gate");
    if (parentRun.every((p) => p.score >= this.perfectScore)) return "skipped";

    const selected = this.selectComponents(step);
    const childValues = await this.reflect(step, parent, selected.components, parentRun);
    if (!childValues) {
      this.recordOutcome(step, selected, false);
      return "rejected";
    }
    if (!this.usable(step, childValues)) {
      this.recordOutcome(step, selected, false);
      return "rejected";
    }
    // The child enters the pool only if it passes the gate.
    const childRun = await this.evaluate(step, childValues, minibatch, "gate");
    if (!beats(childRun, parentRun)) {
      this.reject(
        step,
        "below-parent",
        `rewrite of ${describeSelection(selected)} scored ${total(childRun)} on the minibatch, not above its parent ${parent.id} (${total(parentRun)})`,
      );
      this.recordOutcome(step, selected, false);
      return "rejected";
    }
    const child = step.pool.add(childValues, {
      parents: [parent.id],
      iteration: step.iteration,
      origin: "proposal",
      changed: selected.components.map((c) => c.id),
    });
    step.pool.record(child, childRun.map((p) => ({ exampleId: p.exampleId, score: p.score })));
    this.recordOutcome(step, selected, true);
    if (valset.length > 0) {
      if (!this.canAfford(step, [child], valset)) return "budget";
      await this.validate(step, child);
    }
    if (this.useMerge && step.pool.merges < this.maxMergeInvocations) await this.tryMerge(step, source);
    return "accepted";
  }

  /** One reflection call per chosen component, each shown that component's own trace; failed calls keep the parent's text. */
  private async reflect(
    step: OptimizationStep,
    parent: StoredCandidate,
    components: readonly Component[],
    run: readonly ScoredPrediction[],
  ) {
    const views = this.views(step, components, run);
    this.countProposal(step, components.length);
    const outcomes = await Promise.all(
      views.map((view) =>
        requestProposal({
          model: this.languageModel,
          messages: reflectionMessages({
            view,
            currentText: String(componentValue(parent.values, view.component) ?? ""),
            examples: run,
          }),
          schema: this.proposalSchema(step, [view.component]),
          schemaName: `improved_${view.component.key}`,
          current: this.proposalCurrent(parent, [view.component]),
          formats: this.proposalFormats(step, [view.component]),
          checkPlaceholders: this.checkPlaceholders,
          temperature: this.temperature,
          context: step.context,
        }),
      ),
    );
    let values = parent.values;
    let changed = false;
    views.forEach((view, i) => {
      const outcome = outcomes[i];
      if (!outcome) return;
      if (!outcome.ok) {
        this.reject(step, outcome.reason, `${view.component.id}: ${outcome.message}`);
        return;
      }
      const next = this.applyProposal({ ...parent, values }, [view.component], outcome.value);
      if (componentValue(next, view.component) !== componentValue(parent.values, view.component)) {
        values = next;
        changed = true;
      }
    });
    if (!changed) return undefined;
    return values;
  }

  /** GEPA merge: combine two front members with a common ancestor; keep it if it matches the better parent. */
  private async tryMerge(step: OptimizationStep, source: readonly Example[]): Promise<void> {
    const instanceIds = this.instanceIds(step);
    const instances = new Set(instanceIds);
    const front = paretoFront(step.pool.candidates, instanceIds).map((member) => member.candidate);
    const plan = planMerge(front, step.pool.candidates, step.components, (c) => aggregateScore(c, instances), step.random);
    if (!plan) return;
    const valset = step.context.valset ?? [];
    const subsample = step.random.sample(valset.length > 0 ? valset : source, this.minibatchSize);
    if (!this.canAfford(step, [plan.first, plan.second, plan.values], subsample)) return;
    step.pool.countMerge();
    const [firstRun = [], secondRun = [], mergedRun = []] = await Promise.all(
      [plan.first, plan.second, plan.values].map((candidate) => this.evaluate(step, candidate, subsample)),
    );
    const better = total(firstRun) >= total(secondRun) ? firstRun : secondRun;
    if (!beats(mergedRun, better, { ties: true })) {
      this.reject(step, "below-parent", `merge of ${plan.first.id} and ${plan.second.id} scored below its parents`);
      return;
    }
    if (!this.usable(step, plan.values)) return;
    const child = step.pool.add(plan.values, {
      parents: [plan.first.id, plan.second.id],
      iteration: step.iteration,
      origin: "merge",
      changed: step.components.filter((c) => componentValue(plan.values, c) !== componentValue(plan.first.values, c)).map((c) => c.id),
    });
    step.pool.record(
      child,
      mergedRun.map((p) => ({ exampleId: p.exampleId, score: p.score })),
      { validation: valset.length > 0 },
    );
    if (valset.length > 0 && this.canAfford(step, [child], valset)) await this.validate(step, child);
  }

  /** The best of `candidates` by validation mean (else training evidence); older ones win ties. */
  private best(step: OptimizationStep, candidates: readonly StoredCandidate[]): StoredCandidate | undefined {
    return bestCandidate(candidates, new Set(this.instanceIds(step)));
  }

  /** Instances of the Pareto front: the validation examples, or every example seen so far without a valset. */
  private instanceIds(step: OptimizationStep): string[] {
    const valset = step.context.valset ?? [];
    if (valset.length > 0) return valset.map(exampleIdOf);
    return [...new Set(step.pool.candidates.flatMap((c) => c.instanceScores.map((s) => s.exampleId)))];
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      minibatchSize: this.minibatchSize,
      candidateSelection: this.candidateSelection,
      epsilon: this.epsilon,
      useMerge: this.useMerge,
      maxMergeInvocations: this.maxMergeInvocations,
      iterationsPerStep: this.iterationsPerStep,
      perfectScore: this.perfectScore,
      temperature: this.temperature,
      checkPlaceholders: this.checkPlaceholders,
    };
  }
}

function describeSelection(selected: SelectedComponents): string {
  return `${selected.joint ? "joint rewrite of " : ""}${selected.components.map((c) => c.id).join(" + ")}`;
}
