import { readFile } from "node:fs/promises";
import stringify from "safe-stable-stringify";
import type { JsonValue } from "../json.js";
import { collectTrainableVariables, type Trainable } from "../prompts/collect.js";
import { formatIssues } from "../variables/errors.js";
import type { JsonSchema } from "../variables/schema.js";
import { ArtifactError } from "./errors.js";
import { hashJson, writeFileAtomic } from "./files.js";

/** The JSON file a tuned program is saved to and loaded from in production. */
export interface VariablesArtifact {
  format: "tunechain-artifact";
  version: 1;
  savedAt: string;
  /** Held-out score of these values, when known. */
  score?: number;
  /** Names of the optimizers that produced them. */
  optimizers: string[];
  variables: Record<string, { schemaHash: string; schema: JsonSchema; value: Record<string, unknown> }>;
  meta?: Record<string, JsonValue>;
}

export interface SaveVariablesMeta {
  /** Trainable prompts (or tools) the program uses out of a walk's reach (see FitOptions.prompts). */
  prompts?: readonly Trainable[];
  score?: number;
  /** Optimizers (or their names) that produced the values. */
  optimizers?: readonly (string | { name: string })[];
  /** Anything else worth keeping with the values (JSON only). */
  meta?: Record<string, JsonValue>;
}

/** Identity of a schema: equal schemas (key order aside) give equal hashes. */
export function schemaHash(schema: JsonSchema): string {
  return hashJson(schema);
}

/** Saves the current value of every trainable variable of `program` to `path` (atomically). */
export async function saveVariables(program: object, path: string, meta: SaveVariablesMeta = {}): Promise<VariablesArtifact> {
  const variables = collectTrainableVariables(program, meta.prompts);
  const artifact: VariablesArtifact = {
    format: "tunechain-artifact",
    version: 1,
    savedAt: new Date().toISOString(),
    optimizers: (meta.optimizers ?? []).map((o) => (typeof o === "string" ? o : o.name)),
    variables: Object.fromEntries(
      variables.map((v) => [v.name, { schemaHash: schemaHash(v.schema()), schema: v.schema(), value: v.json() as Record<string, unknown> }]),
    ),
  };
  if (meta.score !== undefined) artifact.score = meta.score;
  if (meta.meta !== undefined) artifact.meta = meta.meta;
  await writeFileAtomic(path, `${stringify(artifact, null, 2)}\n`);
  return artifact;
}

/**
 * Assigns the values saved at `path` to the program's variables. Every variable must be in the file with
 * the same schema and a valid value; otherwise nothing is assigned and an ArtifactError says why.
 */
export interface LoadVariablesOptions {
  /** Trainable prompts (or tools) the program uses out of a walk's reach (see FitOptions.prompts). */
  prompts?: readonly Trainable[];
}

export async function loadVariables(program: object, path: string, options: LoadVariablesOptions = {}): Promise<VariablesArtifact> {
  let artifact: VariablesArtifact;
  try {
    artifact = JSON.parse(await readFile(path, "utf8")) as VariablesArtifact;
  } catch (error) {
    throw new ArtifactError(`Cannot read the artifact ${path}: ${(error as Error).message}.`, { cause: error });
  }
  if (artifact?.format !== "tunechain-artifact" || artifact.version !== 1 || typeof artifact.variables !== "object") {
    throw new ArtifactError(`${path} is not a tunechain artifact (saveVariables writes { format: "tunechain-artifact", version: 1, … }).`);
  }
  const variables = collectTrainableVariables(program, options.prompts);
  const problems: string[] = [];
  for (const variable of variables) {
    const saved = artifact.variables[variable.name];
    if (saved === undefined) {
      problems.push(`'${variable.name}' is not in the file (it has: ${Object.keys(artifact.variables).join(", ") || "nothing"})`);
      continue;
    }
    if (saved.schemaHash !== schemaHash(variable.schema())) {
      problems.push(
        `'${variable.name}' has another schema than when it was saved (its trainable parts changed); re-tune and save it again`,
      );
      continue;
    }
    const issues = variable.validate(saved.value);
    if (issues.length > 0) problems.push(`the saved value of '${variable.name}' is invalid:\n${formatIssues(issues)}`);
  }
  const unknown = Object.keys(artifact.variables).filter((name) => !variables.some((v) => v.name === name));
  if (unknown.length > 0) problems.push(`the program has no variable named ${unknown.map((n) => `'${n}'`).join(", ")}`);
  if (problems.length > 0) {
    throw new ArtifactError(`Cannot load ${path} into this program; nothing was assigned:\n  - ${problems.join("\n  - ")}`);
  }
  for (const variable of variables) variable.assign(artifact.variables[variable.name]!.value);
  return artifact;
}
