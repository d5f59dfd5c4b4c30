import { z } from "zod";
import { SchemaError } from "./errors.js";

/** A JSON Schema (draft 2020-12) object. Only the keywords tunechain reads are named. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  $defs?: Record<string, JsonSchema>;
  $ref?: string;
  [keyword: string]: unknown;
}

/** Keywords that describe a schema without constraining it; ignored when schemas are compared. */
const ANNOTATION_KEYWORDS = new Set(["title", "description", "examples", "default", "$schema", "$comment", "$id"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True when `value` looks like a zod v4 schema (classic or mini). */
export function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === "object" && value !== null && typeof (value as { _zod?: unknown })._zod === "object";
}

/** JSON Schema of a zod v4 data model, in draft 2020-12. */
export function schemaFromDataModel(dataModel: unknown): JsonSchema {
  if (!isZodSchema(dataModel)) {
    throw new SchemaError(
      "dataModel must be a zod v4 schema (import { z } from 'zod', zod >= 4). " +
        "For zod 3 or another validator, pass a JSON Schema as `schema` instead.",
    );
  }
  try {
    return standardizeSchema(z.toJSONSchema(dataModel) as JsonSchema);
  } catch (error) {
    if (error instanceof SchemaError) throw error;
    throw new SchemaError(
      `The zod dataModel cannot be expressed as JSON Schema: ${(error as Error).message}. ` +
        "Use JSON-typed fields only (no functions, dates, maps or transforms).",
      { cause: error },
    );
  }
}

/**
 * The canonical form tunechain keeps: a deep copy, `$schema` dropped (everything is validated as draft
 * 2020-12), and keys sorted so two equal schemas serialize identically.
 */
export function standardizeSchema(schema: JsonSchema): JsonSchema {
  if (!isPlainObject(schema)) {
    throw new SchemaError(`A schema must be a JSON Schema object, got ${schema === null ? "null" : typeof schema}.`);
  }
  return sortKeys(dropKeyword(schema, "$schema")) as JsonSchema;
}

function dropKeyword(schema: Record<string, unknown>, keyword: string): Record<string, unknown> {
  const { [keyword]: _dropped, ...rest } = schema;
  return rest;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}

/** Follows a local `$ref` ("#/$defs/X" or "#/definitions/X") against the root schema. */
function resolveRef(schema: unknown, root: JsonSchema): unknown {
  let current = schema;
  const seen = new Set<string>();
  while (isPlainObject(current) && typeof current.$ref === "string") {
    const ref = current.$ref;
    if (seen.has(ref) || !ref.startsWith("#/")) return current;
    seen.add(ref);
    let target: unknown = root;
    for (const part of ref.slice(2).split("/")) {
      target = isPlainObject(target) ? target[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    }
    if (target === undefined) return current;
    current = target;
  }
  return current;
}

/** Structural equality of two sub-schemas, ignoring annotations at every depth and `required` order. */
function sameShape(a: unknown, rootA: JsonSchema, b: unknown, rootB: JsonSchema): boolean {
  const left = resolveRef(a, rootA);
  const right = resolveRef(b, rootB);
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, i) => sameShape(item, rootA, right[i], rootB));
  }
  if (!isPlainObject(left) || !isPlainObject(right)) return left === right;
  const keysOf = (o: Record<string, unknown>) =>
    Object.keys(o).filter((k) => !ANNOTATION_KEYWORDS.has(k) && k !== "$defs" && k !== "definitions").sort();
  const leftKeys = keysOf(left);
  const rightKeys = keysOf(right);
  if (leftKeys.join("\u0000") !== rightKeys.join("\u0000")) return false;
  return leftKeys.every((key) => {
    if (key === "required" && Array.isArray(left[key]) && Array.isArray(right[key])) {
      return [...(left[key] as string[])].sort().join("\u0000") === [...(right[key] as string[])].sort().join("\u0000");
    }
    if (key === "properties" && isPlainObject(left[key]) && isPlainObject(right[key])) {
      const lp = left[key] as Record<string, unknown>;
      const rp = right[key] as Record<string, unknown>;
      const names = Object.keys(lp).sort();
      if (names.join("\u0000") !== Object.keys(rp).sort().join("\u0000")) return false;
      return names.every((name) => sameShape(lp[name], rootA, rp[name], rootB));
    }
    return sameShape(left[key], rootA, right[key], rootB);
  });
}

/**
 * True when every property of the optimizer's schema is a property of the variable's schema with a
 * structurally equal sub-schema. This is how variables are routed to optimizers: an optimizer acts on a
 * variable that has (at least) the keys it knows how to rewrite.
 */
export function containsSchema(variableSchema: JsonSchema, optimizerSchema: JsonSchema): boolean {
  const variableProps = (resolveRef(variableSchema, variableSchema) as JsonSchema).properties ?? {};
  const optimizerProps = (resolveRef(optimizerSchema, optimizerSchema) as JsonSchema).properties ?? {};
  return Object.entries(optimizerProps).every(
    ([name, sub]) => name in variableProps && sameShape(variableProps[name], variableSchema, sub, optimizerSchema),
  );
}

/** The property names an (object) schema declares. */
export function schemaKeys(schema: JsonSchema): string[] {
  return Object.keys(schema.properties ?? {});
}

/**
 * The variable's schema cut down to `keys`: what an optimizer asks a model to produce when it rewrites
 * only its own part of a variable. Shared `$defs` are kept so `$ref`s still resolve.
 */
export function restrictSchema(schema: JsonSchema, keys: readonly string[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const key of keys) {
    const sub = schema.properties?.[key];
    if (sub === undefined) throw new SchemaError(`The schema has no property '${key}' to restrict to.`);
    properties[key] = sub;
  }
  const restricted: JsonSchema = {
    type: "object",
    properties,
    required: keys.filter((key) => schema.required?.includes(key) ?? true),
    additionalProperties: false,
  };
  if (schema.$defs) restricted.$defs = schema.$defs;
  return standardizeSchema(restricted);
}
