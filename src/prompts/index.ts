// Public API of src/prompts, re-exported by src/index.ts.
export {
  EXAMPLES_SCHEMA,
  FEW_SHOT_EXAMPLE_SCHEMA,
  INSTRUCTIONS_SCHEMA,
  PROMPT_VARIABLE_SCHEMA,
  type FewShotExample,
  type PromptValue,
} from "./schemas.js";
