import type { CallbackManagerForChainRun } from "@langchain/core/callbacks/manager";
import { AIMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import {
  BaseChatPromptTemplate,
  ChatPromptTemplate,
  renderTemplate,
  type BaseMessagePromptTemplateLike,
  type TemplateFormat,
  type TypedPromptInputValues,
} from "@langchain/core/prompts";
import { ChatPromptValue, type ChatPromptValueInterface } from "@langchain/core/prompt_values";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { InputValues, PartialValues } from "@langchain/core/utils/types";
import type { z } from "zod";
import { rejectUnknownArguments } from "../errors.js";
import { formatIssues } from "../variables/errors.js";
import type { Variable } from "../variables/variable.js";
import { PromptConfigurationError, PromptOverrideError, PromptPlaceholderError } from "./errors.js";
import { COMPONENT_METADATA_KEY } from "../traces/component-trace-collector.js";
import { readOverrides } from "./overrides.js";
import { comparePlaceholders, escapeLiteralBraces, templatePlaceholders, type PlaceholderReport } from "./placeholders.js";
import { BASE_KEYS, makePromptVariable, type PromptVariableValue } from "./prompt-variable.js";
import type { FewShotExample } from "./schemas.js";

export type { PromptVariableValue } from "./prompt-variable.js";

export interface TrainablePromptFields<Extra extends Record<string, unknown> = Record<string, never>> {
  /** Name of the prompt's variable (keys artifacts, checkpoints and overrides); an auto name when omitted. */
  name?: string;
  /** Initial system instructions, written in the template format (f-string: literal braces doubled). */
  instructions?: string;
  /** Initial few-shot demonstrations, shown as human/AI message pairs after the system message. */
  examples?: FewShotExample[];
  /** The turn after the demonstrations; a string is one human message template. Default: "{input}". */
  messages?: string | BaseMessagePromptTemplateLike[];
  templateFormat?: TemplateFormat;
  /** Extra JSON-typed trainable parts (a zod object); their values are shown through `render`. */
  dataModel?: z.ZodType<Extra>;
  /** Initial values of the extra parts (defaults: what `dataModel.parse({})` gives). */
  extra?: Extra;
  /** Turns the extra parts into literal text appended to the system message. */
  render?: (extra: Extra) => string;
  /** Share an existing prompt variable (e.g. one prompt in two chains); replaces instructions/examples/extra. */
  variable?: Variable<PromptVariableValue>;
  partialVariables?: PartialValues;
}

// Distinct instruction texts whose placeholders a prompt remembers (an optimizer step scores ~8-16 at once).
const PLACEHOLDER_CACHE_SIZE = 64;

const KNOWN_FIELDS = [
  "name",
  "instructions",
  "examples",
  "messages",
  "templateFormat",
  "dataModel",
  "extra",
  "render",
  "variable",
  "partialVariables",
] as const;

/**
 * A LangChain chat prompt whose system instructions and few-shot demonstrations are a trainable Variable.
 * `prompt.pipe(model)` works like any ChatPromptTemplate. A run may carry candidate values in
 * `config.configurable.tunechain[variableName]`; the prompt renders those instead of the variable's current
 * value, so several candidates can be evaluated at once without touching the shared variable.
 */
export class TrainablePrompt<
  RunInput extends InputValues = InputValues,
  Extra extends Record<string, unknown> = Record<string, never>,
> extends BaseChatPromptTemplate<RunInput> {
  static override lc_name(): string {
    return "TrainablePrompt";
  }

  override lc_namespace = ["tunechain", "prompts"];

  // Its fields hold a Variable and functions, which LangChain's serializer cannot represent.
  override lc_serializable = false;

  readonly variable: Variable<PromptVariableValue>;
  readonly templateFormat: TemplateFormat;
  /** The messages after the demonstrations (the user's turn). */
  readonly userMessages: ChatPromptTemplate;
  /** Placeholders the first instructions used; a candidate that drops one ignores that input. */
  readonly expectedPlaceholders: string[];
  private readonly renderExtra?: (extra: Record<string, unknown>) => string;
  private readonly fields: TrainablePromptFields<Record<string, unknown>>;
  // Placeholders of recently rendered instructions: training renders one candidate text for a whole batch,
  // and parsing it (twice) on every call was about half of the prompt's own CPU per call.
  private readonly placeholderCache = new Map<string, readonly string[]>();
  private readonly staticTextCache = new Map<string, string>();

  constructor(fields: TrainablePromptFields<Extra>) {
    rejectUnknownArguments("TrainablePrompt", fields ?? {}, KNOWN_FIELDS);
    const templateFormat = fields.templateFormat ?? "f-string";
    const userMessages = ChatPromptTemplate.fromMessages(toMessageList(fields.messages), { templateFormat });
    const variable = fields.variable ?? makePromptVariable(fields);
    const instructions = variable.get("instructions");
    const expectedPlaceholders = templatePlaceholders(instructions, templateFormat);
    const partialNames = Object.keys(fields.partialVariables ?? {});
    const inputVariables = [...userMessages.inputVariables];
    for (const name of expectedPlaceholders) {
      if (!inputVariables.includes(name) && !partialNames.includes(name)) inputVariables.push(name);
    }
    super({ inputVariables: inputVariables as never, partialVariables: fields.partialVariables });
    this.fields = fields as TrainablePromptFields<Record<string, unknown>>;
    this.templateFormat = templateFormat;
    this.userMessages = userMessages;
    this.variable = variable;
    this.expectedPlaceholders = expectedPlaceholders;
    this.renderExtra = fields.render as ((extra: Record<string, unknown>) => string) | undefined;
  }

  /**
   * Makes the system message of an existing chat prompt trainable; the other messages stay as they are.
   * The system text keeps its template syntax (its placeholders must remain input variables).
   */
  static fromChatPromptTemplate<Extra extends Record<string, unknown> = Record<string, never>>(
    existing: ChatPromptTemplate,
    options: Omit<TrainablePromptFields<Extra>, "messages" | "templateFormat" | "partialVariables"> = {},
  ): TrainablePrompt<InputValues, Extra> {
    const templateFormat: TemplateFormat = existing.templateFormat ?? "f-string";
    const messages = [...existing.promptMessages];
    const index = messages.findIndex((message) => systemText(message, templateFormat) !== undefined);
    if (index < 0 && options.instructions === undefined && options.variable === undefined) {
      throw new PromptConfigurationError(
        "The chat prompt has no system message to make trainable. Add a ['system', '…'] message to it, or pass " +
          "`instructions` to fromChatPromptTemplate to start from your own text.",
      );
    }
    const found = index >= 0 ? systemText(messages[index], templateFormat) : undefined;
    if (index >= 0) messages.splice(index, 1);
    return new TrainablePrompt<InputValues, Extra>({
      ...options,
      instructions: options.instructions ?? found ?? "",
      messages: messages as BaseMessagePromptTemplateLike[],
      templateFormat,
      partialVariables: existing.partialVariables,
    });
  }

  /** The name of the prompt's variable. */
  get variableName(): string {
    return this.variable.name;
  }

  _getPromptType(): "chat" {
    return "chat" as const;
  }

  /** Placeholders of `instructions` the prompt cannot fill, and original ones the text dropped. */
  checkInstructions(instructions: string): PlaceholderReport {
    const allowed = [...this.inputVariables, ...Object.keys(this.partialVariables ?? {})];
    return comparePlaceholders(instructions, this.templateFormat, allowed, this.expectedPlaceholders);
  }

  /** Literal text made safe to use inside this prompt's instructions. */
  escape(text: string): string {
    return escapeLiteralBraces(text, this.templateFormat);
  }

  /** The value this run renders: a per-call override when the config carries one, else the variable's value. */
  valueFor(config?: RunnableConfig): PromptVariableValue {
    const override = readOverrides(config)?.[this.variable.name];
    if (override === undefined) return this.variable.json();
    const issues = this.variable.validate(override);
    if (issues.length > 0) {
      throw new PromptOverrideError(
        `The value given for prompt variable '${this.variable.name}' in config.configurable.tunechain does not ` +
          `match its schema:\n${formatIssues(issues)}\nPass a whole value shaped like variable.json().`,
      );
    }
    return override as PromptVariableValue;
  }

  override async formatMessages(values: TypedPromptInputValues<RunInput>): Promise<BaseMessage[]> {
    return this.formatMessagesWith(values, this.variable.json());
  }

  /** Messages for `values` rendered with an explicit variable value (used by runs carrying overrides). */
  async formatMessagesWith(values: TypedPromptInputValues<RunInput>, value: PromptVariableValue): Promise<BaseMessage[]> {
    const allValues = (await this.mergePartialAndUserVariables(values)) as InputValues;
    const messages: BaseMessage[] = [];
    const system = this.systemContent(value, allValues);
    if (system.length > 0) messages.push(new SystemMessage(system));
    for (const example of value.examples) messages.push(...(await this.exampleMessages(example)));
    messages.push(...(await this.userMessages.formatMessages(allValues)));
    return messages;
  }

  override async invoke(input: RunInput, options?: Partial<RunnableConfig>): Promise<ChatPromptValueInterface> {
    // The component name marks this run, so the training loop's trace collector knows which prompt rendered.
    const metadata = { ...this.metadata, ...options?.metadata, [COMPONENT_METADATA_KEY]: this.variable.name };
    const tags = [...(this.tags ?? []), ...(options?.tags ?? [])];
    return this._callWithConfig(
      async (runInput: RunInput, config?: Partial<RunnableConfig>, _runManager?: CallbackManagerForChainRun) =>
        new ChatPromptValue(await this.formatMessagesWith(runInput as never, this.valueFor(config))),
      input,
      { ...options, tags, metadata, runType: "prompt" },
    );
  }

  override async partial(values: PartialValues): Promise<TrainablePrompt<RunInput, Extra>> {
    // Same variable: the partial prompt and this one are one trainable part.
    return new TrainablePrompt<RunInput, Extra>({
      ...(this.fields as TrainablePromptFields<Extra>),
      variable: this.variable,
      partialVariables: { ...this.partialVariables, ...values },
    });
  }

  private systemContent(value: PromptVariableValue, allValues: InputValues): string {
    const used = this.placeholdersOf(value.instructions);
    // The same test as checkInstructions().unknown, on the one parse of the text.
    const allowed = [...this.inputVariables, ...Object.keys(this.partialVariables ?? {})];
    const unknown = used.filter((name) => !allowed.includes(name));
    if (unknown.length > 0) {
      throw new PromptPlaceholderError(
        `The instructions of prompt '${this.variable.name}' use ${unknown.map((n) => `{${n}}`).join(", ")}, ` +
          `which ${unknown.length === 1 ? "is not an input variable" : "are not input variables"} of the ` +
          `prompt (input variables: ${this.inputVariables.join(", ") || "none"}). Remove the placeholder` +
          (this.templateFormat === "f-string" ? " or double the braces to write them literally." : "."),
        unknown,
      );
    }
    let text: string;
    if (used.length === 0) {
      // No placeholder: the text depends on the instructions alone, so render it once per distinct text.
      text = this.staticTextCache.get(value.instructions) ?? renderTemplate(value.instructions, this.templateFormat, {});
      this.staticTextCache.set(value.instructions, text);
      if (this.staticTextCache.size > PLACEHOLDER_CACHE_SIZE) this.dropOldest(this.staticTextCache);
    } else {
      const picked = Object.fromEntries(used.filter((name) => name in allValues).map((name) => [name, allValues[name]]));
      text = renderTemplate(value.instructions, this.templateFormat, picked);
    }
    if (this.renderExtra) {
      const extra = Object.fromEntries(Object.entries(value).filter(([key]) => !BASE_KEYS.includes(key)));
      const rendered = this.renderExtra(extra);
      if (rendered.length > 0) text = text.length > 0 ? `${text}\n\n${rendered}` : rendered;
    }
    return text;
  }

  /** templatePlaceholders of `instructions`, parsed once per distinct text. */
  private placeholdersOf(instructions: string): readonly string[] {
    let names = this.placeholderCache.get(instructions);
    if (names === undefined) {
      names = templatePlaceholders(instructions, this.templateFormat); // throws on a bad template: nothing cached
      this.placeholderCache.set(instructions, names);
      if (this.placeholderCache.size > PLACEHOLDER_CACHE_SIZE) this.dropOldest(this.placeholderCache);
    }
    return names;
  }

  /** Keeps the caches small: a few recent texts suffice, as candidates are evaluated batch by batch. */
  private dropOldest(cache: Map<string, unknown>): void {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }

  /** `[]` for every messages placeholder of the user's turn. */
  private emptyPlaceholders(): Record<string, unknown[]> {
    const empty: Record<string, unknown[]> = {};
    for (const message of this.userMessages.promptMessages) {
      const placeholder = message as { constructor?: { lc_name?: () => string }; variableName?: unknown };
      if (placeholder.constructor?.lc_name?.() === "MessagesPlaceholder" && typeof placeholder.variableName === "string") {
        empty[placeholder.variableName] = [];
      }
    }
    return empty;
  }

  /** A demonstration as the user's turn filled with its input, then the answer as an AI message. */
  private async exampleMessages(example: FewShotExample): Promise<BaseMessage[]> {
    const answer = typeof example.output === "string" ? example.output : JSON.stringify(example.output);
    let turn: BaseMessage[];
    try {
      // A demonstration has no chat history of its own: empty message placeholders, then its input.
      const values = { ...this.emptyPlaceholders(), ...(await this.mergePartialAndUserVariables(example.input as never)) };
      turn = await this.userMessages.formatMessages(values as InputValues);
    } catch {
      // The demonstration lacks some input of the user's turn (e.g. a chat history): show its input as JSON.
      turn = await ChatPromptTemplate.fromMessages([["human", "{input}"]]).formatMessages({
        input: JSON.stringify(example.input),
      });
    }
    return [...turn, new AIMessage(answer)];
  }
}

function toMessageList(messages: TrainablePromptFields["messages"]): BaseMessagePromptTemplateLike[] {
  if (messages === undefined) return [["human", "{input}"]];
  if (typeof messages === "string") return [["human", messages]];
  return messages;
}

/** The template text of a system message (prompt template or literal message), if `message` is one. */
function systemText(message: unknown, format: TemplateFormat): string | undefined {
  const candidate = message as {
    constructor?: { lc_name?: () => string };
    prompt?: { template?: unknown };
    getType?: () => string;
    _getType?: () => string;
    content?: unknown;
  };
  const className = candidate.constructor?.lc_name?.();
  if (className === "SystemMessagePromptTemplate" && typeof candidate.prompt?.template === "string") {
    return candidate.prompt.template;
  }
  const type = candidate.getType?.() ?? candidate._getType?.();
  if (type === "system" && typeof candidate.content === "string") {
    // A literal message: its braces are text, so escape them to keep them literal in the template.
    return escapeLiteralBraces(candidate.content, format);
  }
  return undefined;
}
