import type { Example } from "../data/example.js";
import type { SeededRandom } from "../random/seeded-random.js";
import { DatasetError } from "./errors.js";
import { hashJson } from "./files.js";

/** An example whose id is known (the training loop needs one for caches and resumes). */
export type IdentifiedExample = Example & { id: string };

/**
 * Copies of the examples with ids: the given id, else a hash of the content (so the same example keeps
 * its id across runs and processes). Two different examples under one id are refused.
 */
export function identifyExamples(examples: readonly Example[], what: string): IdentifiedExample[] {
  if (!Array.isArray(examples)) {
    throw new DatasetError(`${what} must be an array of { input, expected? } examples.`);
  }
  const byId = new Map<string, string>();
  return examples.map((example, index) => {
    if (typeof example !== "object" || example === null || typeof example.input !== "object" || example.input === null) {
      throw new DatasetError(
        `${what}[${index}] must be { input: { …prompt input variables }, expected?: … }, got ${JSON.stringify(example)?.slice(0, 120)}.`,
      );
    }
    const content = hashJson({ input: example.input, expected: example.expected ?? null });
    const id = example.id ?? `ex-${content}`;
    const known = byId.get(id);
    if (known !== undefined && known !== content) {
      throw new DatasetError(
        `${what} has two different examples with id '${id}'. Ids identify examples in caches and checkpoints; make them unique.`,
      );
    }
    byId.set(id, content);
    return { ...example, id };
  });
}

/** Splits off a validation share (seeded shuffle), for `validationSplit`. */
export function splitValidation(
  examples: readonly IdentifiedExample[],
  fraction: number,
  random: SeededRandom,
): { trainset: IdentifiedExample[]; valset: IdentifiedExample[] } {
  const shuffled = random.shuffle(examples);
  const size = Math.max(1, Math.min(examples.length - 1, Math.round(examples.length * fraction)));
  return { valset: shuffled.slice(0, size), trainset: shuffled.slice(size) };
}

/** Identifies a dataset's content, to tell whether a checkpoint was made on it. */
export function datasetHash(examples: readonly IdentifiedExample[]): string {
  return hashJson(examples.map((example) => [example.id, example.input, example.expected ?? null]));
}
