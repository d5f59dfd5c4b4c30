import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/**
 * Line (1-based) of an error inside `file`: from esbuild's "file:line:col: ERROR" message of a syntax error,
 * or from the first stack frame in the file for an error the config threw while running.
 */
export function errorLineIn(file: string, error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const text = `${error.message}\n${error.stack ?? ""}`;
  for (const name of [file, pathToFileURL(file).href]) {
    const at = text.indexOf(`${name}:`);
    if (at >= 0) {
      const line = /^:(\d+)/.exec(text.slice(at + name.length))?.[1];
      if (line !== undefined) return Number(line);
    }
  }
  return undefined;
}

/**
 * Line (1-based) where the config names `key` (an export or an object property), so an error about the
 * value points at the place to edit. Undefined when the source does not mention it.
 */
export function keyLineIn(file: string, key: string): number | undefined {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  // Keys are names a user chose (a compare contender may be "GEPA + FewShot"): match them literally.
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const patterns = [
    new RegExp(`export\\s+(?:const|let|var|async\\s+function|function)\\s+${escaped}\\b`),
    new RegExp(`(?:^|[\\s{,])["']?${escaped}["']?\\s*:`),
    new RegExp(`(?:^|[\\s{,])${escaped}\\s*[,}]`),
  ];
  const lines = source.split(/\r?\n/);
  for (const pattern of patterns) {
    const index = lines.findIndex((line) => pattern.test(line));
    if (index >= 0) return index + 1;
  }
  return undefined;
}
