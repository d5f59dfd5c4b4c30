// Test kit of tunechain ("tunechain/testing"): scripted models, a loopback OpenAI-compatible server, fixtures.
export { ScriptedLanguageModel, type ScriptedCall, type ScriptedResponder } from "./scripted-language-model.js";
