import type { CallbackManagerForChainRun } from "@langchain/core/callbacks/manager";
import { patchConfig, Runnable, type RunnableConfig } from "@langchain/core/runnables";
import pLimit from "p-limit";
import type { z } from "zod";
import { rejectUnknownArguments } from "../errors.js";
import { autoName } from "../names.js";
import { SchemaError } from "../variables/errors.js";
import { containsSchema, schemaFromDataModel, standardizeSchema, type JsonSchema } from "../variables/schema.js";
import { Variable } from "../variables/variable.js";
import type { CandidateRecord } from "./candidate-record.js";
import type { OptimizationContext, ScoredPrediction } from "./context.js";
import { NotImplementedError, OptimizerInputError } from "./errors.js";

export interface OptimizerFields {
  /** JSON Schema of the variable part this optimizer rewrites; variables whose schema contains it are optimized. */
  schema?: JsonSchema;
  /** A zod v4 schema, used when `schema` is not given. */
  dataModel?: z.ZodType;
  /** Unique name; an auto snake_case name of the class when omitted. */
  name?: string;
  /** Defaults to the first line of the class's static `description`. */
  description?: string;
}

/** What `getConfig()` returns and `fromConfig()` takes. Subclasses add their hyperparameters. */
export interface OptimizerConfig {
  name: string;
  description: string;
  schema: JsonSchema;
  [option: string]: unknown;
}

/** Input of one optimization step run as a Runnable. */
export interface OptimizerInput {
  variables: readonly Variable<object>[];
  /** Mean reward of the batch; the mean of `predictions` scores when omitted. */
  reward?: number;
  predictions?: readonly ScoredPrediction[];
  /** Run an optimization step (default true); `optimize: false, finalize: true` only finalizes. */
  optimize?: boolean;
  /** Finalize the variables after the step, or instead of it with `optimize: false` (end of training). */
  finalize?: boolean;
  /** Evaluator, datasets… given by a training loop; `predictions`, `signal` and `config` are filled in. */
  context?: Omit<OptimizationContext, "predictions" | "signal" | "config">;
}

export interface OptimizerOutput {
  /** The optimizer's iteration counter after the step. */
  iteration: number;
  /** Names of the variables the step optimized. */
  optimized: string[];
  /** Names of the variables finalized. */
  finalized: string[];
  /** Why the optimizer has nothing more to do, once it says so. */
  stopReason?: string;
  /** Value of every given variable after the step, by name. */
  variables: Record<string, object>;
}

type IterationState = { iteration: number };

/** The shape of a run, as a cost estimate needs it. */
export interface RunShape {
  trainSize: number;
  valSize: number;
  /** fit's batch size. */
  batchSize: number;
  /** Components (prompt parts) the optimizer acts on. */
  components: number;
}

/** What one optimization step is expected to cost: program runs paid (metric calls) and optimizer-model calls. */
export interface StepCost {
  metricCalls: number;
  optimizerCalls: number;
}

/** How an optimizer's proposals fared: how many were asked for, and how many were refused, by reason. */
export interface ProposalStats {
  optimizer: string;
  proposals: number;
  /** Proposals the optimizer model failed to give usably (model error, not JSON, schema, placeholders). */
  failed: number;
  /** Refusals by reason, failures and measured rejections ("below-parent", "budget") alike. */
  rejected: Record<string, number>;
  /** The most recent failure, for warnings and reports. */
  latestFailure?: string;
}

const ITERATION_SCHEMA: JsonSchema = {
  type: "object",
  properties: { iteration: { type: "integer", minimum: 0 } },
  required: ["iteration"],
  additionalProperties: false,
};

/**
 * Base class of every tunechain optimizer, after the Synalinks `Optimizer` contract, as a LangChain Runnable.
 *
 * An optimizer acts on the variables whose schema contains its own schema: `optimize` proposes a better
 * value for one variable, `finalize` settles it at the end of training. Subclasses keep their memory in
 * variables registered with `trackVariable`, so `saveOwnVariables` / `loadOwnVariables` persist it.
 */
export abstract class Optimizer extends Runnable<OptimizerInput, OptimizerOutput> {
  static description = "Base class of every tunechain optimizer.";

  /** Constructor keys this class accepts; subclasses extend the list with their own options. */
  static readonly knownFields: readonly string[] = ["schema", "dataModel", "name", "description"];

  static override lc_name(): string {
    return "Optimizer";
  }

  override lc_namespace = ["tunechain", "optimizers"];

  override name: string;
  readonly description: string;
  private readonly ownSchema: JsonSchema;
  private readonly tracked: Variable<object>[] = [];
  private readonly iterationVariable: Variable<IterationState>;
  // Steps of one optimizer run one after another: each reads and writes the whole state (batch() included).
  private readonly serial = pLimit(1);

  constructor(fields: OptimizerFields) {
    super(fields);
    const cls = new.target as unknown as typeof Optimizer & { name: string };
    rejectUnknownArguments(cls.name, fields ?? {}, cls.knownFields);
    this.name = fields.name ?? autoName(cls.name);
    this.description = fields.description ?? Optimizer.firstLine(cls);
    if (fields.schema) this.ownSchema = standardizeSchema(fields.schema);
    else if (fields.dataModel) this.ownSchema = schemaFromDataModel(fields.dataModel);
    else {
      throw new SchemaError(
        `${cls.name} needs a \`schema\` (JSON Schema) or a \`dataModel\` (zod schema): ` +
          "it acts on the variables whose schema contains it.",
      );
    }
    this.iterationVariable = new Variable<IterationState>({
      name: `${this.name}/iteration`,
      value: { iteration: 0 },
      schema: ITERATION_SCHEMA,
      trainable: false,
    });
    this.trackVariable(this.iterationVariable);
  }

  /** First line of the class's own static description; "" when the class declares none. */
  private static firstLine(cls: typeof Optimizer): string {
    if (!Object.hasOwn(cls, "description")) return "";
    return (cls.description.trim().split("\n")[0] ?? "").trim();
  }

  /** The (standardized) schema of the variables this optimizer acts upon. */
  schema(): JsonSchema {
    return structuredClone(this.ownSchema);
  }

  /** The optimizer's own state variables (a copy of the list). */
  get variables(): Variable<object>[] {
    return [...this.tracked];
  }

  /** Non-trainable `{ iteration }` counter, 0 before the first step. */
  get iterations(): Variable<IterationState> {
    return this.iterationVariable;
  }

  /** Registers a state variable, persisted by saveOwnVariables in registration order. */
  protected trackVariable<T extends object>(variable: Variable<T>): Variable<T> {
    this.tracked.push(variable as unknown as Variable<object>);
    return variable;
  }

  /** Whether this optimizer acts on `variable` (its schema contains the optimizer's schema). */
  matches(variable: Variable<object>): boolean {
    return containsSchema(variable.schema(), this.ownSchema);
  }

  /**
   * One optimization step: the iteration counter goes up by one, then every trainable variable the
   * optimizer matches is optimized in turn. Returns the names of the optimized variables.
   */
  async applyOptimization(
    variables: readonly Variable<object>[],
    reward?: number,
    context: OptimizationContext = {},
  ): Promise<string[]> {
    this.assertImplemented("optimize");
    context.signal?.throwIfAborted();
    this.iterationVariable.assign({ iteration: this.iterationVariable.get("iteration") + 1 });
    const optimized: string[] = [];
    for (const variable of variables) {
      if (!variable.trainable || !this.matches(variable)) continue;
      context.signal?.throwIfAborted();
      await this.optimize(variable, reward, context);
      optimized.push(variable.name);
    }
    return optimized;
  }

  /** End of training: `finalize` every trainable variable the optimizer matches. Returns their names. */
  async finalizeVariableValues(
    variables: readonly Variable<object>[],
    context: OptimizationContext = {},
  ): Promise<string[]> {
    this.assertImplemented("finalize");
    const finalized: string[] = [];
    for (const variable of variables) {
      if (!variable.trainable || !this.matches(variable)) continue;
      context.signal?.throwIfAborted();
      await this.finalize(variable, context);
      finalized.push(variable.name);
    }
    return finalized;
  }

  /** Proposes a better value for the part of `variable` this optimizer owns, and assigns it. */
  abstract optimize(variable: Variable<object>, reward: number | undefined, context: OptimizationContext): Promise<void>;

  /** Settles `variable` at the end of training (e.g. assigns the best candidate). */
  abstract finalize(variable: Variable<object>, context: OptimizationContext): Promise<void>;

  /** Writes the optimizer's state into `store` as `store["0"]`, `store["1"]`, … */
  saveOwnVariables(store: Record<string, unknown>): void {
    this.tracked.forEach((variable, i) => {
      store[String(i)] = variable.json();
    });
  }

  /**
   * Restores state saved by saveOwnVariables. A store with another number of variables is skipped with a
   * warning; a store whose values do not validate is refused whole, before anything is written.
   */
  loadOwnVariables(store: Record<string, unknown>): void {
    const saved = Object.keys(store).length;
    if (saved !== this.tracked.length) {
      let message =
        `Skipping variable loading for optimizer '${this.name}', because it has ${this.tracked.length} ` +
        `variables whereas the saved optimizer has ${saved} variables. Load state saved by an optimizer of ` +
        "the same class and configuration.";
      if (this.tracked.length === 0) message += " This is likely because the optimizer has not been built yet.";
      process.emitWarning(message, { code: "TUNECHAIN_OPTIMIZER_STATE_MISMATCH" });
      return;
    }
    const values = this.tracked.map((variable, i) => {
      if (!(String(i) in store)) {
        throw new OptimizerInputError(
          `Saved state of optimizer '${this.name}' has no entry "${i}"; keys must be "0".."${saved - 1}" as saveOwnVariables writes them.`,
        );
      }
      const value = store[String(i)];
      const issues = variable.validate(value);
      if (issues.length > 0) {
        throw new OptimizerInputError(
          `Saved state "${i}" of optimizer '${this.name}' does not fit its variable '${variable.name}': ` +
            `${issues.map((issue) => `${issue.path || "(root)"} ${issue.message}`).join("; ")}. Nothing was loaded.`,
        );
      }
      return value as object;
    });
    this.tracked.forEach((variable, i) => variable.assign(values[i] as object));
  }

  /** Candidates tried so far, best first. Optimizers with a candidate pool override this. */
  leaderboard(): CandidateRecord[] {
    return [];
  }

  /** How the optimizer's proposals fared; undefined for optimizers that do not propose. */
  proposalStats(): ProposalStats | undefined {
    return undefined;
  }

  /** Why the optimizer has nothing more to do (e.g. its own metric budget is spent); undefined while it has. */
  get stopReason(): string | undefined {
    return undefined;
  }

  /**
   * The expected cost of one step in a run of this shape, for budget presets and estimates before anything is
   * paid. A rough mean, not a bound: the metric budget is what bounds a run. The base assumes one proposal scored
   * on the batch.
   */
  estimateStepCost(shape: RunShape): StepCost {
    return { metricCalls: shape.batchSize, optimizerCalls: 1 };
  }

  /**
   * Whether a step learns from the batch the training loop scores with the values in place (`predictions`).
   * An optimizer that draws its own minibatches returns false, and fit skips that batch run for it.
   */
  get usesBatchPredictions(): boolean {
    return true;
  }

  getConfig(): OptimizerConfig {
    return { name: this.name, description: this.description, schema: this.schema() };
  }

  /** Rebuilds an optimizer from `getConfig()` output. */
  static fromConfig<T extends Optimizer>(this: new (fields: OptimizerFields) => T, config: OptimizerConfig): T {
    return new this(config);
  }

  override toString(): string {
    return `<Optimizer name=${this.name} description=${this.description}>`;
  }

  /** One step as a Runnable: callbacks, tracing, `signal` and `timeout` apply; model calls are child runs. */
  async invoke(input: OptimizerInput, options?: Partial<RunnableConfig>): Promise<OptimizerOutput> {
    return this.serial(() => this._callWithConfig(this.step.bind(this), input, options));
  }

  private async step(
    input: OptimizerInput,
    config?: Partial<RunnableConfig>,
    runManager?: CallbackManagerForChainRun,
  ): Promise<OptimizerOutput> {
    const variables = Optimizer.checkInput(input, this.name);
    const childConfig = patchConfig(config ?? {}, { callbacks: runManager?.getChild() });
    const predictions = input.predictions;
    const reward =
      input.reward ??
      (predictions && predictions.length > 0
        ? predictions.reduce((sum, p) => sum + p.score, 0) / predictions.length
        : undefined);
    const given = input.context ?? {};
    const evaluate = given.evaluate;
    const context: OptimizationContext = {
      ...given,
      // Program runs an optimizer asks for become child runs of its step.
      ...(evaluate ? { evaluate: (candidate, examples, options) => evaluate(candidate, examples, { config: childConfig, ...options }) } : {}),
      predictions,
      signal: childConfig.signal,
      config: childConfig,
    };
    const optimized = input.optimize === false ? [] : await this.applyOptimization(variables, reward, context);
    const finalized = input.finalize ? await this.finalizeVariableValues(variables, context) : [];
    const stopReason = this.stopReason;
    return {
      iteration: this.iterationVariable.get("iteration"),
      optimized,
      finalized,
      ...(stopReason !== undefined ? { stopReason } : {}),
      variables: Object.fromEntries(variables.map((v) => [v.name, v.json()])),
    };
  }

  private static checkInput(input: OptimizerInput, name: string): readonly Variable<object>[] {
    const variables = (input as Partial<OptimizerInput> | undefined)?.variables;
    if (!Array.isArray(variables) || !variables.every((v) => v instanceof Variable)) {
      throw new OptimizerInputError(
        `Optimizer '${name}' expects { variables: Variable[] } as input; collect them from your chain with ` +
          "collectTrainableVariables(chain) or pass the Variable objects themselves.",
      );
    }
    return variables;
  }

  private assertImplemented(method: "optimize" | "finalize"): void {
    if (typeof (this as unknown as Record<string, unknown>)[method] !== "function") {
      throw new NotImplementedError(
        `${this.constructor.name} must implement the \`${method}()\` method (Optimizer subclasses implement optimize and finalize).`,
      );
    }
  }
}
