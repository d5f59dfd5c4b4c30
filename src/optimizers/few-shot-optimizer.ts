import { exampleIdOf } from "../data/example.js";
import { cloneJson } from "../json.js";
import { EXAMPLES_SCHEMA } from "../prompts/schemas.js";
import { withDefaultSchema } from "./default-schema.js";
import { bootstrappedDemos, labelledDemos, labelsFit, type DemoCandidate } from "./demonstrations.js";
import { OptimizerOptionError } from "./errors.js";
import { selectExamples, type ExampleSampling } from "./example-selection.js";
import { choiceOption, integerOption, numberOption } from "./option-checks.js";
import type { OptimizerConfig, RunShape, StepCost } from "./optimizer.js";
import { PoolOptimizer, type OptimizationStep, type PoolOptimizerFields } from "./pool-optimizer.js";
import { type Component, withComponentValue } from "./program/components.js";
import type { StoredCandidate } from "./program/pool-state.js";
import { candidateKey } from "./program/program-pool.js";
import { schemaKeys } from "../variables/schema.js";

/** Where demonstrations come from: a prompt's own well-scored runs, labelled training examples, or both. */
export type DemonstrationSource = "bootstrapped" | "labelled" | "both";

export interface FewShotOptimizerFields extends PoolOptimizerFields {
  /** Fewest demonstrations in a set (default 1). */
  minExamples?: number;
  /** Most demonstrations in a set (default 3). */
  maxExamples?: number;
  /** How sets are drawn from the best demonstrations: "random", "best" or "softmax" (default "softmax"). */
  sampling?: ExampleSampling;
  /** Softmax temperature over rewards (default 0.3); lower favours the highest-scored runs more. */
  temperature?: number;
  /** Runs whose program-level score is below this are never shown as demonstrations (default 0.5). */
  minScore?: number;
  /** Sets proposed per step (default 4), no more than the metric budget can score. */
  numCandidates?: number;
  /**
   * "bootstrapped": the prompt's own (inputs → output) pairs from runs that scored well (DSPy's
   * BootstrapFewShot). "labelled": training examples' input and expected answer, for a prompt whose inputs and
   * output are the program's own. "both" (default): bootstrapped ones, and labelled ones where they apply.
   */
  source?: DemonstrationSource;
}

/** Draws tried before a step gives up finding a set it has not proposed yet. */
const DRAWS_PER_SET = 12;

/**
 * Chooses few-shot demonstrations per prompt: sets of the prompt's own well-scored (inputs → output) pairs, or labelled examples, are tried and the best set wins.
 *
 * Each step picks the prompt(s) to work on (round-robin over the program's prompts), draws `numCandidates`
 * distinct sets of k (between minExamples and maxExamples) demonstrations — a prompt's own inputs and outputs
 * from runs whose program score reached `minScore`, and labelled training examples where the prompt's inputs
 * and output are the program's — and scores each program candidate on the batch just seen; the best goes in
 * place if it beats the current program. No model call.
 */
export class FewShotOptimizer extends PoolOptimizer {
  static override description =
    "Chooses few-shot demonstrations per prompt: sets of the prompt's own well-scored (inputs → output) pairs, or labelled examples, are tried and the best set wins.";

  static override readonly knownFields: readonly string[] = [
    ...PoolOptimizer.knownFields,
    "minExamples",
    "maxExamples",
    "sampling",
    "temperature",
    "minScore",
    "numCandidates",
    "source",
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
  readonly source: DemonstrationSource;

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
    this.source = choiceOption(owner, "source", fields.source, "both", ["bootstrapped", "labelled", "both"]);
  }

  protected override async propose(step: OptimizationStep): Promise<StoredCandidate | undefined> {
    // Every proposal is scored on the batch: ask for no more than the budget can score.
    const count = this.batchProposals(step, this.numCandidates, "another demonstration set");
    if (count === 0) return undefined;
    const selected = this.selectComponents(step);
    const choices = selected.components.map((component) => ({ component, demos: this.demonstrations(step, component) }));
    const usable = choices.filter((choice) => choice.demos.length >= this.minExamples);
    if (usable.length === 0) {
      const known = choices.map((c) => `${c.component.variable}: ${c.demos.length}`).join(", ");
      this.reject(step, "no-evidence", `not enough demonstrations yet (${known}); a set needs ${this.minExamples}`);
      this.recordOutcome(step, selected, false);
      return undefined;
    }
    const proposals: StoredCandidate[] = [];
    const proposed = new Set<string>();
    for (let i = 0; i < count; i++) {
      const values = this.drawDistinct(step, usable, proposed);
      if (!values) break;
      this.countProposal(step);
      const candidate = this.admit(step, values, {
        parents: [step.current.id],
        iteration: step.iteration,
        origin: "demos",
        changed: usable.map((c) => c.component.id),
      });
      if (candidate) proposals.push(candidate);
    }
    const chosen = await this.chooseOnBatch(step, proposals);
    this.recordOutcome(step, selected, chosen !== step.current);
    return chosen;
  }

  /** Each of `numCandidates` sets is scored on the batch; no model call. */
  override estimateStepCost(shape: RunShape): StepCost {
    return { metricCalls: this.numCandidates * shape.batchSize, optimizerCalls: 0 };
  }

  /** Program values with a freshly drawn set for each component; a set already tried is drawn again. */
  private drawDistinct(
    step: OptimizationStep,
    choices: readonly { component: Component; demos: DemoCandidate[] }[],
    proposed: Set<string>,
  ) {
    for (let draw = 0; draw < DRAWS_PER_SET; draw++) {
      let values = step.current.values;
      for (const { component, demos } of choices) {
        const k = step.random.int(this.minExamples, Math.min(this.maxExamples, demos.length));
        const chosen = selectExamples(demos, k, {
          sampling: this.sampling,
          temperature: this.temperature,
          score: (d) => d.score,
          random: step.random,
        });
        values = withComponentValue(values, component, chosen.map((d) => cloneJson(d.demo)));
      }
      const key = candidateKey(values);
      if (proposed.has(key) || step.pool.find(values)) continue;
      proposed.add(key);
      return values;
    }
    return undefined;
  }

  /**
   * The demonstrations a component can be shown, best first: its own calls in well-scored runs (inputs as it
   * was rendered with them, output as it produced it) and, where the component's inputs and output are the
   * program's, labelled training examples. Demonstrations of the batch's own examples are left out when
   * enough others exist (the answer would be in the prompt).
   */
  private demonstrations(step: OptimizationStep, component: Component): DemoCandidate[] {
    const seen = [...(step.context.predictions ?? []), ...step.pool.predictions];
    const byInput = new Map<string, DemoCandidate>();
    const add = (candidate: DemoCandidate) => {
      const key = JSON.stringify(candidate.demo.input);
      const known = byInput.get(key);
      if (!known || candidate.score > known.score) byInput.set(key, candidate);
    };
    if (this.source !== "labelled") bootstrappedDemos(component.variable, seen, this.minScore).forEach(add);
    const trainset = step.context.trainset ?? [];
    const fits = labelsFit(component.variable, { components: step.context.components, componentCount: step.components.length, seen, trainset });
    if (this.source !== "bootstrapped" && fits) {
      labelledDemos(step.context.components?.find((c) => c.name === component.variable), trainset).forEach(add);
    }
    const all = [...byInput.values()].sort((a, b) => b.score - a.score);
    const batchIds = new Set(step.batch.map(exampleIdOf));
    const unseen = all.filter((d) => !batchIds.has(d.exampleId));
    return unseen.length >= this.minExamples ? unseen : all;
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
      source: this.source,
    };
  }
}
