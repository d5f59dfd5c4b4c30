import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import type { Example } from "../data/example.js";
import { DatasetFileError } from "./errors.js";

const EXAMPLE_SHAPE = `{"input": {"<variable>": ...}, "expected": ...} (expected and a string "id" are optional)`;

/**
 * Reads a dataset: `.jsonl` (one example per line; blank lines skipped) or `.json` (an array of examples).
 * Every problem names the file and the line, so a bad row among thousands is found at once.
 */
export async function loadDataset(file: string): Promise<Example[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetFileError(
      file,
      undefined,
      code === "ENOENT" ? "no such dataset file; check the path (relative paths start at the config's folder)" : `cannot be read (${String(error)})`,
      { cause: error },
    );
  }
  const extension = extname(file).toLowerCase();
  if (extension === ".jsonl" || extension === ".ndjson") return parseJsonLines(text, file);
  if (extension === ".json") return parseJsonArray(text, file);
  throw new DatasetFileError(file, undefined, `unknown dataset format '${extension || "(none)"}'; use .jsonl or .json`);
}

export function parseJsonLines(text: string, file: string): Example[] {
  const examples: Example[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new DatasetFileError(
        file,
        index + 1,
        `not valid JSON (${(error as Error).message}). Each line must be one example: ${EXAMPLE_SHAPE}`,
        { cause: error },
      );
    }
    examples.push(toExample(record, file, index + 1));
  });
  if (examples.length === 0) throw new DatasetFileError(file, undefined, `holds no example; add lines like ${EXAMPLE_SHAPE}`);
  return examples;
}

export function parseJsonArray(text: string, file: string): Example[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const line = /\(line (\d+) column \d+\)/.exec(message)?.[1];
    throw new DatasetFileError(file, line === undefined ? undefined : Number(line), `not valid JSON (${message})`, {
      cause: error,
    });
  }
  if (!Array.isArray(data)) {
    throw new DatasetFileError(file, 1, `a .json dataset must be an array of examples like ${EXAMPLE_SHAPE}`);
  }
  if (data.length === 0) throw new DatasetFileError(file, undefined, "holds no example");
  const lines = arrayElementLines(text);
  return data.map((record, index) => toExample(record, file, lines[index]));
}

function toExample(record: unknown, file: string, line: number | undefined): Example {
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    throw new DatasetFileError(file, line, `an example must be an object like ${EXAMPLE_SHAPE}`);
  }
  const { input, expected, id, ...rest } = record as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new DatasetFileError(
      file,
      line,
      `unknown key(s) ${unknown.map((k) => `"${k}"`).join(", ")}; an example has only "input", "expected" and "id"`,
    );
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new DatasetFileError(
      file,
      line,
      `"input" must be an object of the program's input variables, got ${describe(input)}. Expected ${EXAMPLE_SHAPE}`,
    );
  }
  if (id !== undefined && typeof id !== "string") {
    throw new DatasetFileError(file, line, `"id" must be a string when given, got ${describe(id)}`);
  }
  const example: Example = { input: input as Record<string, unknown> };
  if (expected !== undefined) example.expected = expected;
  if (id !== undefined) example.id = id;
  return example;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/**
 * 1-based line where each element of the top-level JSON array starts. A small scanner (strings and nesting
 * only) is enough because the text already parsed as JSON.
 */
function arrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === "\n") line++;
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (/\s/.test(char)) continue;
    if (depth === 1 && expectElement && char !== "]") {
      lines.push(line);
      expectElement = false;
    }
    if (char === '"') inString = true;
    else if (char === "[" || char === "{") {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (char === "]" || char === "}") depth--;
    else if (char === "," && depth === 1) expectElement = true;
  }
  return lines;
}
