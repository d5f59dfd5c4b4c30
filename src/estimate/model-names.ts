/** Fields through which LangChain runnables (and compiled graphs) hold the runnables they run. */
const CHILD_FIELDS = ["first", "middle", "last", "steps", "bound", "runnable", "runnables", "fallbacks", "branches", "default", "steps__", "nodes", "mapper", "llm"];

/**
 * The model name of the first chat model found inside `program` (a `model` or `modelName` string on an object
 * with `_llmType`, as ChatOpenAI and the other LangChain chat models have), walking sequences, bindings, maps,
 * branches, fallbacks and graph nodes. Undefined when none is found (a model inside a function is out of reach).
 */
export function findChatModelName(program: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [program];
  while (queue.length > 0 && seen.size < 500) {
    const current = queue.shift();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    const record = current as Record<string, unknown>;
    if (typeof record._llmType === "function") {
      const name = typeof record.model === "string" ? record.model : typeof record.modelName === "string" ? record.modelName : undefined;
      if (name) return name;
    }
    if (Array.isArray(current)) {
      queue.push(...current);
      continue;
    }
    if (current instanceof Map) {
      queue.push(...current.values());
      continue;
    }
    for (const field of CHILD_FIELDS) {
      let value: unknown;
      try {
        value = record[field];
      } catch {
        continue;
      }
      if (value === undefined || value === null) continue;
      if (Array.isArray(value) || value instanceof Map) queue.push(value);
      else if (typeof value === "object") {
        // A map of runnables (RunnableMap's steps__, a graph's nodes) or one runnable.
        queue.push(value);
        if (!("invoke" in (value as object))) queue.push(...Object.values(value as object));
      }
    }
  }
  return undefined;
}
