// Public API of src/models, re-exported by src/index.ts.
export { fromChatModel } from "./chat-model-adapter.js";
export { fromOpenAI, type OpenAIModelOptions, type StructuredOutputMode } from "./openai-adapter.js";
export type { ManagedLanguageModel } from "./managed-language-model.js";
export type { LanguageModelOptions } from "./options.js";
export {
  UsageLedger,
  type SerializedUsageEntry,
  type SerializedUsageLedger,
  type UsageLedgerOptions,
  type UsageReservation,
} from "./usage-ledger.js";
export { createUsageHandler, UsageCallbackHandler, type UsageHandlerOptions } from "./usage-handler.js";
export {
  BudgetExceededError,
  ModelOptionsError,
  ModelRequestError,
  ModelTimeoutError,
  StructuredOutputError,
  type BudgetLimit,
} from "./errors.js";
export { toStrictSchema } from "./strict-schema.js";
export type {
  Budget,
  ChatMessage,
  LanguageModel,
  ModelCallOptions,
  ModelPrice,
  ModelRole,
  PriceTable,
  StructuredGeneration,
  StructuredRequest,
  TextGeneration,
  TokenUsage,
  UsageRecord,
  UsageSummary,
  UsageTotals,
} from "./types.js";
