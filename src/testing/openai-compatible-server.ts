import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { STAND_IN_FINGERPRINT } from "../models/usage-ledger.js";
import { SeededRandom } from "../random/seeded-random.js";

/** A chat message as the server received it; array contents are joined into text. */
export interface ReceivedMessage {
  role: string;
  content: string;
  /** The tool calls of an assistant turn, arguments as sent (JSON text). */
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** The call a tool turn answers. */
  toolCallId?: string;
}

/** A function tool offered in a request (`tools`), as sent. */
export interface ReceivedTool {
  name: string;
  description: string | undefined;
  parameters: Record<string, unknown> | undefined;
}

/** What the handler sees of one chat completion request. */
export interface CompletionRequest {
  /** 0-based number of this request on this server. */
  index: number;
  model: string;
  messages: ReceivedMessage[];
  /** `response_format` as sent (json_schema, json_object or undefined). */
  responseFormat: Record<string, unknown> | undefined;
  temperature: number | undefined;
  stream: boolean;
  /** The function tools offered (`tools`), in order; empty when none. */
  tools: ReceivedTool[];
  /** The whole parsed request body. */
  body: Record<string, unknown>;
}

/** A reply the server writes verbatim: use it for a full completion override or a custom error. */
export class RawReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** Builds a RawReply (e.g. `rawReply(200, { id: ..., choices: [...] })` or `rawReply(400, { error: ... })`). */
export function rawReply(status: number, body: unknown, headers: Record<string, string> = {}): RawReply {
  return new RawReply(status, body, headers);
}

/** One tool call a scripted reply makes; `arguments` may be an object (sent as its JSON text). */
export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown> | string;
  /** Default: `call_<request>_<position>`. */
  id?: string;
}

/** An assistant turn that calls tools (streamed as tool-call deltas when the request streams). */
export class ToolCallReply {
  constructor(
    readonly toolCalls: readonly ScriptedToolCall[],
    readonly content: string = "",
  ) {}
}

/** Builds a ToolCallReply: `toolCallReply([{ name: "search", arguments: { query: "…" } }])`. */
export function toolCallReply(toolCalls: readonly ScriptedToolCall[], content = ""): ToolCallReply {
  return new ToolCallReply(toolCalls, content);
}

/**
 * Text answers as is; objects are sent as their JSON text; a ToolCallReply makes tool calls; a RawReply
 * replaces the whole response.
 */
export type CompletionReply = string | object | ToolCallReply | RawReply;

interface WireToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** Answers one request. A handler that throws makes the server answer 500 with the error's message. */
export type CompletionHandler = (
  request: CompletionRequest,
  context: { signal: AbortSignal },
) => CompletionReply | Promise<CompletionReply>;

export type FaultKind = "rate-limit" | "server-error" | "hang" | "malformed-json" | "cut-stream";

export interface Fault {
  kind: FaultKind;
  /** For "rate-limit": the Retry-After header in seconds (default 1). */
  retryAfterSeconds?: number;
}

export interface FaultPlan {
  /**
   * Faults by request number (0-based): `script[3] = "rate-limit"` fails the fourth request. "cut-stream"
   * drops the connection mid-answer (half the SSE chunks, or part of a JSON body when not streaming).
   */
  script?: ReadonlyArray<Fault | FaultKind | null | undefined>;
  /** Faults at random: each request fails with probability `rate`, kind drawn from `kinds` (seeded). */
  random?: { rate: number; kinds: ReadonlyArray<Fault | FaultKind>; seed?: number };
}

export interface ServerOptions {
  handler: CompletionHandler;
  /** Delay before each answer, in ms (the request counts as in flight meanwhile). */
  latencyMs?: number;
  faults?: FaultPlan;
}

/** One request in the server's log. Times are `performance.now()` of the server process, in ms. */
export interface RequestLogEntry {
  index: number;
  method: string;
  path: string;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  receivedAt: number;
  finishedAt: number | undefined;
  /** HTTP status sent; undefined while in flight or when the client went away first. */
  status: number | undefined;
  fault: FaultKind | undefined;
  /** The connection closed before the answer was complete: the client aborted or timed out, or a "cut-stream" fault. */
  aborted: boolean;
}

export interface OpenAICompatibleServer {
  /** Base URL for the openai client / ChatOpenAI (ends in /v1). */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: readonly RequestLogEntry[];
  /** Requests being handled right now. */
  readonly inFlight: number;
  /** Highest `inFlight` seen since start (or the last `resetStats`). */
  readonly maxInFlight: number;
  /** Requests whose connection closed before the answer was complete (see RequestLogEntry.aborted). */
  readonly aborted: number;
  /** Clears the log and counters (not the fault script position). */
  resetStats(): void;
  close(): Promise<void>;
}

function normalizeFault(fault: Fault | FaultKind | null | undefined): Fault | undefined {
  if (!fault) return undefined;
  return typeof fault === "string" ? { kind: fault } : fault;
}

function receivedMessage(message: Record<string, unknown>): ReceivedMessage {
  const received: ReceivedMessage = { role: String(message.role), content: contentText(message.content) };
  if (Array.isArray(message.tool_calls)) {
    received.toolCalls = (message.tool_calls as { id?: unknown; function?: { name?: unknown; arguments?: unknown } }[]).map((call) => ({
      id: String(call.id ?? ""),
      name: String(call.function?.name ?? ""),
      arguments: typeof call.function?.arguments === "string" ? call.function.arguments : JSON.stringify(call.function?.arguments ?? {}),
    }));
  }
  if (typeof message.tool_call_id === "string") received.toolCallId = message.tool_call_id;
  return received;
}

function receivedTools(tools: unknown): ReceivedTool[] {
  if (!Array.isArray(tools)) return [];
  return tools
    .map((tool: { type?: unknown; function?: Record<string, unknown> }) => tool?.function)
    .filter((fn): fn is Record<string, unknown> => typeof fn === "object" && fn !== null)
    .map((fn) => ({
      name: String(fn.name ?? ""),
      description: typeof fn.description === "string" ? fn.description : undefined,
      parameters: typeof fn.parameters === "object" && fn.parameters !== null ? (fn.parameters as Record<string, unknown>) : undefined,
    }));
}

function wireToolCalls(reply: ToolCallReply, index: number): WireToolCall[] {
  return reply.toolCalls.map((call, i) => ({
    id: call.id ?? `call_${index}_${i}`,
    type: "function",
    function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
  }));
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === "object" && part !== null && typeof part.text === "string" ? part.text : ""))
      .join("");
  }
  return content === null || content === undefined ? "" : JSON.stringify(content);
}

/** Deterministic token estimate (about four characters a token), so tests can assert exact usage. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function waitOrClose(ms: number, closed: AbortSignal): Promise<void> {
  if (ms <= 0 || closed.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      closed.removeEventListener("abort", done);
      resolve();
    }
    closed.addEventListener("abort", done, { once: true });
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(text);
}

function errorBody(message: string, type: string) {
  return { error: { message, type, param: null, code: null } };
}

/**
 * Starts a loopback OpenAI-compatible server (`POST /v1/chat/completions`, JSON and SSE streaming, usage)
 * whose answers come from `handler`, with latency and scripted or random faults. For tests: the real
 * openai client and ChatOpenAI talk to it over HTTP, and its log shows what really went over the wire.
 * Its completions carry `system_fingerprint: "tunechain-stand-in"` (RawReply bodies excepted), so the usage
 * ledger, and the report after it, can say a stand-in served the run.
 */
export async function startOpenAICompatibleServer(options: ServerOptions): Promise<OpenAICompatibleServer> {
  const { handler, latencyMs = 0, faults = {} } = options;
  const random = faults.random ? SeededRandom.fromSeed(faults.random.seed ?? 0) : undefined;
  let log: RequestLogEntry[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let counter = 0;

  const faultFor = (index: number): Fault | undefined => {
    const scripted = normalizeFault(faults.script?.[index]);
    if (scripted) return scripted;
    if (random && faults.random && faults.random.kinds.length > 0 && random.next() < faults.random.rate) {
      return normalizeFault(random.pick(faults.random.kinds));
    }
    return undefined;
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const index = counter++;
    const entry: RequestLogEntry = {
      index,
      method: request.method ?? "GET",
      path: new URL(request.url ?? "/", "http://localhost").pathname,
      body: undefined,
      receivedAt: performance.now(),
      finishedAt: undefined,
      status: undefined,
      fault: undefined,
      aborted: false,
    };
    log.push(entry);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const closed = new AbortController();
    response.on("close", () => {
      if (!response.writableFinished) entry.aborted = true;
      entry.finishedAt = performance.now();
      inFlight -= 1;
      closed.abort();
    });
    try {
      const text = await readBody(request);
      try {
        entry.body = text === "" ? undefined : JSON.parse(text);
      } catch {
        entry.body = text;
      }
      if (entry.path !== "/v1/chat/completions" || entry.method !== "POST") {
        entry.status = 404;
        sendJson(response, 404, errorBody(`No route ${entry.method} ${entry.path}; this test server serves POST /v1/chat/completions.`, "invalid_request_error"));
        return;
      }
      if (typeof entry.body !== "object" || entry.body === null || !Array.isArray((entry.body as { messages?: unknown }).messages)) {
        entry.status = 400;
        sendJson(response, 400, errorBody("The body must be JSON with a messages array.", "invalid_request_error"));
        return;
      }
      const body = entry.body as Record<string, unknown>;
      const fault = faultFor(index);
      entry.fault = fault?.kind;
      await waitOrClose(latencyMs, closed.signal);
      if (closed.signal.aborted) return;
      if (fault && (await applyFault(fault, response, closed.signal, entry))) return;
      const completionRequest: CompletionRequest = {
        index,
        model: typeof body.model === "string" ? body.model : "",
        messages: (body.messages as Array<Record<string, unknown>>).map(receivedMessage),
        responseFormat: body.response_format as Record<string, unknown> | undefined,
        temperature: typeof body.temperature === "number" ? body.temperature : undefined,
        stream: body.stream === true,
        tools: receivedTools(body.tools),
        body,
      };
      const reply = await handler(completionRequest, { signal: closed.signal });
      if (closed.signal.aborted) return;
      if (reply instanceof RawReply) {
        entry.status = reply.status;
        sendJson(response, reply.status, reply.body, reply.headers);
        return;
      }
      const toolCalls = reply instanceof ToolCallReply ? wireToolCalls(reply, index) : undefined;
      const content = reply instanceof ToolCallReply ? reply.content : typeof reply === "string" ? reply : JSON.stringify(reply);
      const usage = {
        prompt_tokens: completionRequest.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0),
        completion_tokens: estimateTokens(content + (toolCalls ? JSON.stringify(toolCalls) : "")),
        total_tokens: 0,
      };
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      entry.status = 200;
      if (completionRequest.stream) {
        const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
        writeStream(response, completionRequest, index, content, includeUsage ? usage : undefined, fault?.kind === "cut-stream", toolCalls);
      } else if (fault?.kind === "cut-stream") {
        // Not streaming: send the headers and part of the body, then drop the connection.
        response.writeHead(200, { "content-type": "application/json", "content-length": "4096" });
        response.write('{"id":"chatcmpl-cut","choices":[', () => response.destroy());
      } else {
        sendJson(response, 200, {
          id: `chatcmpl-test-${index}`,
          object: "chat.completion",
          created: 1_700_000_000,
          model: completionRequest.model,
          // Marks the answer as a stand-in's, so usage booked from it says so (see STAND_IN_FINGERPRINT).
          system_fingerprint: STAND_IN_FINGERPRINT,
          choices: [
            {
              index: 0,
              message: toolCalls
                ? { role: "assistant", content: content === "" ? null : content, refusal: null, tool_calls: toolCalls }
                : { role: "assistant", content, refusal: null },
              finish_reason: toolCalls ? "tool_calls" : "stop",
              logprobs: null,
            },
          ],
          usage,
        });
      }
    } catch (error) {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      entry.status = 500;
      sendJson(response, 500, errorBody(`Test handler failed: ${(error as Error).message}`, "server_error"));
    }
  }

  /** Writes the fault; true when the request is finished (a cut stream still needs the answer text). */
  async function applyFault(fault: Fault, response: ServerResponse, closed: AbortSignal, entry: RequestLogEntry) {
    switch (fault.kind) {
      case "rate-limit":
        entry.status = 429;
        sendJson(response, 429, errorBody("Rate limit reached (injected by the test server).", "rate_limit_error"), {
          "retry-after": String(fault.retryAfterSeconds ?? 1),
        });
        return true;
      case "server-error":
        entry.status = 500;
        sendJson(response, 500, errorBody("Internal error (injected by the test server).", "server_error"));
        return true;
      case "hang":
        // Never answer; the client's timeout or abort closes the connection.
        await new Promise<void>((resolve) => closed.addEventListener("abort", () => resolve(), { once: true }));
        return true;
      case "malformed-json":
        entry.status = 200;
        response.writeHead(200, { "content-type": "application/json" });
        response.end('{"id":"chatcmpl-broken","object":"chat.completion","choices":[{"index":0,"message":');
        return true;
      case "cut-stream":
        return false;
    }
  }

  function writeStream(
    response: ServerResponse,
    request: CompletionRequest,
    index: number,
    content: string,
    usage: Record<string, number> | undefined,
    cut: boolean,
    toolCalls?: readonly WireToolCall[],
  ) {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const base = {
      id: `chatcmpl-test-${index}`,
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: request.model,
      system_fingerprint: STAND_IN_FINGERPRINT,
    };
    const send = (chunk: object) => response.write(`data: ${JSON.stringify({ ...base, ...chunk })}\n\n`);
    send({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }] });
    const pieces = content.match(/[\s\S]{1,16}/g) ?? [];
    // A cut stream sends the first half of the answer, then drops the socket once that half is flushed.
    const sent = cut ? pieces.slice(0, Math.max(1, Math.floor(pieces.length / 2))) : pieces;
    for (const piece of sent) {
      send({ choices: [{ index: 0, delta: { content: piece }, finish_reason: null, logprobs: null }] });
    }
    if (cut) {
      response.write("", () => response.destroy());
      return;
    }
    // Tool calls: the id and name first, then the arguments in pieces, as OpenAI streams them.
    (toolCalls ?? []).forEach((call, i) => {
      const opening = { index: i, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } };
      send({ choices: [{ index: 0, delta: { tool_calls: [opening] }, finish_reason: null, logprobs: null }] });
      for (const piece of call.function.arguments.match(/[\s\S]{1,16}/g) ?? []) {
        send({ choices: [{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: piece } }] }, finish_reason: null, logprobs: null }] });
      }
    });
    send({ choices: [{ index: 0, delta: {}, finish_reason: toolCalls ? "tool_calls" : "stop", logprobs: null }] });
    if (usage) send({ choices: [], usage });
    response.end("data: [DONE]\n\n");
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return log;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get aborted() {
      return log.filter((entry) => entry.aborted).length;
    },
    resetStats() {
      log = [];
      maxInFlight = inFlight;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
