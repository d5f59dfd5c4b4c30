import type { JsonSchema } from "../variables/schema.js";

/**
 * The schemas by which prompt variables and optimizers find each other (containsSchema). TrainablePrompt's
 * variable has both keys; InstructionOptimizer owns `instructions`, FewShotOptimizer owns `examples`.
 */

/** One demonstration: the program's input (by input variable) and the answer it should give. */
export const FEW_SHOT_EXAMPLE_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    input: { type: "object", description: "The prompt's input variables for this demonstration." },
    output: { description: "The answer to show for that input (text or any JSON)." },
  },
  required: ["input", "output"],
  additionalProperties: false,
};

export const INSTRUCTIONS_SCHEMA: JsonSchema = {
  type: "object",
  properties: { instructions: { type: "string", description: "The system instructions of the prompt." } },
  required: ["instructions"],
};

export const EXAMPLES_SCHEMA: JsonSchema = {
  type: "object",
  properties: { examples: { type: "array", items: FEW_SHOT_EXAMPLE_SCHEMA } },
  required: ["examples"],
};

/** Schema of a TrainablePrompt's variable: `{ instructions, examples }`. */
export const PROMPT_VARIABLE_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    instructions: INSTRUCTIONS_SCHEMA.properties!.instructions!,
    examples: EXAMPLES_SCHEMA.properties!.examples!,
  },
  required: ["instructions", "examples"],
  additionalProperties: false,
};

export interface FewShotExample {
  input: Record<string, unknown>;
  output: unknown;
}

export interface PromptValue {
  instructions: string;
  examples: FewShotExample[];
}
