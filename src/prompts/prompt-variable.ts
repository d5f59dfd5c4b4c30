import type { z } from "zod";
import { autoName } from "../names.js";
import { schemaFromDataModel, standardizeSchema, type JsonSchema } from "../variables/schema.js";
import { Variable } from "../variables/variable.js";
import { PromptConfigurationError } from "./errors.js";
import { PROMPT_VARIABLE_SCHEMA, type FewShotExample, type PromptValue } from "./schemas.js";

/** The value of a TrainablePrompt's variable: instructions, examples, and the keys of an optional dataModel. */
export interface PromptVariableValue extends PromptValue {
  [extraPart: string]: unknown;
}

/** The keys every prompt variable has; a dataModel adds others. */
export const BASE_KEYS: readonly string[] = ["instructions", "examples"];

/** What a prompt variable is made from (the matching TrainablePrompt fields). */
export interface PromptVariableFields {
  name?: string;
  instructions?: string;
  examples?: FewShotExample[];
  dataModel?: z.ZodType;
  extra?: Record<string, unknown>;
  render?: unknown;
}

/**
 * The Variable behind a TrainablePrompt: PROMPT_VARIABLE_SCHEMA exactly (so optimizers' default schemas find
 * it), widened by the properties of an optional zod object of extra parts.
 */
export function makePromptVariable(fields: PromptVariableFields): Variable<PromptVariableValue> {
  let schema: JsonSchema = PROMPT_VARIABLE_SCHEMA;
  let extra: Record<string, unknown> = {};
  if (fields.dataModel !== undefined) {
    const extraSchema = schemaFromDataModel(fields.dataModel);
    const properties = extraSchema.properties ?? {};
    const clash = Object.keys(properties).filter((key) => BASE_KEYS.includes(key));
    if (extraSchema.type !== "object" || clash.length > 0) {
      throw new PromptConfigurationError(
        clash.length > 0
          ? `The dataModel of a TrainablePrompt may not redefine ${clash.join(" and ")}: those keys are the prompt's own.`
          : "The dataModel of a TrainablePrompt must be a zod object (z.object({...})) of extra trainable parts.",
      );
    }
    if (fields.render === undefined) {
      throw new PromptConfigurationError(
        "A TrainablePrompt with a dataModel needs `render(extra) => string` to show the extra parts in the system message.",
      );
    }
    schema = standardizeSchema({
      ...PROMPT_VARIABLE_SCHEMA,
      properties: { ...PROMPT_VARIABLE_SCHEMA.properties, ...properties },
      required: [...BASE_KEYS, ...(extraSchema.required ?? [])],
      ...(extraSchema.$defs ? { $defs: extraSchema.$defs } : {}),
    });
    extra = fields.extra ?? defaultExtra(fields.dataModel);
  } else if (fields.extra !== undefined || fields.render !== undefined) {
    throw new PromptConfigurationError(
      "`extra` and `render` describe extra trainable parts; give their zod `dataModel` too.",
    );
  }
  return new Variable<PromptVariableValue>({
    name: fields.name ?? autoName("TrainablePrompt"),
    schema,
    value: { instructions: fields.instructions ?? "", examples: fields.examples ?? [], ...extra },
  });
}

function defaultExtra(dataModel: z.ZodType): Record<string, unknown> {
  const parsed = dataModel.safeParse({});
  if (!parsed.success || typeof parsed.data !== "object" || parsed.data === null) {
    throw new PromptConfigurationError(
      "Give the initial values of the dataModel's parts as `extra` (the dataModel has no defaults for them).",
    );
  }
  return parsed.data as Record<string, unknown>;
}
