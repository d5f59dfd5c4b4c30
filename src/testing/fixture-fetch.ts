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

const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [API_KEY_PATTERN, "sk-REDACTED"],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g, "Bearer REDACTED"],
];
const SECRET_KEY_NAMES = /^(api[-_]?key|authorization|password|secret|access[-_]?token)$/i;

/** Replaces anything shaped like a key in a string. */
export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
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

async function requestParts(input: string | URL | Request, init: RequestInit | undefined) {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  let bodyText = "";
  if (typeof init?.body === "string") bodyText = init.body;
  else if (init?.body !== undefined && init.body !== null) bodyText = await new Request(url, { method, body: init.body, duplex: "half" } as RequestInit).text();
  else if (input instanceof Request) bodyText = await input.clone().text();
  return { url, method, path: `${url.pathname}${url.search}`, bodyText };
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
    const { url, method, path, bodyText } = await requestParts(input, init);
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

    const response = await network(url, { ...init, method, body: bodyText === "" ? null : bodyText });
    const text = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!DROPPED_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = scrubSecrets(value);
    });
    const contentType = headers["content-type"] ?? "";
    const parsedResponse = contentType.includes("json") ? parseJson(text) : { ok: false as const };
    const stored: RecordedResponse = parsedResponse.ok
      ? { status: response.status, headers, json: scrubValue(parsedResponse.value) }
      : { status: response.status, headers, text: scrubSecrets(text) };
    (recorded[key] ??= [])[slot] = { request: { method, path, body }, response: stored };
    stats.recorded += 1;
    await persist();
    return toResponse(stored);
  };

  return Object.assign(fixtureFetch, { mode, cassette, stats }) as FixtureFetch;
}
