/** What an f-string template text contains: its `{placeholders}` and any braces that break it. */
export interface TemplateScan {
  placeholders: Set<string>;
  /** Lone `{` or `}` that an f-string template would refuse (literal braces must be doubled). */
  strayBraces: number;
}

const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Scans `text` as a LangChain f-string template: `{name}` is a placeholder, `{{` and `}}` are literal
 * braces. Anything else with a brace is counted as stray, since the template would fail to parse.
 */
export function scanTemplate(text: string): TemplateScan {
  const placeholders = new Set<string>();
  let strayBraces = 0;
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    const next = text[i + 1];
    if ((char === "{" && next === "{") || (char === "}" && next === "}")) {
      i += 2;
    } else if (char === "{") {
      const close = text.indexOf("}", i + 1);
      const name = close < 0 ? "" : text.slice(i + 1, close).trim();
      if (close >= 0 && PLACEHOLDER_NAME.test(name)) {
        placeholders.add(name);
        i = close + 1;
      } else {
        strayBraces += 1;
        i += 1;
      }
    } else {
      if (char === "}") strayBraces += 1;
      i += 1;
    }
  }
  return { placeholders, strayBraces };
}

/**
 * Problems of a rewritten text compared with the text it replaces: placeholders it dropped or invented, and
 * stray braces. Empty when the rewrite keeps the template intact.
 */
export function placeholderProblems(key: string, before: string, after: string): string[] {
  const old = scanTemplate(before);
  const now = scanTemplate(after);
  const problems: string[] = [];
  const dropped = [...old.placeholders].filter((name) => !now.placeholders.has(name));
  const invented = [...now.placeholders].filter((name) => !old.placeholders.has(name));
  if (dropped.length > 0) {
    problems.push(`'${key}' dropped the placeholder(s) ${dropped.map((n) => `{${n}}`).join(", ")}; keep every one of them.`);
  }
  if (invented.length > 0) {
    problems.push(
      `'${key}' introduced unknown placeholder(s) ${invented.map((n) => `{${n}}`).join(", ")}; ` +
        "use only the placeholders of the current text (write literal braces as {{ and }}).",
    );
  }
  if (now.strayBraces > old.strayBraces) {
    problems.push(`'${key}' has unmatched braces; write literal braces as {{ and }}.`);
  }
  return problems;
}
