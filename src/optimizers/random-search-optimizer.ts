import type { LanguageModel } from "../models/types.js";
import { INSTRUCTIONS_SCHEMA } from "../prompts/schemas.js";
import { withDefaultSchema } from "./default-schema.js";
import { integerOption, numberOption } from "./option-checks.js";
import type { OptimizerConfig, RunShape, StepCost } from "./optimizer.js";
import {
  PoolOptimizer,
  requireLanguageModel,
  requireStringKeys,
  type OptimizationStep,
  type PoolOptimizerFields,
} from "./pool-optimizer.js";
import { componentValue, withComponentValue, type Component } from "./program/components.js";
import type { StoredCandidate } from "./program/pool-state.js";
import { paraphraseMessages } from "./prompts/paraphrase.js";
import { requestProposal } from "./request-proposal.js";

export interface RandomSearchOptimizerFields extends PoolOptimizerFields {
  /** The model that rewords the texts. */
  languageModel: LanguageModel;
  /** Proposals per step, no more than the metric budget can score on the batch (default 4). */
  numCandidates?: number;
  /** Chance that a proposal re-draws an earlier candidate instead of asking for a new rewording (default 0.25). */
  redrawProbability?: number;
  /** Sampling temperature of the rewording calls (default 1.0). */
  temperature?: number;
  /** Reject rewordings that drop or invent `{placeholders}` (default true). */
  checkPlaceholders?: boolean;
}

/**
 * The baseline: rewords prompt text with no feedback (random search from the seed), keeps the best on the batch — what any optimizer that learns must beat.
 *
 * Each step picks the component(s) to work on (round-robin) and makes `numCandidates` proposals: a rewording of
 * a text drawn at random among those tried so far (at first only the seed's), asked of the model with nothing
 * but that text (no example, score or feedback), or — with `redrawProbability` — an earlier candidate drawn at
 * random to compete again on this batch. The proposals
 * are scored on the batch just seen and the best goes in place if it beats the current program there, exactly as
 * OPRO's are, under the same budget accounting. Scores only choose among proposals; they never shape one.
 */
export class RandomSearchOptimizer extends PoolOptimizer {
  static override description =
    "The baseline: rewords prompt text with no feedback (random search from the seed), keeps the best on the batch — what any optimizer that learns must beat.";

  static override readonly knownFields: readonly string[] = [
    ...PoolOptimizer.knownFields,
    "languageModel",
    "numCandidates",
    "redrawProbability",
    "temperature",
    "checkPlaceholders",
  ];

  static override lc_name(): string {
    return "RandomSearchOptimizer";
  }

  readonly languageModel: LanguageModel;
  readonly numCandidates: number;
  readonly redrawProbability: number;
  readonly temperature: number;
  readonly checkPlaceholders: boolean;

  constructor(fields: RandomSearchOptimizerFields) {
    super(withDefaultSchema(fields, INSTRUCTIONS_SCHEMA));
    const owner = "RandomSearchOptimizer";
    requireStringKeys(owner, this.schema());
    this.languageModel = requireLanguageModel(owner, fields.languageModel);
    this.numCandidates = integerOption(owner, "numCandidates", fields.numCandidates, 4, 1);
    this.redrawProbability = numberOption(owner, "redrawProbability", fields.redrawProbability, 0.25, { min: 0, max: 1 });
    this.temperature = numberOption(owner, "temperature", fields.temperature, 1.0, { min: 0, max: 2 });
    this.checkPlaceholders = fields.checkPlaceholders ?? true;
  }

  protected override async propose(step: OptimizationStep): Promise<StoredCandidate | undefined> {
    if (step.batch.length === 0) return undefined;
    const count = this.affordableProposals(step, this.numCandidates);
    if (count === 0) {
      this.stopForBudget(step, "another proposal");
      return undefined;
    }
    const selected = this.selectComponents(step);
    const earlier = step.pool.candidates.filter((c) => c.id !== step.current.id);
    // Every random choice is made before any model call, so the calls can run at once and a run is reproducible:
    // a proposal re-draws an earlier candidate, or rewords a text drawn from those tried so far (the seed's first).
    const redraws: StoredCandidate[] = [];
    const sources: StoredCandidate[] = [];
    for (let i = 0; i < count; i++) {
      if (earlier.length > 0 && step.random.next() < this.redrawProbability) redraws.push(step.random.pick(earlier));
      else sources.push(step.random.pick(step.pool.candidates));
    }
    this.countProposal(step, sources.length * selected.components.length);
    const outcomes = await Promise.all(
      sources.map((source) => Promise.all(selected.components.map((component) => this.reword(step, source, component)))),
    );
    const proposals: StoredCandidate[] = [];
    outcomes.forEach((texts, s) => {
      let values = step.current.values;
      for (const [i, component] of selected.components.entries()) {
        const text = texts[i];
        if (text !== undefined) values = withComponentValue(values, component, text);
      }
      if (values === step.current.values) return;
      const candidate = this.admit(step, values, {
        parents: [(sources[s] as StoredCandidate).id],
        iteration: step.iteration,
        origin: "proposal",
        changed: selected.components.map((c) => c.id),
      });
      if (candidate) proposals.push(candidate);
    });
    const chosen = await this.chooseOnBatch(step, [...proposals, ...new Set(redraws)]);
    this.recordOutcome(step, selected, chosen !== step.current);
    return chosen;
  }

  /** One rewording of `source`'s text of `component`; undefined (and counted) when the model gave no usable one. */
  private async reword(step: OptimizationStep, source: StoredCandidate, component: Component): Promise<string | undefined> {
    const text = String(componentValue(source.values, component) ?? componentValue(step.current.values, component) ?? "");
    const outcome = await requestProposal({
      model: this.languageModel,
      messages: paraphraseMessages({ key: component.key, text }),
      schema: this.proposalSchema(step, [component]),
      schemaName: `reworded_${component.key}`,
      current: { [component.key]: text },
      formats: this.proposalFormats(step, [component]),
      checkPlaceholders: this.checkPlaceholders,
      temperature: this.temperature,
      context: step.context,
    });
    if (!outcome.ok) {
      this.reject(step, outcome.reason, `${component.id}: ${outcome.message}`);
      return undefined;
    }
    const value = outcome.value[component.key];
    return typeof value === "string" ? value : undefined;
  }

  /** Each proposal is scored on the batch; a re-draw costs no model call. */
  override estimateStepCost(shape: RunShape): StepCost {
    return {
      metricCalls: this.numCandidates * shape.batchSize,
      optimizerCalls: this.numCandidates * (1 - this.redrawProbability),
    };
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      numCandidates: this.numCandidates,
      redrawProbability: this.redrawProbability,
      temperature: this.temperature,
      checkPlaceholders: this.checkPlaceholders,
    };
  }
}
