import { AsyncLocalStorage } from "node:async_hooks";
import type { CallbackManagerForToolRun } from "@langchain/core/callbacks/manager";
import type { RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { StructuredTool, type StructuredToolInterface, type ToolRunnableConfig } from "@langchain/core/tools";
import { toJsonSchema, type JSONSchema } from "@langchain/core/utils/json_schema";
import { rejectUnknownArguments } from "../errors.js";
import { readOverrides } from "../prompts/overrides.js";
import { formatIssues } from "../variables/errors.js";
import { Variable } from "../variables/variable.js";
import { ToolConfigurationError, ToolOverrideError } from "./errors.js";
import { toolVariableSchema, type ToolDescriptionValue } from "./schemas.js";

// A run's config reaches code it calls through LangChain's async local storage. LangChain's Node entry points
// install the storage when first imported; install it the same way (once, shared) in case none did yet.
AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());

/** Key, on a tool definition handed to a model, of the TrainableTool it stands for (the program walk reads it). */
export const TRAINABLE_TOOL_KEY: unique symbol = Symbol.for("tunechain.trainableTool");

export interface TrainableToolOptions {
  /** Name of the tool's variable (keys artifacts, checkpoints and overrides); default: the tool's name. */
  name?: string;
  /** Initial description (default: the tool's own). */
  description?: string;
  /** Initial parameter descriptions, by parameter (default: those of the tool's schema). */
  parameters?: Record<string, string>;
}

const KNOWN_OPTIONS = ["name", "description", "parameters"] as const;

type ObjectSchema = JSONSchema & { properties?: Record<string, Record<string, unknown>> };

/** Trainable tools by tool name (weakly held), so a trace can name the tool behind a definition a model copied. */
const registry = new Map<string, Set<WeakRef<TrainableTool>>>();

function register(tool: TrainableTool): void {
  let refs = registry.get(tool.name);
  if (!refs) registry.set(tool.name, (refs = new Set()));
  refs.add(new WeakRef(tool));
}

/** The live trainable tools named `name`. */
export function trainableToolsNamed(name: string): TrainableTool[] {
  const refs = registry.get(name);
  if (!refs) return [];
  const tools: TrainableTool[] = [];
  for (const ref of refs) {
    const tool = ref.deref();
    if (tool) tools.push(tool);
    else refs.delete(ref);
  }
  return tools;
}

/** The config of the run the caller is part of, if any. */
function currentConfig(): RunnableConfig | undefined {
  return AsyncLocalStorageProviderSingleton.getRunnableConfig() as RunnableConfig | undefined;
}

/**
 * A LangChain tool whose description (and its parameters' descriptions) is a trainable Variable
 * `{ description, parameters? }`. It runs the wrapped tool unchanged; what changes is the text the model reads
 * when it chooses tools. That text is read per model call: a run carrying a candidate in
 * `config.configurable.tunechain[variableName]` sends the candidate's text, so fit can score several
 * descriptions at once. Make one with `trainableTool(tool, { name })`.
 *
 * How the candidate reaches each request: `description` and the parameter descriptions of `schema` are getters
 * that read the current run's config (LangChain passes it down through async local storage), so a model that
 * converts tools while a run is going (bindTools inside a node, a dynamic `llm` of createReactAgent, or tools
 * given as a call option) sends the candidate's text. Models that copy a tool's text once, when tools are
 * bound ahead of time, would keep the first text; for OpenAI chat models (ChatOpenAI and its subclasses)
 * the tool hands bindTools a definition whose text is read when each request is written
 * (`extras.providerToolDefinition`), so binding ahead of time is fine there. The trace collector warns when a
 * model received an outdated description.
 */
export class TrainableTool extends StructuredTool<JSONSchema> {
  static override lc_name(): string {
    return "TrainableTool";
  }

  // Its fields hold a Variable and the wrapped tool, which LangChain's serializer cannot represent.
  override lc_serializable = false;

  name: string;
  /** JSON Schema of the tool's arguments; its top-level parameters' descriptions follow the variable. */
  schema: JSONSchema;
  /** The wrapped tool, which does the work. */
  readonly tool: StructuredToolInterface;
  readonly variable: Variable<ToolDescriptionValue>;
  /** Parameter names of the tool's schema whose descriptions are trainable. */
  readonly parameterNames: readonly string[];
  private readonly validated = new WeakSet<object>();

  constructor(tool: StructuredToolInterface, options: TrainableToolOptions = {}) {
    rejectUnknownArguments("trainableTool", options ?? {}, KNOWN_OPTIONS);
    const candidate = tool as Partial<StructuredToolInterface> & { extras?: Record<string, unknown>; returnDirect?: boolean };
    if (typeof candidate !== "object" || candidate === null || typeof candidate.name !== "string" || typeof candidate.invoke !== "function") {
      throw new ToolConfigurationError(
        "trainableTool needs a LangChain tool (tool(...), a DynamicStructuredTool or a StructuredTool subclass) with a name.",
      );
    }
    if ((candidate.constructor as { lc_name?: () => string } | undefined)?.lc_name?.() === "TrainableTool") {
      throw new ToolConfigurationError(`Tool '${candidate.name}' is already trainable: use it as it is.`);
    }
    if (candidate.extras?.providerToolDefinition !== undefined) {
      throw new ToolConfigurationError(
        `Tool '${candidate.name}' is a provider's built-in tool (it has extras.providerToolDefinition); the model ` +
          "does not read a description of it, so there is nothing to tune.",
      );
    }
    const baseSchema = jsonSchemaOf(candidate.schema, candidate.name);
    const parameterNames = Object.keys(baseSchema.properties ?? {});
    const ownParameters = Object.fromEntries(
      parameterNames.map((key) => {
        const text = baseSchema.properties?.[key]?.description;
        return [key, typeof text === "string" ? text : ""];
      }),
    );
    const unknown = Object.keys(options.parameters ?? {}).filter((key) => !parameterNames.includes(key));
    if (unknown.length > 0) {
      throw new ToolConfigurationError(
        `Tool '${candidate.name}' has no parameter ${unknown.map((k) => `'${k}'`).join(", ")} ` +
          `(its parameters: ${parameterNames.join(", ") || "none"}).`,
      );
    }
    const initial: ToolDescriptionValue = { description: options.description ?? String(candidate.description ?? "") };
    if (parameterNames.length > 0) initial.parameters = { ...ownParameters, ...options.parameters };
    super({
      verboseParsingErrors: (candidate as { verboseParsingErrors?: boolean }).verboseParsingErrors,
      metadata: (candidate as { metadata?: Record<string, unknown> }).metadata,
      extras: { ...candidate.extras },
    });
    this.tool = tool;
    this.name = candidate.name;
    this.returnDirect = candidate.returnDirect === true;
    this.parameterNames = parameterNames;
    this.variable = new Variable<ToolDescriptionValue>({
      name: options.name ?? candidate.name,
      schema: toolVariableSchema(parameterNames),
      value: initial,
    });
    this.schema = liveSchema(baseSchema, () => this.valueFor().parameters);
    const definition = liveOpenAIDefinition(this);
    this.extras = { ...this.extras, providerToolDefinition: definition };
    register(this);
  }

  /** The description this run sends: the run's candidate when it carries one, else the variable's value. */
  override get description(): string {
    return this.valueFor().description;
  }

  override set description(_text: string) {
    throw new ToolConfigurationError(
      `The description of trainable tool '${this.name}' is its variable's: assign it with ` +
        "tool.variable.update({ description }) (or load an artifact).",
    );
  }

  /** The name of the tool's variable. */
  get variableName(): string {
    return this.variable.name;
  }

  /** The value a run uses: a per-call override when its config carries one, else the variable's value. */
  valueFor(config: RunnableConfig | undefined = currentConfig()): ToolDescriptionValue {
    const override = readOverrides(config)?.[this.variable.name];
    if (override === undefined) return this.variable.json();
    if (!this.validated.has(override)) {
      const issues = this.variable.validate(override);
      if (issues.length > 0) {
        throw new ToolOverrideError(
          `The value given for tool variable '${this.variable.name}' in config.configurable.tunechain does not match ` +
            `its schema:\n${formatIssues(issues)}\nPass a whole value shaped like variable.json().`,
        );
      }
      this.validated.add(override);
    }
    return override as unknown as ToolDescriptionValue;
  }

  protected override async _call(arg: unknown, runManager?: CallbackManagerForToolRun, parentConfig?: ToolRunnableConfig): Promise<unknown> {
    // The wrapped tool validates and parses its own input (its zod schema, defaults, transforms) and, given the
    // tool call, answers with its own ToolMessage (artifacts included), which passes through unchanged.
    return this.tool.invoke(arg as never, { ...parentConfig, callbacks: runManager?.getChild() } as never);
  }
}

/**
 * Makes the description of `tool` (and of its parameters) trainable. The result is a LangChain tool to use
 * wherever the original went — `model.bindTools([...])`, a ToolNode, `createReactAgent({ tools })` — and its
 * `.variable` holds `{ description, parameters? }`, which fit tunes with an optimizer whose schema names
 * `description` (TOOL_DESCRIPTION_SCHEMA), and saveVariables / loadVariables keep with the prompts.
 */
export function trainableTool(tool: StructuredToolInterface, options: TrainableToolOptions = {}): TrainableTool {
  return new TrainableTool(tool, options);
}

/** The tool's argument schema as a plain JSON Schema object (a copy). */
function jsonSchemaOf(schema: unknown, toolName: string): ObjectSchema {
  let converted: unknown;
  try {
    converted = schema === undefined ? { type: "object", properties: {} } : toJsonSchema(schema as never);
  } catch (error) {
    throw new ToolConfigurationError(`Cannot read the argument schema of tool '${toolName}': ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof converted !== "object" || converted === null) {
    throw new ToolConfigurationError(`Tool '${toolName}' has no JSON-convertible argument schema.`);
  }
  return JSON.parse(JSON.stringify(converted)) as ObjectSchema;
}

/** A copy of `base` whose top-level parameters read their description from `read()` each time. */
function liveSchema(base: ObjectSchema, read: () => Record<string, string> | undefined): JSONSchema {
  const schema = structuredClone(base);
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    delete property.description;
    Object.defineProperty(property, "description", {
      enumerable: true,
      configurable: true,
      get: () => {
        const text = read()?.[key];
        return text ? text : undefined;
      },
    });
  }
  return schema;
}

/**
 * The tool in OpenAI's function format, with getters: ChatOpenAI.bindTools keeps this object as it is (it is
 * the tool's `extras.providerToolDefinition`), and it is read again when each request is written, inside the
 * model call, so every request carries the text of the run that makes it.
 */
function liveOpenAIDefinition(tool: TrainableTool): Record<string | symbol, unknown> {
  const fn = {
    name: tool.name,
    get description(): string {
      return tool.description;
    },
    parameters: tool.schema,
  };
  const definition: Record<string | symbol, unknown> = { type: "function", function: fn };
  Object.defineProperty(definition, TRAINABLE_TOOL_KEY, { value: tool, enumerable: false });
  return definition;
}
