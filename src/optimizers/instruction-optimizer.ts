import type { LanguageModel } from "../models/types.js";
import { INSTRUCTIONS_SCHEMA } from "../prompts/schemas.js";
import type { OptimizerConfig } from "./optimizer.js";
import { withDefaultSchema } from "./default-schema.js";
import { integerOption, numberOption } from "./option-checks.js";
import {
  PoolOptimizer,
  requireLanguageModel,
  requireStringKeys,
  type OptimizationStep,
  type PoolOptimizerFields,
} from "./pool-optimizer.js";
import type { RememberedPrediction, StoredCandidate } from "./pool-state.js";
import { oproMessages } from "./prompts/opro.js";
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
 * Each step shows the model the best `maxTrajectory` versions so far (ascending by score, 0–100) and
 * `numExemplars` scored predictions, and asks for `numCandidates` new versions. With `context.evaluate` each
 * proposal is scored on the batch just seen and the best one (if it beats the current value) goes into the
 * variable; without it, one proposal is assigned and scored on the next batch. Works on any set of string keys
 * (default `{ instructions }`).
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
    const canScoreNow = step.context.evaluate !== undefined && step.batch.length > 0;
    // Unscored proposals could never be compared, so without an evaluator one proposal per step is enough.
    const count = canScoreNow ? this.numCandidates : 1;
    const messages = oproMessages({
      keys: this.ownKeys,
      trajectory: this.trajectory(step.pool.candidates),
      exemplars: this.exemplars(step),
    });
    const outcomes = await Promise.all(
      Array.from({ length: count }, () =>
        requestProposal({
          model: this.languageModel,
          messages,
          schema: this.proposalSchema(step.variable),
          schemaName: "new_version",
          current: step.current.value,
          checkPlaceholders: this.checkPlaceholders,
          temperature: this.temperature,
          context: step.context,
        }),
      ),
    );
    const proposals: StoredCandidate[] = [];
    for (const outcome of outcomes) {
      if (!outcome.ok) {
        step.pool.reject(step.iteration, outcome.reason);
        continue;
      }
      const candidate = this.admit(step, outcome.value, [step.current.id]);
      if (candidate) proposals.push(candidate);
    }
    return this.chooseOnBatch(step, proposals);
  }

  /** The best scored versions, worst first, so the strongest examples sit right above the request. */
  private trajectory(candidates: readonly StoredCandidate[]): { value: Record<string, unknown>; score: number }[] {
    return candidates
      .filter((c) => c.evaluations > 0)
      .sort((a, b) => b.meanScore - a.meanScore || b.evaluations - a.evaluations)
      .slice(0, this.maxTrajectory)
      .reverse()
      .map((c) => ({ value: c.value, score: c.meanScore }));
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
