import type { Example } from "../data/example.js";
import type { CandidateValues } from "../data/scored-prediction.js";
import { cloneJson } from "../json.js";
import type { LanguageModel } from "../models/types.js";
import { PROMPT_VARIABLE_SCHEMA, type FewShotExample } from "../prompts/schemas.js";
import type { JsonSchema } from "../variables/schema.js";
import { Variable } from "../variables/variable.js";
import type { OptimizationContext } from "./context.js";
import { withDefaultSchema } from "./default-schema.js";
import { bootstrappedDemos, labelledDemos, labelsFit, type DemoCandidate } from "./demonstrations.js";
import { choiceOption, integerOption, numberOption, textAndDemoKeys } from "./option-checks.js";
import type { OptimizerConfig, RunShape, StepCost } from "./optimizer.js";
import { PoolOptimizer, requireLanguageModel, type OptimizationStep, type PoolOptimizerFields } from "./pool-optimizer.js";
import { mean } from "./program/acceptance.js";
import { birthOrder, rankCandidates, trainingScore } from "./program/candidate-score.js";
import type { Component } from "./program/components.js";
import type { RememberedPrediction, StoredCandidate } from "./program/pool-state.js";
import { datasetSummaryMessages, groundedProposalMessages, PROPOSAL_TIPS } from "./prompts/mipro.js";
import { clip } from "./prompts/format.js";
import { requestProposal } from "./request-proposal.js";
import { plannedMinibatch, withRollback } from "./search-state.js";
import { suggestTpe } from "./tpe.js";

/** MIPROv2's presets: instruction candidates (and demonstration sets) per prompt. */
export type MiproAuto = "light" | "medium" | "heavy";
export const MIPRO_AUTO_CANDIDATES: Readonly<Record<MiproAuto, number>> = { light: 6, medium: 12, heavy: 18 };

export interface MiproOptimizerFields extends PoolOptimizerFields {
  /** The model that summarizes the dataset and proposes instructions. */
  languageModel: LanguageModel;
  /** Preset of the number of candidates: "light" 6, "medium" 12, "heavy" 18 (default "light", as in DSPy). */
  auto?: MiproAuto;
  /** Instruction candidates and demonstration sets per prompt, the current ones included (overrides `auto`). */
  numCandidates?: number;
  /** Search trials; default DSPy's max(2 · v · log2 N, 1.5 · N), v = 2 per prompt (instruction, demonstrations). */
  numTrials?: number;
  /** Training examples per trial (default 35, as in DSPy), scaled down to the trainset and the metric budget. */
  minibatchSize?: number;
  /** A full validation of the best candidate every this many trials (default 5, as in DSPy). */
  fullEvalEvery?: number;
  /** Trials per optimization step (default 1; fit keeps stepping while the metric budget lasts). */
  trialsPerStep?: number;
  /** Most demonstrations bootstrapped from the program's own runs in a set (default 4, as in DSPy). */
  maxBootstrappedDemos?: number;
  /** Most labelled examples in a set, where a prompt's inputs and output are the program's (default 4, as in DSPy). */
  maxLabeledDemos?: number;
  /** A run is a bootstrapped demonstration when its program score reaches this (default 0.5). */
  minScore?: number;
  /** TPE: trials drawn at random before the search uses the model of good and bad trials (default 4, the seed's included). */
  startupTrials?: number;
  /** Ask the model for a summary of the dataset first and show it with every proposal (default true). */
  dataAware?: boolean;
  /** Sampling temperature of the model's calls (default 1.0). */
  temperature?: number;
  /** Reject proposals that drop or invent `{placeholders}` (default true). */
  checkPlaceholders?: boolean;
}

/** Per prompt, the candidates the search chooses among: index 0 is what the program held when the search began. */
interface PromptSpace {
  name: string;
  instructions: string[];
  demoSets: FewShotExample[][];
}

interface Trial {
  /** Per prompt, in program order: instruction index, then demonstration-set index. */
  params: number[];
  /** Mean score on the trial's minibatch. */
  score: number;
  candidate: string;
}

interface MiproState {
  initialized: boolean;
  minibatchSize: number;
  numTrials: number;
  summary?: string;
  prompts: PromptSpace[];
  /** Trial 0 is the program as found, on the bootstrap minibatch. */
  trials: Trial[];
  sinceFullEval: number;
}

const MIPRO_STATE_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    initialized: { type: "boolean" },
    minibatchSize: { type: "integer", minimum: 0 },
    numTrials: { type: "integer", minimum: 0 },
    summary: { type: "string" },
    prompts: {
      type: "array",
      items: {
        type: "object",
        properties: {
          name: { type: "string" },
          instructions: { type: "array", items: { type: "string" }, minItems: 1 },
          demoSets: { type: "array", items: { type: "array" }, minItems: 1 },
        },
        required: ["name", "instructions", "demoSets"],
      },
    },
    trials: {
      type: "array",
      items: {
        type: "object",
        properties: {
          params: { type: "array", items: { type: "integer", minimum: 0 } },
          score: { type: "number" },
          candidate: { type: "string" },
        },
        required: ["params", "score", "candidate"],
      },
    },
    sinceFullEval: { type: "integer", minimum: 0 },
  },
  required: ["initialized", "minibatchSize", "numTrials", "prompts", "trials", "sinceFullEval"],
  additionalProperties: false,
};

const SUMMARY_SCHEMA: JsonSchema = {
  type: "object",
  properties: { summary: { type: "string", description: "A few sentences describing the dataset." } },
  required: ["summary"],
  additionalProperties: false,
};

/** A trial's minibatch is never smaller than this (or the trainset), however small the budget. */
const MIN_MINIBATCH = 5;
/** Training examples shown to the model that writes the dataset summary. */
const SUMMARY_EXAMPLES = 8;
/** Draws tried before giving up on a demonstration set that differs from those already made. */
const DRAWS_PER_SET = 8;

/** DSPy's default number of trials: max(2 · v · log2 N, 1.5 · N), v the number of searched parameters. */
export function defaultMiproTrials(prompts: number, candidates: number, withDemos: boolean): number {
  const params = prompts * (withDemos ? 2 : 1);
  return Math.max(1, Math.floor(Math.max(2 * params * Math.log2(Math.max(2, candidates)), 1.5 * candidates)));
}

/**
 * MIPROv2: grounded instruction proposals and bootstrapped demonstration sets per prompt, then a TPE search over their combinations on minibatches.
 *
 * On its first step it runs the program as found on a minibatch of training examples, builds up to
 * `numCandidates` demonstration sets per prompt from those runs (each prompt's own inputs and outputs in runs that
 * scored at least `minScore`, and labelled examples where the prompt's inputs and output are the program's), asks
 * the model for a summary of the dataset, and asks it `numCandidates − 1` times per prompt for new instructions —
 * each request shows the summary, the program's prompts in order, example runs with what that prompt received and
 * produced, the current instructions and a tip drawn at random. Then every step runs `trialsPerStep` trials: a
 * Tree-structured Parzen Estimator picks an (instruction, demonstration set) per prompt, the combined program is
 * scored on a fresh minibatch, and every `fullEvalEvery` trials the best-averaged candidate not yet validated is
 * scored on the whole validation set. The best validated program is put in place. The minibatch is scaled down to
 * the trainset and to what the metric budget can pay for the planned trials; no instruction is asked for that the
 * budget could not try.
 */
export class MiproOptimizer extends PoolOptimizer {
  static override description =
    "MIPROv2: grounded instruction proposals and bootstrapped demonstration sets per prompt, then a TPE search over their combinations on minibatches.";

  static override readonly knownFields: readonly string[] = [
    ...PoolOptimizer.knownFields,
    "languageModel",
    "auto",
    "numCandidates",
    "numTrials",
    "minibatchSize",
    "fullEvalEvery",
    "trialsPerStep",
    "maxBootstrappedDemos",
    "maxLabeledDemos",
    "minScore",
    "startupTrials",
    "dataAware",
    "temperature",
    "checkPlaceholders",
  ];

  static override lc_name(): string {
    return "MiproOptimizer";
  }

  readonly languageModel: LanguageModel;
  readonly auto: MiproAuto | undefined;
  readonly numCandidates: number;
  readonly numTrials: number | undefined;
  readonly minibatchSize: number;
  readonly fullEvalEvery: number;
  readonly trialsPerStep: number;
  readonly maxBootstrappedDemos: number;
  readonly maxLabeledDemos: number;
  readonly minScore: number;
  readonly startupTrials: number;
  readonly dataAware: boolean;
  readonly temperature: number;
  readonly checkPlaceholders: boolean;
  /** The string property proposals rewrite, and the array property demonstration sets fill (if the schema has one). */
  private readonly textKey: string;
  private readonly demosKey: string | undefined;
  private readonly search: Variable<MiproState>;

  constructor(fields: MiproOptimizerFields) {
    super(withDefaultSchema(fields, PROMPT_VARIABLE_SCHEMA));
    const owner = "MiproOptimizer";
    ({ textKey: this.textKey, demosKey: this.demosKey } = textAndDemoKeys(owner, this.schema()));
    this.languageModel = requireLanguageModel(owner, fields.languageModel);
    this.auto =
      fields.auto === undefined && fields.numCandidates !== undefined
        ? undefined
        : choiceOption<MiproAuto>(owner, "auto", fields.auto, "light", ["light", "medium", "heavy"]);
    this.numCandidates = integerOption(owner, "numCandidates", fields.numCandidates, MIPRO_AUTO_CANDIDATES[this.auto ?? "light"], 1);
    this.numTrials = fields.numTrials === undefined ? undefined : integerOption(owner, "numTrials", fields.numTrials, 1, 1);
    this.minibatchSize = integerOption(owner, "minibatchSize", fields.minibatchSize, 35, 1);
    this.fullEvalEvery = integerOption(owner, "fullEvalEvery", fields.fullEvalEvery, 5, 1);
    this.trialsPerStep = integerOption(owner, "trialsPerStep", fields.trialsPerStep, 1, 1);
    this.maxBootstrappedDemos = integerOption(owner, "maxBootstrappedDemos", fields.maxBootstrappedDemos, 4, 0);
    this.maxLabeledDemos = integerOption(owner, "maxLabeledDemos", fields.maxLabeledDemos, 4, 0);
    this.minScore = numberOption(owner, "minScore", fields.minScore, 0.5, { min: 0, max: 1 });
    this.startupTrials = integerOption(owner, "startupTrials", fields.startupTrials, 4, 1);
    this.dataAware = fields.dataAware ?? true;
    this.temperature = numberOption(owner, "temperature", fields.temperature, 1.0, { min: 0, max: 2 });
    this.checkPlaceholders = fields.checkPlaceholders ?? true;
    this.search = this.trackVariable(
      new Variable<MiproState>({
        name: `${this.name}/search`,
        value: { initialized: false, minibatchSize: 0, numTrials: 0, prompts: [], trials: [], sinceFullEval: 0 },
        schema: MIPRO_STATE_SCHEMA,
        trainable: false,
      }),
    );
  }

  /** MIPROv2 draws its own minibatches from the trainset: the training loop's batch run is not needed. */
  override get usesBatchPredictions(): boolean {
    return false;
  }

  /** Whether demonstration sets are part of the search. */
  private get withDemos(): boolean {
    return this.demosKey !== undefined && this.maxBootstrappedDemos + this.maxLabeledDemos > 0;
  }

  /** A step keeps the search memory it wrote when it succeeds or is cut by a budget, like the pool's state. */
  override async applyOptimization(
    variables: Parameters<PoolOptimizer["applyOptimization"]>[0],
    reward?: number,
    context: OptimizationContext = {},
  ): Promise<string[]> {
    return withRollback(this.search as unknown as Variable<object>, () => super.applyOptimization(variables, reward, context));
  }

  protected override async propose(step: OptimizationStep): Promise<StoredCandidate | undefined> {
    const own = this.search.json();
    try {
      if (!own.initialized && !(await this.initialize(step, own))) return this.best(step);
      for (let i = 0; i < this.trialsPerStep && !step.state.done; i++) {
        step.context.signal?.throwIfAborted();
        if (!(await this.trial(step, own))) {
          this.stopForBudget(step, "another trial");
          break;
        }
        if (own.trials.length - 1 >= own.numTrials) {
          // DSPy's last move: the best-averaged program not yet validated gets its full evaluation.
          await this.fullEvaluation(step);
          this.stop(step, `all ${own.numTrials} trials done`);
        }
      }
      return this.best(step);
    } finally {
      this.search.assign(own);
    }
  }

  /**
   * The up-front work of the first step: plan the minibatch, run the program as found on one (the runs that
   * demonstrations and example traces come from; trial 0), build the demonstration sets, summarize the dataset
   * and propose the instructions. False when the budget or the data cannot pay for a search.
   */
  private async initialize(step: OptimizationStep, own: MiproState): Promise<boolean> {
    const trainset = step.context.trainset ?? [];
    const valset = step.context.valset ?? [];
    if (trainset.length === 0) {
      this.stop(step, "MIPROv2 needs training examples (context.trainset) to bootstrap from and to draw minibatches");
      return false;
    }
    const texts = this.textComponents(step);
    own.numTrials = this.numTrials ?? defaultMiproTrials(texts.length, this.numCandidates, this.withDemos);
    const seedValidation = valset.length > 0 ? this.costOf(step, step.current, valset) : 0;
    const fullEvaluations = valset.length > 0 ? Math.floor(own.numTrials / this.fullEvalEvery) + 1 : 0;
    own.minibatchSize = plannedMinibatch({
      preferred: this.minibatchSize,
      trainSize: trainset.length,
      remaining: this.metricCallsLeft(step),
      batches: own.numTrials + 1,
      fixed: seedValidation + fullEvaluations * valset.length,
      floor: MIN_MINIBATCH,
    });
    if (valset.length > 0 && step.current.validationScore === undefined) {
      if (!this.canAfford(step, [step.current], valset)) {
        this.stopForBudget(step, "validating the program as found");
        return false;
      }
      await this.validate(step, step.current);
    }
    const minibatch = step.random.sample(trainset, own.minibatchSize);
    // The bootstrap run and at least one trial must be affordable before any model call is paid.
    if (this.costOf(step, step.current, minibatch) + own.minibatchSize > this.metricCallsLeft(step)) {
      this.stopForBudget(step, "bootstrapping and one trial");
      return false;
    }
    const run = await this.evaluate(step, step.current, minibatch, "gate");
    own.trials.push({ params: texts.flatMap(() => [0, 0]), score: mean(run), candidate: step.current.id });

    own.prompts = texts.map((component) => ({
      name: component.variable,
      instructions: [String(step.current.values[component.variable]?.[this.textKey] ?? "")],
      demoSets: this.demoSets(step, component, run, texts.length),
    }));
    if (this.dataAware) {
      const summary = await this.summarize(step, trainset);
      if (summary !== undefined) own.summary = summary;
    }
    await this.proposeInstructions(step, own, texts, run);
    own.initialized = true;
    return true;
  }

  /** The text component (instructions) of each prompt the optimizer acts on, in program order. */
  private textComponents(step: OptimizationStep): Component[] {
    return step.components.filter((c) => c.key === this.textKey);
  }

  /**
   * Demonstration sets of one prompt, DSPy's way: the set in place, a set of labelled examples (where they fit),
   * the best bootstrapped demonstrations in order, then random draws of 1..maxBootstrappedDemos of them, each
   * topped up with labelled examples to maxLabeledDemos. Identical sets are kept once.
   */
  private demoSets(step: OptimizationStep, text: Component, run: readonly RememberedPrediction[], promptCount: number): FewShotExample[][] {
    const current = this.demosKey ? ((step.current.values[text.variable]?.[this.demosKey] as FewShotExample[] | undefined) ?? []) : [];
    const sets: FewShotExample[][] = [cloneJson(current)];
    if (!this.withDemos) return sets;
    const trainset = step.context.trainset ?? [];
    const boot = this.maxBootstrappedDemos > 0 ? bootstrappedDemos(text.variable, run, this.minScore) : [];
    const fits =
      this.maxLabeledDemos > 0 &&
      labelsFit(text.variable, { components: step.context.components, componentCount: promptCount, seen: run, trainset });
    const labelled = fits ? labelledDemos(step.context.components?.find((c) => c.name === text.variable), trainset) : [];
    const seen = new Set(sets.map((set) => JSON.stringify(set)));
    const add = (demos: readonly DemoCandidate[]): boolean => {
      const set = demos.map((d) => cloneJson(d.demo));
      const key = JSON.stringify(set);
      if (set.length === 0 || seen.has(key)) return false;
      seen.add(key);
      sets.push(set);
      return true;
    };
    if (labelled.length > 0) add(step.random.sample(labelled, this.maxLabeledDemos));
    let firstBootstrapped = true;
    for (let draw = 0; sets.length < this.numCandidates && draw < DRAWS_PER_SET * this.numCandidates; draw++) {
      if (boot.length === 0) {
        if (labelled.length <= this.maxLabeledDemos) break;
        add(step.random.sample(labelled, this.maxLabeledDemos));
        continue;
      }
      const most = Math.min(this.maxBootstrappedDemos, boot.length);
      const chosen = firstBootstrapped ? boot.slice(0, most) : step.random.shuffle(boot).slice(0, step.random.int(1, most));
      firstBootstrapped = false;
      const used = new Set(chosen.map((d) => d.exampleId));
      const fill = step.random.sample(
        labelled.filter((d) => !used.has(d.exampleId)),
        Math.max(0, this.maxLabeledDemos - chosen.length),
      );
      add([...chosen, ...fill]);
    }
    return sets;
  }

  /** MIPROv2's dataset descriptor: one call shown a few training examples; undefined when it failed (counted). */
  private async summarize(step: OptimizationStep, trainset: readonly Example[]): Promise<string | undefined> {
    this.countProposal(step);
    const outcome = await requestProposal({
      model: this.languageModel,
      messages: datasetSummaryMessages(step.random.sample(trainset, SUMMARY_EXAMPLES)),
      schema: SUMMARY_SCHEMA,
      schemaName: "dataset_summary",
      current: {},
      checkPlaceholders: false,
      temperature: this.temperature,
      context: step.context,
    });
    if (!outcome.ok) {
      this.reject(step, outcome.reason, `dataset summary: ${outcome.message}`);
      return undefined;
    }
    return clip(String(outcome.value.summary ?? ""), 2000);
  }

  /**
   * numCandidates − 1 grounded proposals per prompt (fewer when the budget cannot try that many), each with a tip
   * and example runs drawn at random; the calls run at once.
   */
  private async proposeInstructions(
    step: OptimizationStep,
    own: MiproState,
    texts: readonly Component[],
    run: readonly RememberedPrediction[],
  ): Promise<void> {
    const trialsLeft = Math.floor(this.metricCallsLeft(step) / Math.max(1, own.minibatchSize));
    const perPrompt = Math.min(this.numCandidates - 1, trialsLeft);
    if (perPrompt <= 0) return;
    const structure = this.views(step, texts, run);
    const shown = Math.max(3, this.maxBootstrappedDemos, this.maxLabeledDemos);
    const requests = texts.flatMap((component, p) =>
      Array.from({ length: perPrompt }, () => ({
        p,
        component,
        tip: step.random.pick(PROPOSAL_TIPS),
        examples: step.random.sample(run, shown),
      })),
    );
    this.countProposal(step, requests.length);
    const outcomes = await Promise.all(
      requests.map(({ p, component, tip, examples }) => {
        const currentText = (own.prompts[p] as PromptSpace).instructions[0] as string;
        return requestProposal({
          model: this.languageModel,
          messages: groundedProposalMessages({
            view: structure[p] as (typeof structure)[number],
            structure,
            ...(own.summary ? { summary: own.summary } : {}),
            examples,
            currentText,
            tip,
          }),
          schema: this.proposalSchema(step, [component]),
          schemaName: `proposed_${component.key}`,
          current: { [component.key]: currentText },
          formats: this.proposalFormats(step, [component]),
          checkPlaceholders: this.checkPlaceholders,
          temperature: this.temperature,
          context: step.context,
        });
      }),
    );
    outcomes.forEach((outcome, i) => {
      const { p, component } = requests[i] as (typeof requests)[number];
      if (!outcome.ok) {
        this.reject(step, outcome.reason, `${component.id}: ${outcome.message}`);
        return;
      }
      const text = outcome.value[component.key];
      const space = own.prompts[p] as PromptSpace;
      if (typeof text !== "string" || space.instructions.includes(text)) {
        this.reject(step, "duplicate", `${component.id}: the proposal repeats an instruction candidate`);
        return;
      }
      space.instructions.push(text);
    });
  }

  /** One TPE trial on a fresh minibatch; false when the budget cannot pay for it. */
  private async trial(step: OptimizationStep, own: MiproState): Promise<boolean> {
    const trainset = step.context.trainset ?? [];
    const sizes = own.prompts.flatMap((p) => [p.instructions.length, p.demoSets.length]);
    const params = suggestTpe(sizes, own.trials, step.random, { startupTrials: this.startupTrials });
    const values = this.valuesOf(own, params);
    const minibatch = step.random.sample(trainset, own.minibatchSize);
    if (this.costOf(step, values, minibatch) > this.metricCallsLeft(step)) return false;
    const changed = own.prompts.flatMap((space, p) => {
      const ids: string[] = [];
      const text = step.components.find((c) => c.variable === space.name && c.key === this.textKey);
      const demos = step.components.find((c) => c.variable === space.name && c.key === this.demosKey);
      if (params[2 * p] !== 0 && text) ids.push(text.id);
      if (params[2 * p + 1] !== 0 && demos) ids.push(demos.id);
      return ids;
    });
    const candidate =
      step.pool.find(values) ??
      this.admit(step, values, {
        parents: [own.trials[0]?.candidate ?? step.current.id],
        iteration: step.iteration,
        origin: params.some((x, i) => i % 2 === 0 && x !== 0) ? "proposal" : "demos",
        changed,
      });
    if (!candidate) {
      own.trials.push({ params, score: 0, candidate: "" });
      return true;
    }
    const run = await this.evaluate(step, candidate, minibatch, "gate");
    own.trials.push({ params, score: mean(run), candidate: candidate.id });
    own.sinceFullEval += 1;
    if (own.sinceFullEval >= this.fullEvalEvery) {
      own.sinceFullEval = 0;
      await this.fullEvaluation(step);
    }
    return true;
  }

  /** The program a trial's parameters choose: per prompt, its instruction candidate and demonstration set. */
  private valuesOf(own: MiproState, params: readonly number[]): CandidateValues {
    const values: CandidateValues = {};
    own.prompts.forEach((space, p) => {
      values[space.name] = {
        [this.textKey]: space.instructions[params[2 * p] ?? 0] ?? space.instructions[0],
        ...(this.demosKey ? { [this.demosKey]: cloneJson(space.demoSets[params[2 * p + 1] ?? 0] ?? space.demoSets[0]) } : {}),
      };
    });
    return values;
  }

  /** DSPy's periodic full evaluation: the candidate with the best minibatch mean not yet validated, when affordable. */
  private async fullEvaluation(step: OptimizationStep): Promise<void> {
    const valset = step.context.valset ?? [];
    if (valset.length === 0) return;
    const contenders = step.pool.candidates
      .filter((c) => c.validationScore === undefined && trainingScore(c).count > 0)
      .sort((a, b) => trainingScore(b).mean - trainingScore(a).mean || trainingScore(b).count - trainingScore(a).count || birthOrder(a) - birthOrder(b));
    const best = contenders[0];
    if (best && this.canAfford(step, [best], valset)) await this.validate(step, best);
  }

  /** The program to put in place: the best validated one (else the best by noise-aware training score). */
  private best(step: OptimizationStep): StoredCandidate | undefined {
    return rankCandidates(step.pool.candidates, this.uncertaintyWeight)[0];
  }

  /**
   * Per step, `trialsPerStep` trials on a minibatch each and their share of the full evaluations; the first step's
   * bootstrap run and its 1 + P·(N − 1) model calls (summary and proposals) are spread over the planned steps.
   */
  override estimateStepCost(shape: RunShape): StepCost {
    const prompts = Math.max(1, Math.ceil(shape.components / Math.max(1, this.ownKeys.length)));
    const trials = this.numTrials ?? defaultMiproTrials(prompts, this.numCandidates, this.withDemos);
    const minibatch = Math.min(this.minibatchSize, shape.trainSize);
    const steps = Math.max(1, Math.ceil(trials / this.trialsPerStep));
    const perTrial = minibatch + (shape.valSize > 0 ? shape.valSize / this.fullEvalEvery : 0);
    return {
      metricCalls: this.trialsPerStep * perTrial + minibatch / steps,
      optimizerCalls: ((this.dataAware ? 1 : 0) + prompts * (this.numCandidates - 1)) / steps,
    };
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      ...(this.auto !== undefined ? { auto: this.auto } : {}),
      numCandidates: this.numCandidates,
      ...(this.numTrials !== undefined ? { numTrials: this.numTrials } : {}),
      minibatchSize: this.minibatchSize,
      fullEvalEvery: this.fullEvalEvery,
      trialsPerStep: this.trialsPerStep,
      maxBootstrappedDemos: this.maxBootstrappedDemos,
      maxLabeledDemos: this.maxLabeledDemos,
      minScore: this.minScore,
      startupTrials: this.startupTrials,
      dataAware: this.dataAware,
      temperature: this.temperature,
      checkPlaceholders: this.checkPlaceholders,
    };
  }
}
