// Public API of src/prompts, re-exported by src/index.ts.
export {
  EXAMPLES_SCHEMA,
  FEW_SHOT_EXAMPLE_SCHEMA,
  INSTRUCTIONS_SCHEMA,
  PROMPT_VARIABLE_SCHEMA,
  type FewShotExample,
  type PromptValue,
} from "./schemas.js";
export { TrainablePrompt, type TrainablePromptFields } from "./trainable-prompt.js";
export { makePromptVariable, type PromptVariableValue } from "./prompt-variable.js";
export { collectTrainablePrompts, collectTrainableTools, collectTrainableVariables, type Trainable } from "./collect.js";
export {
  OVERRIDES_CONFIG_KEY,
  readOverrides,
  withVariableOverrides,
  type VariableOverrides,
} from "./overrides.js";
export { comparePlaceholders, escapeLiteralBraces, templatePlaceholders, type PlaceholderReport } from "./placeholders.js";
export {
  DuplicateVariableNameError,
  PromptConfigurationError,
  PromptOverrideError,
  PromptPlaceholderError,
} from "./errors.js";
