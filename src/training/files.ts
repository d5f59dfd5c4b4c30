import { createHash } from "node:crypto";
import stringify from "safe-stable-stringify";
import { API_KEY_PATTERN } from "../files/api-key-pattern.js";
import { replaceFileAtomically } from "../files/replace-file-atomically.js";

/** Short stable hash of a JSON value (key order does not matter). */
export function hashJson(value: unknown): string {
  return createHash("sha256")
    .update(stringify(value) ?? "")
    .digest("hex")
    .slice(0, 16);
}


/** The text with anything shaped like an API key replaced. */
export function redactSecrets(text: string): string {
  return text.replace(API_KEY_PATTERN, "sk-[redacted]");
}

/** Writes `text` atomically (never a torn file) with anything shaped like an API key redacted. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await replaceFileAtomically(path, redactSecrets(text));
}
