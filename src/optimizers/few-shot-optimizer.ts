import { cloneJson } from "../json.js";
import { EXAMPLES_SCHEMA, type FewShotExample } from "../prompts/schemas.js";
import { withDefaultSchema } from "./default-schema.js";
import { OptimizerOptionError } from "./errors.js";
import { selectExamples, type ExampleSampling } from "./example-selection.js";
import { choiceOption, integerOption, numberOption } from "./option-checks.js";
import type { OptimizerConfig } from "./optimizer.js";
import { PoolOptimizer, type OptimizationStep, type PoolOptimizerFields } from "./pool-optimizer.js";
import type { RememberedPrediction, StoredCandidate } from "./pool-state.js";
import { schemaKeys } from "../variables/schema.js";

export interface FewShotOptimizerFields extends PoolOptimizerFields {
  /** Fewest demonstrations in a set (default 1). */
  minExamples?: number;
  /** Most demonstrations in a set (default 3). */
  maxExamples?: number;
  /** How sets are drawn from the best predictions: "random", "best" or "softmax" (default "softmax"). */
  sampling?: ExampleSampling;
  /** Softmax temperature over rewards (default 0.3); lower favours the highest-scored predictions more. */
  temperature?: number;
  /** Predictions scoring below this are never shown as demonstrations (default 0.5). */
  minScore?: number;
  /** Sets proposed per step when they can be scored at once (default 4). */
  numCandidates?: number;
}

/**
 * Chooses few-shot demonstrations: sets of well-scored predictions are tried as the prompt's examples and the best set wins.
 *
 * Each set of k (between minExamples and maxExamples) `{ input, output }` demonstrations is drawn from the
 * remembered predictions scoring at least `minScore` and becomes a candidate; with `context.evaluate` the sets
 * are scored on the batch just seen, otherwise one set is assigned and scored on the next batch. No model call.
 */
export class FewShotOptimizer extends PoolOptimizer {
  static override description =
    "Chooses few-shot demonstrations: sets of well-scored predictions are tried as the prompt's examples and the best set wins.";

  static override readonly knownFields: readonly string[] = [
    ...PoolOptimizer.knownFields,
    "minExamples",
    "maxExamples",
    "sampling",
    "temperature",
    "minScore",
    "numCandidates",
  ];

  static override lc_name(): string {
    return "FewShotOptimizer";
  }

  readonly minExamples: number;
  readonly maxExamples: number;
  readonly sampling: ExampleSampling;
  readonly temperature: number;
  readonly minScore: number;
  readonly numCandidates: number;
  private readonly examplesKey: string;

  constructor(fields: FewShotOptimizerFields = {}) {
    super(withDefaultSchema(fields, EXAMPLES_SCHEMA));
    const owner = "FewShotOptimizer";
    const arrayKeys = schemaKeys(this.schema()).filter((key) => this.schema().properties?.[key]?.type === "array");
    if (arrayKeys.length !== 1 || schemaKeys(this.schema()).length !== 1) {
      throw new OptimizerOptionError(
        `${owner} needs a schema with exactly one array property of {input, output} demonstrations ` +
          "(the default is EXAMPLES_SCHEMA, { examples: [...] }).",
      );
    }
    this.examplesKey = arrayKeys[0] as string;
    this.minExamples = integerOption(owner, "minExamples", fields.minExamples, 1, 1);
    this.maxExamples = integerOption(owner, "maxExamples", fields.maxExamples, 3, 1);
    if (this.maxExamples < this.minExamples) {
      throw new OptimizerOptionError(
        `${owner}: \`maxExamples\` (${this.maxExamples}) must be at least \`minExamples\` (${this.minExamples}).`,
      );
    }
    this.sampling = choiceOption(owner, "sampling", fields.sampling, "softmax", ["random", "best", "softmax"]);
    this.temperature = numberOption(owner, "temperature", fields.temperature, 0.3, { min: 0, exclusiveMin: true });
    this.minScore = numberOption(owner, "minScore", fields.minScore, 0.5, { min: 0, max: 1 });
    this.numCandidates = integerOption(owner, "numCandidates", fields.numCandidates, 4, 1);
  }

  protected override async propose(step: OptimizationStep): Promise<StoredCandidate | undefined> {
    const canScoreNow = step.context.evaluate !== undefined && step.batch.length > 0;
    const good = step.pool.predictions.filter((p) => p.score >= this.minScore).sort((a, b) => b.score - a.score);
    // A set scored on the batch should not demonstrate the batch's own examples (the answer would be in the
    // prompt); leave them out when enough other demonstrations are known.
    const batchIds = new Set(step.batch.map((example) => example.id));
    const unseen = good.filter((p) => !batchIds.has(p.exampleId));
    const eligible = canScoreNow && unseen.length >= this.minExamples ? unseen : good;
    if (eligible.length < this.minExamples) {
      step.pool.reject(
        step.iteration,
        `only ${eligible.length} prediction(s) scored at least minScore=${this.minScore}; a set needs ${this.minExamples}`,
      );
      return undefined;
    }
    const count = canScoreNow ? this.numCandidates : 1;
    const proposals: StoredCandidate[] = [];
    for (let i = 0; i < count; i++) {
      const k = step.random.int(this.minExamples, Math.min(this.maxExamples, eligible.length));
      const chosen = selectExamples(eligible, k, {
        sampling: this.sampling,
        temperature: this.temperature,
        score: (p) => p.score,
        random: step.random,
      });
      // The whole set is the candidate's identity, so two different sets are never mistaken for duplicates.
      const candidate = this.admit(step, { [this.examplesKey]: chosen.map(demonstration) }, [step.current.id]);
      if (candidate) proposals.push(candidate);
    }
    return this.chooseOnBatch(step, proposals);
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      minExamples: this.minExamples,
      maxExamples: this.maxExamples,
      sampling: this.sampling,
      temperature: this.temperature,
      minScore: this.minScore,
      numCandidates: this.numCandidates,
    };
  }
}

function demonstration(prediction: RememberedPrediction): FewShotExample {
  return { input: cloneJson(prediction.input), output: cloneJson(prediction.output) };
}
