/** JSON values as they travel through variables, prompts, fixtures and checkpoints. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Deep copy of a JSON value; `structuredClone` keeps it a plain copy that callers cannot alias. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}
