import { createHash, randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import stringify from "safe-stable-stringify";

/** Short stable hash of a JSON value (key order does not matter). */
export function hashJson(value: unknown): string {
  return createHash("sha256")
    .update(stringify(value) ?? "")
    .digest("hex")
    .slice(0, 16);
}

// API keys look like this (OpenAI, Anthropic, our tests' fake "sk-test-…"); never let one reach a file.
const SECRET_PATTERN = /\bsk-[A-Za-z0-9_-]{6,}/g;

/** The text with anything shaped like an API key replaced. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, "sk-[redacted]");
}

/**
 * Writes `text` so readers see the old file or the new one, never a torn one: a temp file in the same
 * directory, then an atomic rename over the target.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(temp, redactSecrets(text), "utf8");
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
