import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import stringify from "safe-stable-stringify";
import { API_KEY_PATTERN } from "../files/api-key-pattern.js";
import { replaceFileAtomically } from "../files/replace-file-atomically.js";
import { FixtureConfigError, FixtureMissError } from "./errors.js";

/**
 * - "record": every request goes to the network and the cassette is rewritten with this run's requests;
 * - "replay": answers come only from the cassette; a request it lacks throws FixtureMissError;
 * - "auto": replays what the cassette has and records what it lacks.
 */
export type FixtureMode = "record" | "replay" | "auto";

export const FIXTURE_MODE_ENV = "TUNECHAIN_FIXTURES";
const MODES: readonly FixtureMode[] = ["record", "replay", "auto"];

export interface FixtureFetchOptions {
  /** Path of the JSON cassette file. */
  cassette: string;
  /**
   * Default: $TUNECHAIN_FIXTURES when set; else "replay" on CI ($CI set) or when the cassette exists, and
   * "auto" when it does not (the first local run records it).
   */
  mode?: FixtureMode;
  /** The fetch used to reach the network in record/auto mode. Default: global fetch. */
  fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

/** A `fetch` for `new OpenAI({ fetch })` or `new ChatOpenAI({ configuration: { fetch } })`. */
export interface FixtureFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  readonly mode: FixtureMode;
  readonly cassette: string;
  /** How many responses came from the cassette and from the network in this run. */
  readonly stats: { replayed: number; recorded: number };
}

interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the body was JSON (readable diffs), else the raw text (SSE streams, broken bodies). */
  json?: unknown;
  text?: string;
}

interface Interaction {
  request: RecordedRequest;
  response: RecordedResponse;
}

interface CassetteFile {
  version: 1;
  interactions: Record<string, Interaction[]>;
}

// Headers that carry credentials or describe the transfer rather than the answer (fetch already decoded it).
const DROPPED_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "api-key",
  "x-api-key",
  "cookie",
  "set-cookie",
  "openai-organization",
  "openai-project",
  "date",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
]);

// Any other header whose name says it carries a credential (x-goog-api-key, x-auth-token, x-session-id…).
const SECRET_HEADER_NAMES = /(^|-)(api-?key|key|token|secret|password|auth|authorization|cookie|session)(-|$)/i;

const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [API_KEY_PATTERN, "sk-REDACTED"],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g, "Bearer REDACTED"],
];
const SECRET_KEY_NAMES = /^(api[-_]?key|authorization|password|secret|access[-_]?token)$/i;
// Query parameters that carry credentials whatever their value looks like (Azure's ?api-key=, Google's ?key=).
const SECRET_PARAM_NAMES = /^(api[-_]?key|key|(access|auth|id|refresh)?[-_]?token|authorization|password|(client[-_]?)?secret|sig|signature)$/i;

/** Replaces anything shaped like a key in a string. */
export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/**
 * The request's path and query as the cassette stores and matches it: credentials in the query replaced
 * (by parameter name, or by shape), the original text kept when nothing had to change.
 */
function scrubbedPath(url: URL): string {
  const pathname = scrubSecrets(url.pathname);
  if (url.search === "") return pathname;
  const params = new URLSearchParams(url.search);
  const clean = new URLSearchParams();
  let changed = false;
  for (const [name, value] of params) {
    const scrubbed = SECRET_PARAM_NAMES.test(name) && value !== "" ? "REDACTED" : scrubSecrets(value);
    changed ||= scrubbed !== value;
    clean.append(name, scrubbed);
  }
  return `${pathname}${changed ? `?${clean.toString()}` : url.search}`;
}

/** Where a key matched in `text`: [start, end, replacement], sorted, overlaps dropped. */
function secretRanges(text: string): Array<[number, number, string]> {
  const ranges: Array<[number, number, string]> = [];
  for (const [pattern, replacement] of SECRET_PATTERNS) {
    for (const match of text.matchAll(new RegExp(pattern.source, pattern.flags))) {
      ranges.push([match.index, match.index + match[0].length, replacement]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  return ranges.filter((range, i) => i === 0 || range[0] >= ranges[i - 1]![1]);
}

/**
 * Scrubs pieces of one text as a whole: a key split across pieces is found in their concatenation, and
 * its replacement goes into the piece where the key began (the other pieces lose their part of it).
 * Returns undefined when nothing had to change.
 */
function scrubPieces(pieces: readonly string[]): string[] | undefined {
  const ranges = secretRanges(pieces.join(""));
  if (ranges.length === 0) return undefined;
  let offset = 0;
  return pieces.map((piece) => {
    let out = "";
    for (let i = 0; i < piece.length; i++) {
      const at = offset + i;
      const range = ranges.find(([start, end]) => at >= start && at < end);
      if (!range) out += piece[i];
      else if (range[0] === at) out += range[2];
    }
    offset += piece.length;
    return out;
  });
}

/**
 * A server-sent event stream, scrubbed as a whole: streamed answers arrive a few characters per event, so a
 * key can straddle events and escape a pattern applied to each. The string fields of the JSON events are
 * joined per field (choices and tool calls told apart by their `index`), scrubbed, and written back; events
 * with nothing to scrub keep their exact text.
 */
function scrubEventStream(text: string): string {
  const lines = text.split("\n");
  const events = new Map<number, unknown>();
  const fields = new Map<string, Array<{ holder: Record<string, unknown> | unknown[]; key: string | number; line: number }>>();
  const changed = new Set<number>();
  const walk = (value: unknown, path: string, line: number, holder: Record<string, unknown> | unknown[], key: string | number) => {
    if (typeof value === "string") {
      if (typeof key === "string" && SECRET_KEY_NAMES.test(key)) {
        holder[key as never] = "REDACTED" as never;
        changed.add(line);
      } else {
        (fields.get(path) ?? fields.set(path, []).get(path)!).push({ holder, key, line });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        const index = (item as { index?: unknown } | null)?.index;
        walk(item, `${path}[${typeof index === "number" ? `#${index}` : i}]`, line, value, i);
      });
    } else if (typeof value === "object" && value !== null) {
      for (const [name, item] of Object.entries(value)) walk(item, `${path}.${name}`, line, value as Record<string, unknown>, name);
    }
  };
  lines.forEach((line, i) => {
    const data = /^data: ?(.*?)\r?$/.exec(line)?.[1];
    const parsed = data === undefined ? { ok: false as const } : parseJson(data);
    if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null) {
      lines[i] = scrubSecrets(line);
      return;
    }
    events.set(i, parsed.value);
    walk(parsed.value, "", i, [parsed.value], 0);
  });
  for (const slots of fields.values()) {
    const scrubbed = scrubPieces(slots.map(({ holder, key }) => (holder as Record<string | number, string>)[key]!));
    if (!scrubbed) continue;
    slots.forEach(({ holder, key, line }, i) => {
      if ((holder as Record<string | number, string>)[key] === scrubbed[i]) return;
      (holder as Record<string | number, string>)[key] = scrubbed[i]!;
      changed.add(line);
    });
  }
  for (const line of changed) {
    const carriageReturn = lines[line]!.endsWith("\r") ? "\r" : "";
    lines[line] = `data: ${JSON.stringify(events.get(line))}${carriageReturn}`;
  }
  return lines.join("\n");
}

function scrubValue(value: unknown): unknown {
  if (typeof value === "string") return scrubSecrets(value);
  if (Array.isArray(value)) return value.map(scrubValue);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEY_NAMES.test(key) && typeof item === "string" ? "REDACTED" : scrubValue(item);
    }
    return out;
  }
  return value;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function resolveMode(options: FixtureFetchOptions): FixtureMode {
  const fromEnv = process.env[FIXTURE_MODE_ENV]?.trim();
  const chosen = options.mode ?? (fromEnv ? fromEnv : undefined);
  if (chosen !== undefined) {
    if (!MODES.includes(chosen as FixtureMode)) {
      const source = options.mode !== undefined ? "mode option" : `${FIXTURE_MODE_ENV}`;
      throw new FixtureConfigError(
        `Unknown fixture ${source} ${JSON.stringify(chosen)}: use "record", "replay" or "auto".`,
      );
    }
    return chosen as FixtureMode;
  }
  if (process.env.CI) return "replay";
  return existsSync(options.cassette) ? "replay" : "auto";
}

type FetchArguments = [input: string | URL | Request, init: RequestInit | undefined];

/**
 * What the cassette needs of a request, and the arguments that send the very same request to the network:
 * the caller's own, unless reading the body used it up (a stream), then with the bytes that were read.
 */
async function requestParts(input: string | URL | Request, init: RequestInit | undefined) {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  let bodyText = "";
  let forward: FetchArguments = [input, init];
  const body = init?.body;
  if (typeof body === "string") bodyText = body;
  else if (body !== undefined && body !== null) {
    const bytes = new Uint8Array(await new Request(url, { method, body, duplex: "half" } as RequestInit).arrayBuffer());
    bodyText = new TextDecoder().decode(bytes);
    const readOnce = body instanceof ReadableStream || typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
    if (readOnce) forward = [input, { ...init, body: bytes }];
  } else if (input instanceof Request) bodyText = await input.clone().text();
  return { url, method, path: scrubbedPath(url), bodyText, forward };
}

function summarize(method: string, path: string, body: unknown): string {
  const parts = [`${method} ${path}`];
  if (typeof body === "object" && body !== null) {
    const { model, messages } = body as { model?: unknown; messages?: unknown };
    if (typeof model === "string") parts.push(`model "${model}"`);
    if (Array.isArray(messages) && messages.length > 0) {
      const first = messages[0] as { role?: unknown; content?: unknown };
      const content = typeof first.content === "string" ? first.content : JSON.stringify(first.content);
      const short = content.length > 80 ? `${content.slice(0, 80)}…` : content;
      parts.push(`first message [${String(first.role)}] ${JSON.stringify(short)}`);
    }
  }
  return parts.join(", ");
}

/** The cassette's copy of a response: credentials dropped, keys scrubbed, JSON parsed for readable diffs. */
function storedResponse(response: Response, bytes: Uint8Array): RecordedResponse {
  const text = new TextDecoder().decode(bytes);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (!DROPPED_HEADERS.has(lower) && !SECRET_HEADER_NAMES.test(lower)) headers[lower] = scrubSecrets(value);
  });
  const contentType = headers["content-type"] ?? "";
  const parsed = contentType.includes("json") ? parseJson(text) : { ok: false as const };
  if (parsed.ok) return { status: response.status, headers, json: scrubValue(parsed.value) };
  const scrubbed = contentType.includes("text/event-stream") ? scrubEventStream(text) : scrubSecrets(text);
  return { status: response.status, headers, text: scrubbed };
}

// The OpenAI stream's last event. Clients stop reading there and cancel the body, without waiting for its end.
const STREAM_END_SENTINEL = /(^|\n)data: ?\[DONE\]\s*$/;

/**
 * Hands `response` on unchanged (status, headers, every body chunk as it arrives) while keeping a copy of
 * the body; `record` runs with the whole body when the network has sent it, before the caller's last read
 * returns, so a call that returned has its cassette entry on disk. An event stream is recorded before the
 * chunk that carries its `[DONE]` event reaches the caller (clients cancel the body there), and again should
 * more follow. A body that fails (a cut stream) fails the caller the same way and is not recorded; one the
 * caller cancels before its end is cancelled upstream and not recorded either.
 */
function teeIntoCassette(response: Response, record: (bytes: Uint8Array) => Promise<void>): Promise<Response> | Response {
  const source = response.body;
  if (source === null) return record(new Uint8Array()).then(() => response);
  const reader = source.getReader();
  const eventStream = (response.headers.get("content-type") ?? "").includes("text/event-stream");
  const decoder = new TextDecoder();
  const chunks: Uint8Array[] = [];
  let recordedChunks = -1;
  let tail = "";
  const recordSoFar = async () => {
    if (recordedChunks === chunks.length) return;
    recordedChunks = chunks.length;
    await record(Buffer.concat(chunks));
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        await recordSoFar();
        controller.close();
        return;
      }
      chunks.push(value.slice());
      if (eventStream) {
        tail = (tail + decoder.decode(value, { stream: true })).slice(-256);
        if (STREAM_END_SENTINEL.test(tail)) await recordSoFar();
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const passed = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  // Response objects built here have no URL of their own; the caller's (and the openai client's logs) expect it.
  Object.defineProperties(passed, {
    url: { value: response.url },
    redirected: { value: response.redirected },
    type: { value: response.type },
  });
  return passed;
}

function toResponse(recorded: RecordedResponse): Response {
  const body = recorded.text ?? (recorded.json === undefined ? "" : JSON.stringify(recorded.json));
  const empty = recorded.status === 204 || recorded.status === 304;
  return new Response(empty ? null : body, { status: recorded.status, headers: recorded.headers });
}

/**
 * A fetch that records HTTP exchanges into a JSON cassette and replays them, so tests and CI runs of code
 * that calls a model are reproducible offline. Requests are matched by method, path and canonical JSON body;
 * identical requests repeated in a run replay in their recorded order. Credentials are never written.
 */
export function createFixtureFetch(options: FixtureFetchOptions): FixtureFetch {
  if (typeof options?.cassette !== "string" || options.cassette === "") {
    throw new FixtureConfigError('createFixtureFetch needs a cassette path, e.g. { cassette: "test/fixtures/run.json" }.');
  }
  const mode = resolveMode(options);
  const cassette = options.cassette;
  const network = options.fetch ?? globalThis.fetch;
  const stats = { replayed: 0, recorded: 0 };
  const cursors = new Map<string, number>();
  // What this run will write: record mode starts empty; auto extends what was loaded.
  let recorded: Record<string, Interaction[]> = {};
  let loaded: Promise<Record<string, Interaction[]> | undefined> | undefined;

  const load = () =>
    (loaded ??= (async () => {
      if (mode === "record") return undefined;
      let text: string;
      try {
        text = await readFile(cassette, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
      const parsed = parseJson(text);
      const file = parsed.ok ? (parsed.value as CassetteFile) : undefined;
      if (!file || file.version !== 1 || typeof file.interactions !== "object" || file.interactions === null) {
        throw new FixtureConfigError(
          `Cassette ${cassette} is not a tunechain cassette (version 1 JSON). Delete it and re-record with ${FIXTURE_MODE_ENV}=record.`,
        );
      }
      if (mode === "auto") recorded = structuredClone(file.interactions);
      return file.interactions;
    })());

  // One write at a time, each temp file + rename. Entries recorded while a write runs share the next write
  // (its snapshot is taken when it starts), so concurrent recording costs at most one extra write, not one each.
  let running: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  const writeSnapshot = async (): Promise<void> => {
    const snapshot: CassetteFile = { version: 1, interactions: {} };
    for (const [key, list] of Object.entries(recorded)) {
      const dense = list.filter((item): item is Interaction => item !== undefined && item !== null);
      if (dense.length > 0) snapshot.interactions[key] = dense;
    }
    const text = `${stringify(snapshot, null, 2)}\n`;
    // Already scrubbed field by field above; a second redaction pass would rewrite the scrub markers.
    await replaceFileAtomically(cassette, text);
  };
  /** Resolves once a write that includes everything recorded so far has finished. */
  const persist = (): Promise<void> => {
    if (queued) return queued;
    const next = running.then(() => {
      queued = undefined;
      return writeSnapshot();
    });
    queued = next;
    running = next.catch(() => undefined);
    return next;
  };

  const fixtureFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    signal?.throwIfAborted();
    const { method, path, bodyText, forward } = await requestParts(input, init);
    const parsedBody = parseJson(bodyText);
    const body = parsedBody.ok ? scrubValue(parsedBody.value) : scrubSecrets(bodyText);
    const canonical = parsedBody.ok ? (stringify(body) ?? "") : String(body);
    const key = createHash("sha256").update(`${method} ${path}\n${canonical}`).digest("hex").slice(0, 32);
    const slot = cursors.get(key) ?? 0;
    cursors.set(key, slot + 1);

    const existing = await load();
    const replayable = mode === "record" ? undefined : existing?.[key]?.[slot];
    if (replayable) {
      stats.replayed += 1;
      return toResponse(replayable.response);
    }
    if (mode === "replay") {
      const count = existing?.[key]?.length ?? 0;
      const reason = !existing
        ? "the cassette file does not exist"
        : count === 0
          ? "nothing like it was recorded"
          : `it was recorded ${count} time(s) and this is occurrence ${slot + 1}`;
      throw new FixtureMissError(cassette, summarize(method, path, body), reason);
    }

    // The caller gets the network's own response; the cassette gets a scrubbed copy once the body is complete.
    const response = await network(...forward);
    let counted = false;
    const record = async (bytes: Uint8Array): Promise<void> => {
      (recorded[key] ??= [])[slot] = { request: { method, path, body }, response: storedResponse(response, bytes) };
      if (!counted) stats.recorded += 1;
      counted = true;
      await persist();
    };
    return teeIntoCassette(response, record);
  };

  return Object.assign(fixtureFetch, { mode, cassette, stats }) as FixtureFetch;
}
