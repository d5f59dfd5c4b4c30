import { readFile } from "node:fs/promises";
import type { RunRecord } from "../training/run-record.js";
import { RunRecordError } from "./errors.js";

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

/** Parses run-record JSON text; `file` only names the source in errors. */
export function parseRunRecord(text: string, file: string): RunRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RunRecordError(file, `is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isObject(data)) throw new RunRecordError(file, "holds JSON that is not an object");
  if (data.version !== 1) {
    throw new RunRecordError(file, `has version ${JSON.stringify(data.version)}, this tunechain reads version 1`);
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
  expect("history (array)", Array.isArray(data.history));
  expect("leaderboard (array)", Array.isArray(data.leaderboard));
  expect("usage (object with total)", isObject(data.usage) && isObject(data.usage.total));
  if (missing.length > 0) throw new RunRecordError(file, `lacks ${missing.join(", ")}`);
  const history = data.history as unknown[];
  const badEntry = history.findIndex(
    (entry) => !isObject(entry) || typeof entry.step !== "number" || typeof entry.trainReward !== "number",
  );
  if (badEntry >= 0) {
    throw new RunRecordError(file, `history[${badEntry}] needs a numeric step and trainReward`);
  }
  return data as unknown as RunRecord;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
