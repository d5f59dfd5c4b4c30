import { readFile } from "node:fs/promises";
import type { RunRecord } from "../training/run-record.js";
import { RunRecordError } from "./errors.js";

/** The run-record version this report reads. */
const VERSION = 2;

/** Reads and checks a run record file; errors name the file and what is wrong with it. */
export async function readRunRecord(path: string): Promise<RunRecord> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RunRecordError(path, code === "ENOENT" ? "no such file" : `cannot be read (${String(error)})`, {
      cause: error,
    });
  }
  return parseRunRecord(text, path);
}

/**
 * Parses run-record JSON text and checks the shape the report relies on (so a damaged file is refused with
 * what is wrong, instead of a half-drawn page); `file` only names the source in errors.
 */
export function parseRunRecord(text: string, file: string): RunRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RunRecordError(file, `is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isObject(data)) throw new RunRecordError(file, "holds JSON that is not an object");
  if (data.version !== VERSION) {
    const older = typeof data.version === "number" && data.version < VERSION ? " (written by an older tunechain: run fit again to get a report)" : "";
    throw new RunRecordError(file, `has version ${JSON.stringify(data.version)}, this tunechain reads version ${VERSION}${older}`);
  }
  const missing: string[] = [];
  const expect = (key: string, ok: boolean) => {
    if (!ok) missing.push(key);
  };
  expect("status (string)", typeof data.status === "string");
  expect("startedAt (string)", typeof data.startedAt === "string");
  expect("finishedAt (string)", typeof data.finishedAt === "string");
  expect("settings (object)", isObject(data.settings));
  expect("initialValues (object)", isObject(data.initialValues));
  expect("finalValues (object)", isObject(data.finalValues));
  expect("metricCalls (object with used and byPhase)", isObject(data.metricCalls) && isNumber(data.metricCalls.used) && isObject(data.metricCalls.byPhase));
  expect("history (array)", Array.isArray(data.history));
  expect("leaderboard (array)", Array.isArray(data.leaderboard));
  expect("proposals (array)", Array.isArray(data.proposals));
  expect("models (array)", Array.isArray(data.models));
  expect("usage (object with total)", isObject(data.usage) && isObject(data.usage.total));
  if (missing.length > 0) throw new RunRecordError(file, `lacks ${missing.join(", ")}`);

  const problem =
    firstBad(data.history as unknown[], "history", "a numeric step and metricCalls, and numeric trainReward / valReward when present", (entry) =>
      isNumber(entry.step) && isNumber(entry.metricCalls) && optionalNumber(entry.trainReward) && optionalNumber(entry.valReward),
    ) ??
    firstBad(data.leaderboard as unknown[], "leaderboard", "id, optimizer and origin (strings), values (object), parents (array), meanScore, evaluations and iteration (numbers)", (c) =>
      typeof c.id === "string" &&
      typeof c.optimizer === "string" &&
      typeof c.origin === "string" &&
      isObject(c.values) &&
      Object.values(c.values).every(isObject) &&
      Array.isArray(c.parents) &&
      c.parents.every((id) => typeof id === "string") &&
      (c.changed === undefined || (Array.isArray(c.changed) && c.changed.every((id) => typeof id === "string"))) &&
      isNumber(c.meanScore) &&
      isNumber(c.evaluations) &&
      isNumber(c.iteration) &&
      optionalNumber(c.validationScore),
    ) ??
    firstBad(data.proposals as unknown[], "proposals", "optimizer (string), proposals and failed (numbers), rejected (counts by reason)", (p) =>
      typeof p.optimizer === "string" && isNumber(p.proposals) && isNumber(p.failed) && isObject(p.rejected) && Object.values(p.rejected).every(isNumber),
    ) ??
    firstBad(data.models as unknown[], "models", "role and model (strings) and standIn (boolean)", (m) =>
      typeof m.role === "string" && typeof m.model === "string" && typeof m.standIn === "boolean",
    ) ??
    (data.finalValidation === undefined
      ? undefined
      : Array.isArray(data.finalValidation)
        ? firstBad(data.finalValidation, "finalValidation", "exampleId (string) and score (number)", (p) => typeof p.exampleId === "string" && isNumber(p.score))
        : "finalValidation must be an array when present");
  if (problem) throw new RunRecordError(file, problem);
  return data as unknown as RunRecord;
}

/** "history[3] needs …" for the first item failing `ok`, else undefined. */
function firstBad(items: readonly unknown[], name: string, needs: string, ok: (item: Record<string, unknown>) => boolean): string | undefined {
  const index = items.findIndex((item) => !isObject(item) || !ok(item));
  return index < 0 ? undefined : `${name}[${index}] needs ${needs}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function optionalNumber(value: unknown): boolean {
  return value === undefined || isNumber(value);
}
