import { parseTemplate, type TemplateFormat } from "@langchain/core/prompts";
import { PromptPlaceholderError } from "./errors.js";

/** The input variables a template refers to, in order of first use. Throws when the template does not parse. */
export function templatePlaceholders(template: string, format: TemplateFormat): string[] {
  let nodes;
  try {
    nodes = parseTemplate(template, format);
  } catch (error) {
    throw new PromptPlaceholderError(
      `The ${format} template does not parse (${(error as Error).message}): ${JSON.stringify(template.slice(0, 200))}. ` +
        (format === "f-string" ? "Write literal braces doubled: '{{' and '}}'." : "Close every '{{' with '}}'."),
    );
  }
  const names: string[] = [];
  for (const node of nodes) {
    // Mustache sections and dotted paths start with the variable's top-level name.
    const name = node.type === "variable" ? (node.name.split(".")[0] ?? node.name).trim() : undefined;
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Literal text made safe to embed in a template: f-string doubles braces; mustache only needs the
 * `{{` openings broken, which a single brace never forms.
 */
export function escapeLiteralBraces(text: string, format: TemplateFormat): string {
  if (format === "f-string") return text.replace(/\{/g, "{{").replace(/\}/g, "}}");
  return text.replace(/\{\{/g, "{ {");
}

/** How a candidate's instructions fit the prompt's input variables. */
export interface PlaceholderReport {
  /** Placeholders the prompt cannot fill: rendering would fail. */
  unknown: string[];
  /** Placeholders of the original instructions that the candidate dropped (its input would be ignored). */
  dropped: string[];
}

export function comparePlaceholders(
  instructions: string,
  format: TemplateFormat,
  allowed: readonly string[],
  expected: readonly string[],
): PlaceholderReport {
  const used = templatePlaceholders(instructions, format);
  return {
    unknown: used.filter((name) => !allowed.includes(name)),
    dropped: expected.filter((name) => !used.includes(name)),
  };
}

/**
 * Problems of a rewritten template text compared with the text it replaces, by the template format's own
 * parser (the one the prompt renders with): placeholders it dropped or invented, or a text that does not
 * parse. Empty when the rewrite keeps the template intact.
 */
export function placeholderProblems(key: string, before: string, after: string, format: TemplateFormat): string[] {
  let old: string[];
  try {
    old = templatePlaceholders(before, format);
  } catch {
    old = [];
  }
  let now: string[];
  try {
    now = templatePlaceholders(after, format);
  } catch {
    return [
      `'${key}' is not a valid ${format} template` +
        (format === "f-string" ? "; write literal braces as {{ and }}." : "; close every '{{' with '}}'."),
    ];
  }
  const problems: string[] = [];
  const dropped = old.filter((name) => !now.includes(name));
  const invented = now.filter((name) => !old.includes(name));
  const mark = (name: string) => (format === "mustache" ? `{{${name}}}` : `{${name}}`);
  if (dropped.length > 0) problems.push(`'${key}' dropped the placeholder(s) ${dropped.map(mark).join(", ")}; keep every one of them.`);
  if (invented.length > 0) {
    problems.push(
      `'${key}' introduced unknown placeholder(s) ${invented.map(mark).join(", ")}; use only the placeholders of the ` +
        (format === "f-string" ? "current text (write literal braces as {{ and }})." : "current text."),
    );
  }
  return problems;
}
