// Public API of src/tools, re-exported by src/index.ts.
export { TOOL_DESCRIPTION_SCHEMA, toolVariableSchema, type ToolDescriptionValue } from "./schemas.js";
export { trainableTool, TrainableTool, type TrainableToolOptions } from "./trainable-tool.js";
export { ToolConfigurationError, ToolOverrideError } from "./errors.js";
