import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import type { LanguageModel } from "../models/types.js";
import { INSTRUCTIONS_SCHEMA } from "../prompts/schemas.js";
import { withDefaultSchema } from "./default-schema.js";
import { survivors } from "./dominated-novelty.js";
import { softmaxWeights } from "./example-selection.js";
import { OptimizerOptionError } from "./errors.js";
import { integerOption, numberOption } from "./option-checks.js";
import type { OptimizerConfig, RunShape, StepCost } from "./optimizer.js";
import {
  PoolOptimizer,
  requireStringKeys,
  requireLanguageModel,
  type OptimizationStep,
  type PoolOptimizerFields,
} from "./pool-optimizer.js";
import { trainingScore } from "./program/candidate-score.js";
import type { RememberedPrediction, StoredCandidate } from "./program/pool-state.js";
import { formatValue } from "./prompts/format.js";
import { crossoverMessages, mutationMessages } from "./prompts/omega.js";
import { requestProposal } from "./request-proposal.js";
import { EmbeddingDistance, LexicalDistance, type TextDistance } from "./text-distance.js";

export interface EvolutionaryOptimizerFields extends PoolOptimizerFields {
  /** The model that mutates and crosses candidates. */
  languageModel: LanguageModel;
  /** LangChain embeddings for the diversity distance; a lexical (word-overlap) distance when omitted. */
  embeddings?: Pick<EmbeddingsInterface, "embedDocuments">;
  /** Candidates kept after each step (default 10, as in Synalinks). */
  populationSize?: number;
  /** Chance that an offspring is a crossover of two parents rather than a mutation of one (default 0.5). */
  crossoverProbability?: number;
  /** Softmax temperature of parent selection over mean reward (default 0.3); lower is greedier. */
  selectionTemperature?: number;
  /** Sampling temperature of the model's rewrites (default 1.0). */
  temperature?: number;
  /** k of dominated novelty search: fitter neighbours averaged (default 3). */
  kNearest?: number;
  /** Offspring per step (default 1). */
  numCandidates?: number;
  /** Good and bad predictions shown with each mutation or crossover, each (default 3). */
  numExemplars?: number;
  /** Reject rewrites that drop or invent `{placeholders}` (default true). */
  checkPlaceholders?: boolean;
}

/**
 * Evolves a population of prompts (OMEGA): LM mutation and crossover, softmax selection, dominated-novelty survival.
 *
 * Each step selects parents by softmax over mean reward, and makes offspring: with `crossoverProbability` the
 * model merges two parents, otherwise it rewrites one — both shown good and bad predictions. With an
 * evaluator the offspring are scored on the batch just seen. Survival keeps `populationSize` candidates by
 * dominated novelty search: a candidate's competition score is its mean distance to the k nearest strictly
 * fitter ones, so near-copies of better candidates go first while distinct approaches survive.
 */
export class EvolutionaryOptimizer extends PoolOptimizer {
  static override description =
    "Evolves a population of prompts (OMEGA): LM mutation and crossover, softmax selection, dominated-novelty survival.";

  static override readonly knownFields: readonly string[] = [
    ...PoolOptimizer.knownFields,
    "languageModel",
    "embeddings",
    "populationSize",
    "crossoverProbability",
    "selectionTemperature",
    "temperature",
    "kNearest",
    "numCandidates",
    "numExemplars",
    "checkPlaceholders",
  ];

  static override lc_name(): string {
    return "EvolutionaryOptimizer";
  }

  readonly languageModel: LanguageModel;
  readonly populationSize: number;
  readonly crossoverProbability: number;
  readonly selectionTemperature: number;
  readonly temperature: number;
  readonly kNearest: number;
  readonly numCandidates: number;
  readonly numExemplars: number;
  readonly checkPlaceholders: boolean;
  /** Cached distances among candidate texts (embedding or lexical). */
  readonly distance: TextDistance;

  constructor(fields: EvolutionaryOptimizerFields) {
    super(withDefaultSchema(fields, INSTRUCTIONS_SCHEMA));
    const owner = "EvolutionaryOptimizer";
    requireStringKeys(owner, this.schema());
    this.languageModel = requireLanguageModel(owner, fields.languageModel);
    this.populationSize = integerOption(owner, "populationSize", fields.populationSize, 10, 2);
    this.crossoverProbability = numberOption(owner, "crossoverProbability", fields.crossoverProbability, 0.5, { min: 0, max: 1 });
    this.selectionTemperature = numberOption(owner, "selectionTemperature", fields.selectionTemperature, 0.3, {
      min: 0,
      exclusiveMin: true,
    });
    this.temperature = numberOption(owner, "temperature", fields.temperature, 1.0, { min: 0, max: 2 });
    this.kNearest = integerOption(owner, "kNearest", fields.kNearest, 3, 1);
    this.numCandidates = integerOption(owner, "numCandidates", fields.numCandidates, 1, 1);
    this.numExemplars = integerOption(owner, "numExemplars", fields.numExemplars, 3, 0);
    this.checkPlaceholders = fields.checkPlaceholders ?? true;
    if (fields.embeddings !== undefined && typeof fields.embeddings.embedDocuments !== "function") {
      throw new OptimizerOptionError(
        `${owner}: \`embeddings\` must be a LangChain Embeddings (with embedDocuments), e.g. new OpenAIEmbeddings().`,
      );
    }
    this.distance = fields.embeddings ? new EmbeddingDistance(fields.embeddings) : new LexicalDistance();
  }

  protected override async propose(step: OptimizationStep): Promise<StoredCandidate | undefined> {
    // Every proposal is scored on the batch: ask for no more than the budget can score.
    const count = this.batchProposals(step, this.numCandidates, "another offspring");
    if (count === 0) return undefined;
    const selected = this.selectComponents(step);
    const batch = step.context.predictions ?? [];
    const views = this.views(step, selected.components, batch);
    const shown = this.evidence(step);
    const plans = Array.from({ length: count }, () => this.plan(step));
    const shownValue = (candidate: StoredCandidate) => {
      const current = this.proposalCurrent(candidate, selected.components);
      return selected.components.length === 1 ? Object.values(current)[0] : current;
    };
    this.countProposal(step, count);
    const outcomes = await Promise.all(
      plans.map((plan) =>
        requestProposal({
          model: this.languageModel,
          messages:
            plan.kind === "crossover"
              ? crossoverMessages({ views, first: shownValue(plan.parents[0]), second: shownValue(plan.parents[1]), ...shown })
              : mutationMessages({ views, parent: shownValue(plan.parents[0]), ...shown }),
          schema: this.proposalSchema(step, selected.components),
          schemaName: plan.kind === "crossover" ? "crossover" : "mutation",
          current: this.proposalCurrent(plan.parents[0], selected.components),
          formats: this.proposalFormats(step, selected.components),
          checkPlaceholders: this.checkPlaceholders,
          temperature: this.temperature,
          context: step.context,
        }),
      ),
    );
    const offspring: StoredCandidate[] = [];
    outcomes.forEach((outcome, i) => {
      const plan = plans[i];
      if (!plan) return;
      if (!outcome.ok) {
        this.reject(step, outcome.reason, `${plan.kind}: ${outcome.message}`);
        return;
      }
      const child = this.admit(step, this.applyProposal(plan.parents[0], selected.components, outcome.value), {
        parents: plan.parents.map((p) => p.id),
        iteration: step.iteration,
        origin: plan.kind,
        changed: selected.components.map((c) => c.id),
      });
      if (child) offspring.push(child);
    });
    const chosen = await this.chooseOnBatch(step, offspring);
    this.recordOutcome(step, selected, chosen !== step.current);
    await this.survive(step, new Set([step.current.id, chosen.id]));
    return chosen;
  }

  /** Each of `numCandidates` offspring is one model call and is scored on the batch. */
  override estimateStepCost(shape: RunShape): StepCost {
    return { metricCalls: this.numCandidates * shape.batchSize, optimizerCalls: this.numCandidates };
  }

  /** Mutation of one parent, or (with crossoverProbability and two scored candidates) crossover of two. */
  private plan(
    step: OptimizationStep,
  ): { kind: "mutation"; parents: [StoredCandidate] } | { kind: "crossover"; parents: [StoredCandidate, StoredCandidate] } {
    const scored = step.pool.candidates.filter((c) => this.fitness(step, c) !== undefined);
    const pool = scored.length > 0 ? scored : [step.current];
    const first = this.select(pool, step);
    const others = pool.filter((c) => c.id !== first.id);
    if (others.length > 0 && step.random.next() < this.crossoverProbability) {
      return { kind: "crossover", parents: [first, this.select(others, step)] };
    }
    return { kind: "mutation", parents: [first] };
  }

  /** A candidate's mean training score, undefined while it has none. */
  private fitness(step: OptimizationStep, candidate: StoredCandidate): number | undefined {
    const { mean, count } = trainingScore(candidate);
    return count > 0 ? mean : undefined;
  }

  /** Softmax over mean reward / selectionTemperature. */
  private select(candidates: readonly StoredCandidate[], step: OptimizationStep): StoredCandidate {
    const weights = softmaxWeights(
      candidates.map((c) => this.fitness(step, c) ?? 0),
      this.selectionTemperature,
    );
    return candidates[step.random.weightedIndex(weights)] as StoredCandidate;
  }

  /** Good and bad predictions of the batch just seen (or of remembered ones), a few of each. */
  private evidence(step: OptimizationStep): { good: RememberedPrediction[]; bad: RememberedPrediction[] } {
    const batch = step.context.predictions ?? [];
    const source: readonly RememberedPrediction[] = batch.length > 0 ? batch : step.pool.predictions;
    return {
      good: step.random.sample(
        source.filter((p) => p.score >= 0.5),
        this.numExemplars,
      ),
      bad: step.random.sample(
        source.filter((p) => p.score < 0.5),
        this.numExemplars,
      ),
    };
  }

  /** Dominated novelty search: cut the population to populationSize, never dropping `keep`. */
  private async survive(step: OptimizationStep, keep: ReadonlySet<string>): Promise<void> {
    const candidates = step.pool.candidates;
    if (candidates.length <= this.populationSize) return;
    const textOf = (c: StoredCandidate) => formatValue(c.values);
    await this.distance.prepare(candidates.map(textOf), step.context.signal);
    const members = candidates.map((c) => ({
      id: c.id,
      // Unscored candidates compete as the least fit.
      fitness: this.fitness(step, c) ?? Number.NEGATIVE_INFINITY,
      text: textOf(c),
    }));
    const kept = survivors(members, this.populationSize, this.kNearest, (a, b) => this.distance.distance(a, b), keep);
    step.pool.retain(kept);
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      populationSize: this.populationSize,
      crossoverProbability: this.crossoverProbability,
      selectionTemperature: this.selectionTemperature,
      temperature: this.temperature,
      kNearest: this.kNearest,
      numCandidates: this.numCandidates,
      numExemplars: this.numExemplars,
      checkPlaceholders: this.checkPlaceholders,
    };
  }
}
