// Models that ignore response_format wrap JSON in prose or ```json fences; find the JSON value in the text.

export type ParsedAnswer = { ok: true; value: unknown } | { ok: false; reason: string };

function tryParse(text: string): ParsedAnswer | undefined {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** The first balanced {...} or [...] span starting at `start`, respecting strings; undefined if unbalanced. */
function balancedSpan(text: string, start: number): string | undefined {
  const open = text[start];
  const close = open === "{" ? "}" : "]";
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === open) depth++;
    else if (char === close && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

/**
 * Parses a model's answer as JSON: the whole text, else the first fenced ```json block, else the first
 * balanced object or array in the text.
 */
export function parseModelJson(text: string): ParsedAnswer {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, reason: "the answer is empty" };
  const whole = tryParse(trimmed);
  if (whole) return whole;
  for (const match of trimmed.matchAll(/```(?:json|JSON)?\s*\n?([\s\S]*?)```/g)) {
    const fenced = tryParse((match[1] ?? "").trim());
    if (fenced) return fenced;
  }
  // Try a bounded number of opening brackets so a long prose answer cannot make this quadratic.
  let tries = 0;
  for (let i = 0; i < trimmed.length && tries < 20; i++) {
    if (trimmed[i] !== "{" && trimmed[i] !== "[") continue;
    tries++;
    const span = balancedSpan(trimmed, i);
    const parsed = span === undefined ? undefined : tryParse(span);
    if (parsed) return parsed;
  }
  return { ok: false, reason: "the answer contains no parseable JSON value" };
}
