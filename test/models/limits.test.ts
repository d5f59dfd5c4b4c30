import { afterEach, describe, expect, it, vi } from "vitest";
import {
  fromChatModel,
  fromOpenAI,
  ModelOptionsError,
  ModelRequestError,
  ModelTimeoutError,
  type LanguageModelOptions,
  type ManagedLanguageModel,
} from "../../src/models/index.js";
import { UnknownArgumentError } from "../../src/errors.js";
import { rawReply, startOpenAICompatibleServer, type OpenAICompatibleServer, type ServerOptions } from "../../src/testing/index.js";
import { chatOpenAI, openaiClient } from "./helpers.js";

let server: OpenAICompatibleServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(options: Partial<ServerOptions> = {}) {
  server = await startOpenAICompatibleServer({ handler: () => "ok", ...options });
  return server;
}

const hello = [{ role: "user" as const, content: "hello" }];
type Factory = (s: OpenAICompatibleServer, options?: LanguageModelOptions) => ManagedLanguageModel;
const adapters: Array<[string, Factory]> = [
  ["fromOpenAI", (s, options = {}) => fromOpenAI(openaiClient(s), { model: "gpt-test", ...options })],
  ["fromChatModel(ChatOpenAI)", (s, options = {}) => fromChatModel(chatOpenAI(s), options)],
];

describe.each(adapters)("limits of %s", (_name, makeModel) => {
  it("retries after 429 no sooner than Retry-After says (server log)", async () => {
    const s = await serve({ faults: { script: [{ kind: "rate-limit", retryAfterSeconds: 1 }] } });
    const result = await makeModel(s, { retryDelayMs: 5 }).generateText(hello);
    expect(result.text).toBe("ok");
    expect(s.requests.map((r) => r.status)).toEqual([429, 200]);
    const [first, second] = s.requests;
    // The backoff alone would be 5-10 ms; the second request arrives only after the server's 1 s.
    expect(second!.receivedAt - first!.finishedAt!).toBeGreaterThanOrEqual(990);
  });

  it("does not retry a 400 and says why", async () => {
    const s = await serve({ handler: () => rawReply(400, { error: { message: "bad model name", type: "invalid_request_error" } }) });
    const error = await makeModel(s, { retryDelayMs: 5 }).generateText(hello).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRequestError);
    expect((error as ModelRequestError).status).toBe(400);
    expect((error as Error).message).toMatch(/refused the request with HTTP 400: .*Not retried/);
    expect(s.requests).toHaveLength(1);
  });

  it("retries 500 and malformed bodies, then gives up with a ModelRequestError", async () => {
    const s = await serve({ faults: { script: ["server-error", "malformed-json"] } });
    expect((await makeModel(s, { retryDelayMs: 5 }).generateText(hello)).text).toBe("ok");
    expect(s.requests.map((r) => r.fault ?? "none")).toEqual(["server-error", "malformed-json", "none"]);

    const failing = await serve({ faults: { script: ["server-error", "server-error", "server-error"] } });
    const error = await makeModel(failing, { retryDelayMs: 5, maxRetries: 2 }).generateText(hello).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRequestError);
    expect((error as Error).message).toMatch(/failed after 3 attempt\(s\) \(last answer HTTP 500\).*raise maxRetries/);
    expect(failing.requests).toHaveLength(3);
    await s.close();
  });

  it("an abort during a Retry-After wait ends the call without another request", async () => {
    const s = await serve({ faults: { script: [{ kind: "rate-limit", retryAfterSeconds: 30 }] } });
    const controller = new AbortController();
    const call = makeModel(s, { retryDelayMs: 5 }).generateText(hello, { signal: controller.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(s.requests[0]?.status).toBe(429));
    controller.abort();
    // Loose bound (the server asked for 30 s): the call must settle long before that.
    const settled = await Promise.race([call, new Promise((resolve) => setTimeout(() => resolve("still waiting"), 5_000))]);
    expect((settled as Error).name).toBe("AbortError");
    expect(s.requests).toHaveLength(1);
  });

  it("retries a connection dropped mid-answer (a network error)", async () => {
    const s = await serve({ faults: { script: ["cut-stream"] } });
    expect((await makeModel(s, { retryDelayMs: 5 }).generateText(hello)).text).toBe("ok");
    expect(s.requests).toHaveLength(2);
    expect(s.requests[0]?.aborted).toBe(true);
  });

  it("times out a hanging request, retries, and the server sees each request closed", async () => {
    const s = await serve({ faults: { script: ["hang", "hang"] } });
    const error = await makeModel(s, { timeoutMs: 150, maxRetries: 1, retryDelayMs: 5 }).generateText(hello).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect((error as Error).message).toContain("timeoutMs=150 ms (2 attempt(s)). Raise the timeoutMs option");
    await vi.waitFor(() => expect(s.aborted).toBe(2));
  });

  it("keeps in-flight requests at the concurrency limit (server's own count)", async () => {
    const s = await serve({ latencyMs: 30 });
    const model = makeModel(s, { concurrency: 3 });
    await Promise.all(Array.from({ length: 15 }, () => model.generateText(hello)));
    expect(s.requests).toHaveLength(15);
    expect(s.maxInFlight).toBe(3);
  });

  it("an aborted signal closes the in-flight HTTP request", async () => {
    const s = await serve({ faults: { script: ["hang"] } });
    const controller = new AbortController();
    const call = makeModel(s).generateText(hello, { signal: controller.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(s.inFlight).toBe(1));
    controller.abort();
    const error = await call;
    expect((error as Error).name).toBe("AbortError");
    await vi.waitFor(() => expect(s.aborted).toBe(1));
    expect(s.requests).toHaveLength(1); // not retried
  });
});

describe("option checks", () => {
  it("rejects unknown and out-of-range options with messages that say what to pass", async () => {
    const s = await serve();
    const client = openaiClient(s);
    expect(() => fromOpenAI(client, { model: "m", concurency: 2 } as LanguageModelOptions & { model: string })).toThrow(
      UnknownArgumentError,
    );
    expect(() => fromOpenAI(client, { model: "m", concurrency: 0 })).toThrow(
      new ModelOptionsError("fromOpenAI: concurrency must be an integer >= 1, got 0."),
    );
    expect(() => fromOpenAI(client, { model: "m", timeoutMs: -1 })).toThrow(/timeoutMs must be a positive number/);
    expect(() => fromOpenAI(client, { model: "" })).toThrow(/options.model is required/);
    expect(() => fromOpenAI(client, { model: "m", budget: { maxCalls: -1 } })).toThrow(
      /budget.maxCalls must be a non-negative finite number, got -1/,
    );
    expect(() => fromChatModel({} as never)).toThrow(/must be a LangChain chat model/);
    expect(() => fromOpenAI(client, { model: "m", temperature: 3 })).toThrow(
      new ModelOptionsError("fromOpenAI: temperature must be between 0 and 2, got 3."),
    );
    expect(() => fromOpenAI(client, { model: "m", structuredOutput: "xml" as never })).toThrow(
      /structuredOutput must be one of auto, jsonSchema, jsonMode, prompted, got "xml"/,
    );
  });

  it("refuses to force strict json_schema on a schema that cannot be strict, naming the alternatives", async () => {
    const s = await serve();
    const model = fromOpenAI(openaiClient(s), { model: "m", structuredOutput: "jsonSchema" });
    await expect(
      model.generateStructured(hello, { schema: { type: "object", additionalProperties: { type: "number" } }, name: "scores" }),
    ).rejects.toThrow(/schema 'scores' cannot\. Use structuredOutput "auto" or "jsonMode"\./);
    expect(s.requests).toHaveLength(0);
  });
});
