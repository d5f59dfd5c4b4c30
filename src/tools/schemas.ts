import type { JsonSchema } from "../variables/schema.js";

/**
 * The schema by which optimizers find tool descriptions (containsSchema): give it to a text optimizer,
 * `new InstructionOptimizer({ schema: TOOL_DESCRIPTION_SCHEMA, languageModel })`, and it rewrites the
 * `description` of every trainable tool of the program (and leaves prompts to the optimizers of `instructions`).
 */
export const TOOL_DESCRIPTION_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    description: {
      type: "string",
      description: "What the tool does and when to use it: the model reads it to decide whether to call the tool.",
    },
  },
  required: ["description"],
};

/** The value of a trainable tool's variable: the tool's description and those of its parameters. */
export interface ToolDescriptionValue {
  description: string;
  /** One text per top-level parameter of the tool's schema ("" for none); absent for a tool without parameters. */
  parameters?: Record<string, string>;
}

/** Schema of a trainable tool's variable, for a tool with the given parameter names. */
export function toolVariableSchema(parameterNames: readonly string[]): JsonSchema {
  const properties: Record<string, JsonSchema> = { description: TOOL_DESCRIPTION_SCHEMA.properties!.description! };
  const required = ["description"];
  if (parameterNames.length > 0) {
    properties.parameters = {
      type: "object",
      description: "The description of each parameter of the tool.",
      properties: Object.fromEntries(parameterNames.map((name) => [name, { type: "string" }])),
      required: [...parameterNames],
      additionalProperties: false,
    };
    required.push("parameters");
  }
  return { type: "object", properties, required, additionalProperties: false };
}
