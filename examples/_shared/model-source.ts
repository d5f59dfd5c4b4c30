import { ChatOpenAI } from "@langchain/openai";
import OpenAI from "openai";
import { fromOpenAI, type Budget, type ManagedLanguageModel, type ModelRole, type UsageLedger } from "../../src/index.js";
import { startOpenAICompatibleServer, type CompletionHandler } from "../../src/testing/index.js";

/**
 * Where an example's models come from. With OPENAI_API_KEY set, a real OpenAI-compatible API (OpenAI, or
 * Ollama / vLLM / llama.cpp / LM Studio through OPENAI_BASE_URL, model from TUNECHAIN_MODEL). Without a key,
 * a loopback server answering from the example's scripted handler: the same client code and the same HTTP
 * calls, but the answers are scripted, and the example says so on screen.
 */
export interface ModelSource {
  readonly live: boolean;
  /** Model name sent to the server. */
  readonly model: string;
  readonly baseURL: string | undefined;
  /** A LangChain chat model for the user's chain (the task model); `fetch` e.g. a fixture recorder. */
  chatModel(fields?: { temperature?: number; fetch?: FetchLike }): ChatOpenAI;
  /** A tunechain LanguageModel for optimizers or judges, over the openai client, booking into `ledger`. */
  languageModel(options?: { role?: ModelRole; ledger?: UsageLedger; budget?: Budget; fetch?: FetchLike }): ManagedLanguageModel;
  close(): Promise<void>;
}

export interface ModelSourceOptions {
  /** Answers the stand-in server gives when there is no key. */
  standIn: CompletionHandler;
  /** One line saying what the stand-in does, printed under the banner. */
  standInDescription: string;
  /** Where to print (default console.log). */
  print?: (line: string) => void;
}

const DEFAULT_MODEL = "gpt-4o-mini";

type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export async function openModelSource(options: ModelSourceOptions): Promise<ModelSource> {
  const print = options.print ?? ((line: string) => console.log(line));
  const apiKey = process.env.OPENAI_API_KEY;
  if (apiKey) {
    const baseURL = process.env.OPENAI_BASE_URL || undefined;
    const model = process.env.TUNECHAIN_MODEL || DEFAULT_MODEL;
    print(`Live model: ${model} at ${baseURL ?? "api.openai.com"} (OPENAI_API_KEY is set; calls cost real tokens).`);
    return makeSource({ live: true, apiKey, baseURL, model, close: async () => {} });
  }
  const server = await startOpenAICompatibleServer({ handler: options.standIn });
  printBox(print, [
    "No OPENAI_API_KEY: the model is a SCRIPTED STAND-IN on a local server,",
    "not a language model. Set OPENAI_API_KEY (and OPENAI_BASE_URL for Ollama,",
    "vLLM, llama.cpp) to run the same code against a real model.",
  ]);
  print(`Stand-in: ${options.standInDescription}`);
  return makeSource({
    live: false,
    // The stand-in checks nothing; the client library only needs a non-empty key.
    apiKey: "stand-in-no-key",
    baseURL: server.url,
    model: "scripted-stand-in",
    close: () => server.close(),
  });
}

function makeSource(settings: {
  live: boolean;
  apiKey: string;
  baseURL: string | undefined;
  model: string;
  close: () => Promise<void>;
}): ModelSource {
  const client = (fetch?: FetchLike) =>
    new OpenAI({ apiKey: settings.apiKey, baseURL: settings.baseURL, maxRetries: 0, ...(fetch ? { fetch } : {}) });
  return {
    live: settings.live,
    model: settings.model,
    baseURL: settings.baseURL,
    chatModel: (fields = {}) =>
      new ChatOpenAI({
        model: settings.model,
        apiKey: settings.apiKey,
        temperature: fields.temperature ?? 0,
        maxRetries: 2,
        configuration: { ...(settings.baseURL ? { baseURL: settings.baseURL } : {}), ...(fields.fetch ? { fetch: fields.fetch } : {}) },
      }),
    languageModel: ({ role = "optimizer", ledger, budget, fetch } = {}) =>
      fromOpenAI(client(fetch), { model: settings.model, role, ...(ledger ? { ledger } : {}), ...(budget ? { budget } : {}) }),
    close: settings.close,
  };
}

/** Prints lines in a box, padded to the longest line. */
function printBox(print: (line: string) => void, lines: readonly string[]): void {
  const width = Math.max(...lines.map((line) => line.length));
  print(`┌${"─".repeat(width + 2)}┐`);
  for (const line of lines) print(`│ ${line.padEnd(width)} │`);
  print(`└${"─".repeat(width + 2)}┘`);
}
