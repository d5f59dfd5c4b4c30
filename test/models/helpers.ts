import OpenAI from "openai";
import { ChatOpenAI } from "@langchain/openai";
import type { OpenAICompatibleServer } from "../../src/testing/index.js";

/** The real openai client against the loopback server, with a fake key and its own retries off. */
export function openaiClient(server: OpenAICompatibleServer, fetchImpl?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>): OpenAI {
  return new OpenAI({ apiKey: "sk-test-not-a-real-key-000000", baseURL: server.url, maxRetries: 0, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

/** ChatOpenAI against the loopback server (maxRetries 0: it would otherwise retry by itself). */
export function chatOpenAI(server: OpenAICompatibleServer, fields: Record<string, unknown> = {}): ChatOpenAI {
  return new ChatOpenAI({
    model: "gpt-test",
    apiKey: "sk-test-not-a-real-key-000000",
    maxRetries: 0,
    configuration: { baseURL: server.url },
    ...fields,
  });
}

export const answerSchema = {
  type: "object",
  properties: { answer: { type: "string" }, confidence: { type: "number", minimum: 0, maximum: 1 } },
  required: ["answer", "confidence"],
  additionalProperties: false,
};
