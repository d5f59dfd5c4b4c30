import type { LanguageModel } from "../models/types.js";
import { INSTRUCTIONS_SCHEMA } from "../prompts/schemas.js";
import type { OptimizerConfig, RunShape, StepCost } from "./optimizer.js";
import { withDefaultSchema } from "./default-schema.js";
import { integerOption, numberOption } from "./option-checks.js";
import {
  PoolOptimizer,
  requireLanguageModel,
  requireStringKeys,
  type OptimizationStep,
  type PoolOptimizerFields,
} from "./pool-optimizer.js";
import { trainingScore } from "./program/candidate-score.js";
import type { Component } from "./program/components.js";
import type { RememberedPrediction, StoredCandidate } from "./program/pool-state.js";
import { oproMessages, type TrajectoryEntry } from "./prompts/opro.js";
import { requestProposal } from "./request-proposal.js";

export interface InstructionOptimizerFields extends PoolOptimizerFields {
  /** The model that writes new versions. */
  languageModel: LanguageModel;
  /** Proposals per step when they can be scored at once (default 8, as in the OPRO paper). */
  numCandidates?: number;
  /** Sampling temperature of the proposals (default 1.0, as in the paper). */
  temperature?: number;
  /** Best past versions shown in the meta-prompt (default 20). */
  maxTrajectory?: number;
  /** Task exemplars shown in the meta-prompt (default 3). */
  numExemplars?: number;
  /** Reject proposals that drop or invent `{placeholders}` (default true). */
  checkPlaceholders?: boolean;
}

/**
 * Rewrites prompt instructions with OPRO: a meta-prompt of past versions and their scores asks a model for better ones.
 *
 * Candidates are whole programs. Each step picks the component(s) to rewrite (round-robin over the program's
 * prompts, all of them together after a round without progress), shows the model the best `maxTrajectory`
 * versions so far (ascending by score, 0–100) and `numExemplars` scored examples with what that prompt received
 * and produced, and asks for `numCandidates` new versions — no more than the metric budget can score. Each is
 * scored on the batch just seen and the best one goes in place if it beats the current program on that batch.
 * Works on any set of string keys (default `{ instructions }`).
 */
export class InstructionOptimizer extends PoolOptimizer {
  static override description =
    "Rewrites prompt instructions with OPRO: a meta-prompt of past versions and their scores asks a model for better ones.";

  static override readonly knownFields: readonly string[] = [
    ...PoolOptimizer.knownFields,
    "languageModel",
    "numCandidates",
    "temperature",
    "maxTrajectory",
    "numExemplars",
    "checkPlaceholders",
  ];

  static override lc_name(): string {
    return "InstructionOptimizer";
  }

  readonly languageModel: LanguageModel;
  readonly numCandidates: number;
  readonly temperature: number;
  readonly maxTrajectory: number;
  readonly numExemplars: number;
  readonly checkPlaceholders: boolean;

  constructor(fields: InstructionOptimizerFields) {
    super(withDefaultSchema(fields, INSTRUCTIONS_SCHEMA));
    const owner = "InstructionOptimizer";
    requireStringKeys(owner, this.schema());
    this.languageModel = requireLanguageModel(owner, fields.languageModel);
    this.numCandidates = integerOption(owner, "numCandidates", fields.numCandidates, 8, 1);
    this.temperature = numberOption(owner, "temperature", fields.temperature, 1.0, { min: 0, max: 2 });
    this.maxTrajectory = integerOption(owner, "maxTrajectory", fields.maxTrajectory, 20, 1);
    this.numExemplars = integerOption(owner, "numExemplars", fields.numExemplars, 3, 0);
    this.checkPlaceholders = fields.checkPlaceholders ?? true;
  }

  protected override async propose(step: OptimizationStep): Promise<StoredCandidate | undefined> {
    // Every proposal is scored on the batch: ask for no more than the budget can score.
    const count = this.batchProposals(step, this.numCandidates, "another proposal");
    if (count === 0) return undefined;
    const selected = this.selectComponents(step);
    const batch = step.context.predictions ?? [];
    const messages = oproMessages({
      views: this.views(step, selected.components, batch),
      trajectory: this.trajectory(step, selected.components),
      exemplars: this.exemplars(step),
    });
    this.countProposal(step, count);
    const outcomes = await Promise.all(
      Array.from({ length: count }, () =>
        requestProposal({
          model: this.languageModel,
          messages,
          schema: this.proposalSchema(step, selected.components),
          schemaName: "new_version",
          current: this.proposalCurrent(step.current, selected.components),
          formats: this.proposalFormats(step, selected.components),
          checkPlaceholders: this.checkPlaceholders,
          temperature: this.temperature,
          context: step.context,
        }),
      ),
    );
    const proposals: StoredCandidate[] = [];
    for (const outcome of outcomes) {
      if (!outcome.ok) {
        this.reject(step, outcome.reason, outcome.message);
        continue;
      }
      const candidate = this.admit(step, this.applyProposal(step.current, selected.components, outcome.value), {
        parents: [step.current.id],
        iteration: step.iteration,
        origin: "proposal",
        changed: selected.components.map((c) => c.id),
      });
      if (candidate) proposals.push(candidate);
    }
    const chosen = await this.chooseOnBatch(step, proposals);
    this.recordOutcome(step, selected, chosen !== step.current);
    return chosen;
  }

  /** Each of `numCandidates` proposals is one model call and is scored on the batch. */
  override estimateStepCost(shape: RunShape): StepCost {
    return { metricCalls: this.numCandidates * shape.batchSize, optimizerCalls: this.numCandidates };
  }

  /**
   * The best scored program candidates, worst first, each shown by the value of the components being
   * rewritten (the strongest examples sit right above the request). Scores are the candidates' own, measured
   * with every other component as that candidate held it.
   */
  private trajectory(step: OptimizationStep, components: readonly Component[]): TrajectoryEntry[] {
    const shown = new Map<string, TrajectoryEntry>();
    const ranked = step.pool.candidates
      .map((candidate) => ({ candidate, ...trainingScore(candidate) }))
      .filter((entry) => entry.count > 0)
      .sort((a, b) => b.mean - a.mean || b.count - a.count);
    for (const { candidate, mean } of ranked) {
      const current = this.proposalCurrent(candidate, components);
      const value = components.length === 1 ? Object.values(current)[0] : current;
      const key = JSON.stringify(value);
      if (!shown.has(key)) shown.set(key, { value, score: mean });
      if (shown.size >= this.maxTrajectory) break;
    }
    return [...shown.values()].reverse();
  }

  /** Exemplars drawn at random from the batch just seen (or, without one, from remembered predictions). */
  private exemplars(step: OptimizationStep): RememberedPrediction[] {
    const batch = step.context.predictions ?? [];
    const source: readonly RememberedPrediction[] = batch.length > 0 ? batch : step.pool.predictions;
    return step.random.sample(source, this.numExemplars);
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      numCandidates: this.numCandidates,
      temperature: this.temperature,
      maxTrajectory: this.maxTrajectory,
      numExemplars: this.numExemplars,
      checkPlaceholders: this.checkPlaceholders,
    };
  }
}
