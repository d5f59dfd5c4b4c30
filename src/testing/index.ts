// Test kit of tunechain ("tunechain/testing"): scripted models, a loopback OpenAI-compatible server, fixtures.
export { ScriptedLanguageModel, type ScriptedCall, type ScriptedResponder } from "./scripted-language-model.js";
export {
  estimateTokens,
  rawReply,
  RawReply,
  startOpenAICompatibleServer,
  toolCallReply,
  ToolCallReply,
  type CompletionHandler,
  type CompletionReply,
  type CompletionRequest,
  type Fault,
  type FaultKind,
  type FaultPlan,
  type OpenAICompatibleServer,
  type ReceivedMessage,
  type ReceivedTool,
  type RequestLogEntry,
  type ScriptedToolCall,
  type ServerOptions,
} from "./openai-compatible-server.js";
export {
  createFixtureFetch,
  FIXTURE_MODE_ENV,
  scrubSecrets,
  type FixtureFetch,
  type FixtureFetchOptions,
  type FixtureMode,
} from "./fixture-fetch.js";
export { FixtureConfigError, FixtureMissError } from "./errors.js";
