import stringify from "safe-stable-stringify";

/** One dataset row: the program's input and, when known, the expected output. */
export interface Example<Input extends Record<string, unknown> = Record<string, unknown>, Expected = unknown> {
  /** Stable identity (evaluation cache, per-instance Pareto fronts); the training loop fills it when absent. */
  id?: string;
  input: Input;
  expected?: Expected;
}

/** The identity of an example for caches and Pareto fronts: its id, or its input when it has none. */
export function exampleIdOf(example: Example): string {
  return example.id ?? stringify(example.input) ?? "";
}
