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
