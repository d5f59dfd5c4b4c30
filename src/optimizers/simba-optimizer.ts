import { exampleIdOf, type Example } from "../data/example.js";
import type { CandidateValues, ScoredPrediction } from "../data/scored-prediction.js";
import { cloneJson } from "../json.js";
import type { LanguageModel } from "../models/types.js";
import { PROMPT_VARIABLE_SCHEMA, type FewShotExample } from "../prompts/schemas.js";
import type { JsonSchema } from "../variables/schema.js";
import { Variable } from "../variables/variable.js";
import type { OptimizationContext } from "./context.js";
import { withDefaultSchema } from "./default-schema.js";
import { demoOfCall } from "./demonstrations.js";
import { softmaxWeights } from "./example-selection.js";
import { integerOption, numberOption, textAndDemoKeys } from "./option-checks.js";
import type { OptimizerConfig, RunShape, StepCost } from "./optimizer.js";
import { PoolOptimizer, requireLanguageModel, type OptimizationStep, type PoolOptimizerFields } from "./pool-optimizer.js";
import { birthOrder, rankCandidates, trainingScore } from "./program/candidate-score.js";
import { propertyName, type Component } from "./program/components.js";
import type { StoredCandidate } from "./program/pool-state.js";
import { ruleMessages, type AdvisedPrompt } from "./prompts/simba.js";
import { requestProposal } from "./request-proposal.js";
import { plannedMinibatch, poisson, quantile, withRollback } from "./search-state.js";

export interface SimbaOptimizerFields extends PoolOptimizerFields {
  /** The model that writes rules from a better and a worse run. */
  languageModel: LanguageModel;
  /** Training examples per step (default 32, as in DSPy), scaled down to the trainset and the metric budget. */
  minibatchSize?: number;
  /** Runs sampled per example, and new candidate programs built per step (default 6, as in DSPy). */
  numCandidates?: number;
  /** Demonstrations a prompt holds before some are dropped to make room; 0 disables "append a demo" (default 4). */
  maxDemos?: number;
  /** Softmax temperature over program scores when sampling the runs (default 0.2, as in DSPy). */
  temperatureForSampling?: number;
  /** Softmax temperature over program scores when picking the program a new candidate starts from (default 0.2). */
  temperatureForCandidates?: number;
  /** A run scoring this is perfect: an example all of whose runs are perfect has nothing to teach (default 1). */
  perfectScore?: number;
  /** Characters of each input value kept in a new demonstration (default 100000, as in DSPy). */
  demoInputMaxChars?: number;
  /** Sampling temperature of the rule-writing calls (default 1.0). */
  temperature?: number;
  /** Reject advice that contains `{placeholders}` or unescaped braces (default true). */
  checkPlaceholders?: boolean;
}

interface SimbaState {
  /** The minibatch size planned on the first step (0 until then). */
  minibatchSize: number;
}

const SIMBA_STATE_SCHEMA: JsonSchema = {
  type: "object",
  properties: { minibatchSize: { type: "integer", minimum: 0 } },
  required: ["minibatchSize"],
  additionalProperties: false,
};

/** DSPy runs 8 steps by default; the minibatch is planned so that 8 steps fit in the metric budget. */
const PLANNED_STEPS = 8;
/** Distinct programs the sampled runs of an example come from, on average (for planning and estimates). */
const SAMPLED_PROGRAMS = 2;

/** One sampled run of a program on an example. */
interface Run {
  candidate: StoredCandidate;
  prediction: ScoredPrediction;
  score: number;
  /** Order of the draw, so ties sort the same way every time. */
  draw: number;
}

/** The runs of one minibatch example, best first, with the statistics buckets are ranked by. */
interface Bucket {
  index: number;
  runs: Run[];
  spread: number;
  max: number;
  gapToMean: number;
}

type Strategy = "demo" | "rule";

/** A new candidate in the making: its source program and what the step will append. */
interface Plan {
  source: StoredCandidate;
  values: CandidateValues;
  strategy: Strategy;
  bucket: Bucket;
  /** For a rule: the runs the request shows. */
  better?: ScoredPrediction;
  worse?: ScoredPrediction;
}

/**
 * SIMBA (DSPy): samples several runs per example, picks the examples whose scores spread the most, and appends a rule or a successful run as a demonstration.
 *
 * Each step draws a minibatch of training examples and, for each, `numCandidates` runs of programs sampled from the
 * pool (softmax over their mean scores at `temperatureForSampling`, among the best `numCandidates` and the seed) —
 * DSPy varies the task model's temperature instead; a program here may be deterministic, so the variety comes from
 * the pool. Examples are ranked by the spread of their runs' scores (max − min, then max, then max − mean). For
 * each of up to `numCandidates` new programs a strategy is drawn at random and applied to the highest-ranked
 * example it can use, to a source program sampled from the pool (`temperatureForCandidates`) after dropping some
 * of its demonstrations (Poisson, as in DSPy): either a rule is appended — the model compares the example's better
 * and worse run, each shown with what every prompt received and produced, and writes advice per prompt — or a
 * successful run's per-prompt (input → output) is appended as a demonstration. Every new program is
 * scored on the same minibatch and stays in the pool with those scores; the best program by the pool's evidence is
 * put in place. The minibatch is scaled down to the trainset and to what the metric budget can pay for 8 steps;
 * no rule is asked for that the budget could not score.
 */
export class SimbaOptimizer extends PoolOptimizer {
  static override description =
    "SIMBA (DSPy): samples several runs per example, picks the examples whose scores spread the most, and appends a rule or a successful run as a demonstration.";

  static override readonly knownFields: readonly string[] = [
    ...PoolOptimizer.knownFields,
    "languageModel",
    "minibatchSize",
    "numCandidates",
    "maxDemos",
    "temperatureForSampling",
    "temperatureForCandidates",
    "perfectScore",
    "demoInputMaxChars",
    "temperature",
    "checkPlaceholders",
  ];

  static override lc_name(): string {
    return "SimbaOptimizer";
  }

  readonly languageModel: LanguageModel;
  readonly minibatchSize: number;
  readonly numCandidates: number;
  readonly maxDemos: number;
  readonly temperatureForSampling: number;
  readonly temperatureForCandidates: number;
  readonly perfectScore: number;
  readonly demoInputMaxChars: number;
  readonly temperature: number;
  readonly checkPlaceholders: boolean;
  private readonly textKey: string;
  private readonly demosKey: string | undefined;
  private readonly search: Variable<SimbaState>;

  constructor(fields: SimbaOptimizerFields) {
    super(withDefaultSchema(fields, PROMPT_VARIABLE_SCHEMA));
    const owner = "SimbaOptimizer";
    ({ textKey: this.textKey, demosKey: this.demosKey } = textAndDemoKeys(owner, this.schema()));
    this.languageModel = requireLanguageModel(owner, fields.languageModel);
    this.minibatchSize = integerOption(owner, "minibatchSize", fields.minibatchSize, 32, 1);
    this.numCandidates = integerOption(owner, "numCandidates", fields.numCandidates, 6, 1);
    this.maxDemos = integerOption(owner, "maxDemos", fields.maxDemos, 4, 0);
    this.temperatureForSampling = numberOption(owner, "temperatureForSampling", fields.temperatureForSampling, 0.2, { min: 0, exclusiveMin: true });
    this.temperatureForCandidates = numberOption(owner, "temperatureForCandidates", fields.temperatureForCandidates, 0.2, {
      min: 0,
      exclusiveMin: true,
    });
    this.perfectScore = numberOption(owner, "perfectScore", fields.perfectScore, 1, {});
    this.demoInputMaxChars = integerOption(owner, "demoInputMaxChars", fields.demoInputMaxChars, 100_000, 1);
    this.temperature = numberOption(owner, "temperature", fields.temperature, 1.0, { min: 0, max: 2 });
    this.checkPlaceholders = fields.checkPlaceholders ?? true;
    this.search = this.trackVariable(
      new Variable<SimbaState>({ name: `${this.name}/search`, value: { minibatchSize: 0 }, schema: SIMBA_STATE_SCHEMA, trainable: false }),
    );
  }

  /** SIMBA draws its own minibatches from the trainset: the training loop's batch run is not needed. */
  override get usesBatchPredictions(): boolean {
    return false;
  }

  /** The strategies a bucket can be given: "append a demo" only when demonstrations are part of the search. */
  private get strategies(): Strategy[] {
    return this.demosKey !== undefined && this.maxDemos > 0 ? ["demo", "rule"] : ["rule"];
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
      const trainset = step.context.trainset ?? [];
      if (trainset.length === 0) {
        this.stop(step, "SIMBA needs training examples (context.trainset) to draw minibatches from");
        return undefined;
      }
      if (own.minibatchSize === 0) {
        own.minibatchSize = plannedMinibatch({
          preferred: this.minibatchSize,
          trainSize: trainset.length,
          remaining: this.metricCallsLeft(step),
          batches: PLANNED_STEPS * (this.numCandidates + SAMPLED_PROGRAMS),
          floor: this.numCandidates,
        });
      }
      await this.simbaStep(step, step.random.sample(trainset, own.minibatchSize));
      return this.best(step);
    } finally {
      this.search.assign(own);
    }
  }

  /** One SIMBA step on `batch`: sample runs, rank the examples, build new programs, score them on the batch. */
  private async simbaStep(step: OptimizationStep, batch: readonly Example[]): Promise<void> {
    // 1. Sample numCandidates runs per example, each from a program drawn from the best of the pool.
    const top = this.topPrograms(step);
    const draws: StoredCandidate[][] = batch.map(() => []);
    for (let sample = 0; sample < this.numCandidates; sample++) {
      for (const perExample of draws) perExample.push(this.sampleProgram(step, top, this.temperatureForSampling));
    }
    const wanted = new Map<StoredCandidate, Example[]>();
    draws.forEach((programs, i) => {
      for (const program of new Set(programs)) wanted.set(program, [...(wanted.get(program) ?? []), batch[i] as Example]);
    });
    const samplingCost = [...wanted].reduce((sum, [program, examples]) => sum + this.costOf(step, program, examples), 0);
    if (samplingCost + batch.length > this.metricCallsLeft(step)) {
      this.stopForBudget(step, "another SIMBA step");
      return;
    }
    // All at once, so the sampled programs' runs share the evaluator's concurrency.
    const predictions = new Map<string, ScoredPrediction>();
    const sampled = [...wanted];
    const runs = await Promise.all(sampled.map(([program, examples]) => this.evaluate(step, program, examples, "gate")));
    sampled.forEach(([program], i) => {
      for (const prediction of runs[i] ?? []) predictions.set(`${program.id}|${prediction.exampleId}`, prediction);
    });
    const buckets = this.buckets(batch, draws, predictions);
    const scores = buckets.flatMap((b) => b.runs.map((r) => r.score));
    const p10 = quantile(scores, 0.1);
    const p90 = quantile(scores, 0.9);

    // 2. Plan new programs, as many as the budget can score on the batch: per program a strategy drawn at random,
    // applied to the highest-ranked example it can use.
    const affordable = Math.floor(this.metricCallsLeft(step) / Math.max(1, batch.length));
    const plans: Plan[] = [];
    const used = new Set<Bucket>();
    while (plans.length < Math.min(this.numCandidates, affordable)) {
      const first = step.random.pick(this.strategies);
      const choice = [first, ...this.strategies.filter((s) => s !== first)]
        .map((strategy) => ({ strategy, bucket: buckets.find((b) => !used.has(b) && this.usableFor(strategy, b, p10, p90)) }))
        .find((c) => c.bucket !== undefined);
      if (!choice?.bucket) break;
      used.add(choice.bucket);
      const plan = this.plan(step, choice.bucket, choice.strategy, p90);
      if (plan) plans.push(plan);
    }
    if (plans.length === 0 && affordable === 0) this.stopForBudget(step, "scoring a new SIMBA candidate");

    // 3. Ask for the rules at once, then admit the new programs in bucket order.
    const texts = step.components.filter((c) => c.key === this.textKey);
    const rules = plans.filter((p) => p.strategy === "rule");
    this.countProposal(step, rules.length);
    const advice = await Promise.all(rules.map((plan) => this.requestRule(step, plan, texts)));
    const fresh: StoredCandidate[] = [];
    for (const plan of plans) {
      let values = plan.values;
      if (plan.strategy === "rule") {
        const appended = advice[rules.indexOf(plan)];
        if (!appended) continue;
        values = appended;
      }
      const changed = step.components.filter((c) => JSON.stringify(values[c.variable]?.[c.key]) !== JSON.stringify(plan.source.values[c.variable]?.[c.key]));
      if (changed.length === 0) continue;
      const candidate = this.admit(step, values, {
        parents: [plan.source.id],
        iteration: step.iteration,
        origin: plan.strategy === "rule" ? "proposal" : "demos",
        changed: changed.map((c) => c.id),
      });
      if (candidate && !fresh.includes(candidate)) fresh.push(candidate);
    }

    // 4. Score every new program on the same minibatch; they stay in the pool with those scores.
    let left = this.metricCallsLeft(step);
    const scored: StoredCandidate[] = [];
    for (const candidate of fresh) {
      const cost = this.costOf(step, candidate, batch);
      if (cost > left) {
        this.reject(step, "budget", "the metric budget cannot score this candidate on the minibatch");
        continue;
      }
      left -= cost;
      scored.push(candidate);
    }
    await Promise.all(scored.map((candidate) => this.evaluate(step, candidate, batch, "gate")));
  }

  /** The examples of the minibatch as buckets of their sampled runs, ranked by DSPy's key: max − min, max, max − mean. */
  private buckets(
    batch: readonly Example[],
    draws: readonly StoredCandidate[][],
    predictions: ReadonlyMap<string, ScoredPrediction>,
  ): Bucket[] {
    const buckets = batch.map((example, index): Bucket => {
      const id = exampleIdOf(example);
      const runs = (draws[index] ?? [])
        .map((candidate, draw): Run | undefined => {
          const prediction = predictions.get(`${candidate.id}|${id}`);
          return prediction ? { candidate, prediction, score: prediction.score, draw } : undefined;
        })
        .filter((run): run is Run => run !== undefined)
        .sort((a, b) => b.score - a.score || a.draw - b.draw);
      const max = runs[0]?.score ?? 0;
      const min = runs.at(-1)?.score ?? 0;
      const average = runs.reduce((sum, r) => sum + r.score, 0) / Math.max(1, runs.length);
      return { index, runs, spread: max - min, max, gapToMean: max - average };
    });
    return buckets.sort((a, b) => b.spread - a.spread || b.max - a.max || b.gapToMean - a.gapToMean || a.index - b.index);
  }

  /**
   * Whether `strategy` can use `bucket`. A demonstration needs a successful run: not below the batch's 10th
   * percentile (DSPy's guard) and at its 90th. A rule needs DSPy's guards (the better run not below the 10th
   * percentile, the worse not above the 90th) and something to learn: runs that differ, or a score short of perfect
   * (with a deterministic program and a pool of one, every run of an example scores the same).
   */
  private usableFor(strategy: Strategy, bucket: Bucket, p10: number, p90: number): boolean {
    const good = bucket.runs[0];
    const bad = bucket.runs.at(-1);
    if (!good || !bad) return false;
    if (strategy === "demo") return good.score >= p10 && good.score >= p90;
    return good.score >= p10 && bad.score <= p90 && (good.score > bad.score || good.score < this.perfectScore);
  }

  /**
   * A new program for one bucket: a source sampled from the pool's best (DSPy's temperature_for_candidates), some
   * of its demonstrations dropped, then the run to append as a demonstration, or the runs a rule request shows —
   * when every run scored the same, only the one that says something (DSPy's rule). Undefined when the
   * demonstration is already there.
   */
  private plan(step: OptimizationStep, bucket: Bucket, strategy: Strategy, p90: number): Plan | undefined {
    const source = this.sampleProgram(step, this.topPrograms(step), this.temperatureForCandidates);
    const values = this.dropDemos(step, source.values);
    const good = bucket.runs[0] as Run;
    const bad = bucket.runs.at(-1) as Run;
    if (strategy === "demo") {
      const withDemo = this.appendDemo(step, values, good.prediction);
      return withDemo ? { source, values: withDemo, strategy, bucket } : undefined;
    }
    if (good.score <= bad.score) {
      if (good.score > p90) return { source, values, strategy, bucket, better: good.prediction };
      return { source, values, strategy, bucket, worse: bad.prediction };
    }
    return { source, values, strategy, bucket, better: good.prediction, worse: bad.prediction };
  }

  /** DSPy drops Poisson(demos / maxDemos) demonstrations (at least one at the cap) before a strategy applies. */
  private dropDemos(step: OptimizationStep, values: CandidateValues): CandidateValues {
    if (!this.demosKey) return values;
    const key = this.demosKey;
    const counts = Object.values(values).map((v) => (Array.isArray(v[key]) ? (v[key] as unknown[]).length : 0));
    const demos = Math.max(0, ...counts);
    if (demos === 0) return values;
    const cap = this.maxDemos > 0 ? this.maxDemos : 3;
    const count = Math.min(demos, Math.max(poisson(demos / cap, () => step.random.next()), demos >= cap ? 1 : 0));
    if (count === 0) return values;
    const dropped = new Set(Array.from({ length: count }, () => step.random.int(0, demos - 1)));
    const out = cloneJson(values);
    for (const value of Object.values(out)) {
      if (Array.isArray(value[key])) value[key] = (value[key] as unknown[]).filter((_, i) => !dropped.has(i));
    }
    return out;
  }

  /** Appends, to each prompt's demonstrations, what it received and produced in its last call of the run. */
  private appendDemo(step: OptimizationStep, values: CandidateValues, run: ScoredPrediction): CandidateValues | undefined {
    if (!this.demosKey) return undefined;
    const key = this.demosKey;
    const out = cloneJson(values);
    let added = false;
    for (const component of step.components.filter((c) => c.key === key)) {
      const call = run.trace?.[component.variable]?.at(-1);
      const demo = call ? demoOfCall(call) : undefined;
      if (!demo) continue;
      const max = this.demoInputMaxChars;
      const clipped: FewShotExample = {
        input: Object.fromEntries(
          Object.entries(demo.input).map(([k, v]) => [k, typeof v === "string" && v.length > max ? `${v.slice(0, max)} …[truncated]` : v]),
        ),
        output: demo.output,
      };
      const current = (out[component.variable]?.[key] as FewShotExample[] | undefined) ?? [];
      if (current.some((d) => JSON.stringify(d) === JSON.stringify(clipped))) continue;
      out[component.variable] = { ...out[component.variable], [key]: [...current, clipped] };
      added = true;
    }
    return added ? out : undefined;
  }

  /** The model's advice per prompt, appended to each prompt's instructions; undefined when it changed nothing. */
  private async requestRule(step: OptimizationStep, plan: Plan, texts: readonly Component[]): Promise<CandidateValues | undefined> {
    const runs = [plan.better, plan.worse].filter((p): p is ScoredPrediction => p !== undefined);
    const views = this.views(step, texts, runs);
    const prompts: AdvisedPrompt[] = views.map((view) => ({
      view,
      property: propertyName({ id: view.component.variable, variable: view.component.variable, key: view.component.key }),
      currentText: String(plan.values[view.component.variable]?.[this.textKey] ?? ""),
    }));
    const properties = Object.fromEntries(prompts.map((p) => [p.property, { type: "string" }]));
    const formats = this.proposalFormats(step, texts);
    const outcome = await requestProposal({
      model: this.languageModel,
      messages: ruleMessages({ prompts, ...(plan.worse ? { worse: plan.worse } : {}), ...(plan.better ? { better: plan.better } : {}) }),
      schema: { type: "object", properties, required: Object.keys(properties), additionalProperties: false },
      schemaName: "advice_per_prompt",
      // Advice is appended, so it must bring no placeholder of its own: it is checked against an empty text.
      current: Object.fromEntries(prompts.map((p) => [p.property, ""])),
      formats: Object.fromEntries(
        prompts.map((p, i) => {
          const format = Object.values(formats)[i];
          return [p.property, format === undefined ? "f-string" : format];
        }),
      ),
      checkPlaceholders: this.checkPlaceholders,
      temperature: this.temperature,
      context: step.context,
    });
    if (!outcome.ok) {
      this.reject(step, outcome.reason, `rule: ${outcome.message}`);
      return undefined;
    }
    let values = plan.values;
    for (const prompt of prompts) {
      const advice = String(outcome.value[prompt.property] ?? "").trim();
      if (advice.length === 0) continue;
      const name = prompt.view.component.variable;
      values = { ...values, [name]: { ...values[name], [this.textKey]: `${prompt.currentText}\n\n${advice}` } };
    }
    if (values === plan.values) {
      this.reject(step, "no-evidence", "the advice was empty for every prompt");
      return undefined;
    }
    return values;
  }

  /** DSPy's top_k_plus_baseline: the numCandidates programs with the best mean score, the seed always among them. */
  private topPrograms(step: OptimizationStep): StoredCandidate[] {
    const average = (c: StoredCandidate) => trainingScore(c).mean;
    const ranked = [...step.pool.candidates].sort((a, b) => average(b) - average(a) || birthOrder(a) - birthOrder(b));
    const top = ranked.slice(0, this.numCandidates);
    const seed = step.pool.candidates.find((c) => c.origin === "seed");
    if (seed && !top.includes(seed) && top.length > 0) top[top.length - 1] = seed;
    return top.length > 0 ? top : [step.current];
  }

  /** A program drawn by softmax over mean scores at `temperature`. */
  private sampleProgram(step: OptimizationStep, programs: readonly StoredCandidate[], temperature: number): StoredCandidate {
    const weights = softmaxWeights(
      programs.map((c) => trainingScore(c).mean),
      temperature,
    );
    return programs[step.random.weightedIndex(weights)] as StoredCandidate;
  }

  /** The program to put in place: validated ones by held-out mean, else the best noise-aware training score. */
  private best(step: OptimizationStep): StoredCandidate | undefined {
    return rankCandidates(step.pool.candidates, this.uncertaintyWeight)[0];
  }

  /**
   * A step: the sampled runs (about two distinct programs per example) and numCandidates new programs, each on the
   * minibatch; a rule (one model call) for about half of them when demonstrations are searched too.
   */
  override estimateStepCost(shape: RunShape): StepCost {
    const minibatch = Math.min(this.minibatchSize, shape.trainSize);
    return {
      metricCalls: minibatch * (this.numCandidates + SAMPLED_PROGRAMS),
      optimizerCalls: this.numCandidates / this.strategies.length,
    };
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      minibatchSize: this.minibatchSize,
      numCandidates: this.numCandidates,
      maxDemos: this.maxDemos,
      temperatureForSampling: this.temperatureForSampling,
      temperatureForCandidates: this.temperatureForCandidates,
      perfectScore: this.perfectScore,
      demoInputMaxChars: this.demoInputMaxChars,
      temperature: this.temperature,
      checkPlaceholders: this.checkPlaceholders,
    };
  }
}
