import type { JsonSchema } from "../variables/schema.js";

// OpenAI's strict structured outputs accept a subset of JSON Schema: every object lists all its properties
// as required and forbids others. Optional properties become required-but-nullable; `fromStrict` turns the
// nulls the model sends for them back into absent keys so the answer validates against the original schema.

/** Keywords strict mode cannot express; a schema using them falls back to JSON mode. */
const UNSUPPORTED = new Set([
  "patternProperties",
  "propertyNames",
  "unevaluatedProperties",
  "unevaluatedItems",
  "dependentRequired",
  "dependentSchemas",
  "if",
  "then",
  "else",
  "not",
  "contains",
  "prefixItems",
  "$dynamicRef",
]);

type Json = unknown;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nullable(schema: Record<string, unknown>): Record<string, unknown> {
  const { type } = schema;
  if (typeof type === "string") return type === "null" ? schema : { ...schema, type: [type, "null"] };
  if (Array.isArray(type)) return type.includes("null") ? schema : { ...schema, type: [...type, "null"] };
  return { anyOf: [schema, { type: "null" }] };
}

/** Converts one sub-schema, or returns undefined when it cannot be made strict. */
function convert(schema: unknown): Record<string, unknown> | undefined {
  if (!isObject(schema)) return undefined;
  for (const key of Object.keys(schema)) if (UNSUPPORTED.has(key)) return undefined;
  const out: Record<string, unknown> = { ...schema };
  const isObjectType = schema.type === "object" || (schema.type === undefined && isObject(schema.properties));
  if (isObjectType) {
    if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) return undefined;
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    const converted: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries(properties)) {
      const strictSub = convert(sub);
      if (!strictSub) return undefined;
      converted[name] = required.has(name) ? strictSub : nullable(strictSub);
    }
    out.type = "object";
    out.properties = converted;
    out.required = Object.keys(converted);
    out.additionalProperties = false;
  }
  if (schema.items !== undefined) {
    const items = convert(schema.items);
    if (!items) return undefined;
    out.items = items;
  }
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    const list = schema[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return undefined;
    const converted = list.map(convert);
    if (converted.some((item) => item === undefined)) return undefined;
    // Strict mode knows anyOf only; oneOf of disjoint shapes behaves the same for generation.
    if (key === "allOf") return undefined;
    delete out[key];
    out.anyOf = converted;
  }
  for (const key of ["$defs", "definitions"] as const) {
    const defs = schema[key];
    if (defs === undefined) continue;
    if (!isObject(defs)) return undefined;
    const converted: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries(defs)) {
      const strictSub = convert(sub);
      if (!strictSub) return undefined;
      converted[name] = strictSub;
    }
    out[key] = converted;
  }
  return out;
}

/**
 * A strict-compatible copy of `schema` (all properties required, optional ones nullable, no additional
 * properties), or undefined when the schema uses keywords strict mode cannot express. The root must be an
 * object (OpenAI's requirement).
 */
export function toStrictSchema(schema: JsonSchema): JsonSchema | undefined {
  if (strictCache.has(schema)) return strictCache.get(schema);
  const strict = schema.type !== "object" && !isObject(schema.properties) ? undefined : (convert(schema) as JsonSchema | undefined);
  strictCache.set(schema, strict);
  return strict;
}

// Optimizers send the same schema object on every call; convert it once. (Callers must not mutate it.)
const strictCache = new WeakMap<JsonSchema, JsonSchema | undefined>();

function resolve(schema: unknown, root: Record<string, unknown>): unknown {
  let current = schema;
  for (let depth = 0; isObject(current) && typeof current.$ref === "string" && depth < 32; depth++) {
    const path = current.$ref.startsWith("#/") ? current.$ref.slice(2).split("/") : [];
    let target: unknown = root;
    for (const part of path) target = isObject(target) ? target[part] : undefined;
    if (target === undefined) return current;
    current = target;
  }
  return current;
}

/** Drops the nulls that strict mode forced into optional properties of the ORIGINAL schema. */
export function fromStrict(value: Json, schema: JsonSchema, root: JsonSchema = schema): Json {
  const resolved = resolve(schema, root);
  if (!isObject(resolved)) return value;
  if (Array.isArray(value)) {
    return resolved.items === undefined ? value : value.map((item) => fromStrict(item, resolved.items as JsonSchema, root));
  }
  if (!isObject(value)) return value;
  const properties = isObject(resolved.properties) ? resolved.properties : undefined;
  if (!properties) return value;
  const required = new Set(Array.isArray(resolved.required) ? (resolved.required as string[]) : []);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = properties[key];
    if (item === null && !required.has(key) && !allowsNull(resolve(sub, root))) continue;
    out[key] = sub === undefined ? item : fromStrict(item, sub as JsonSchema, root);
  }
  return out;
}

function allowsNull(schema: unknown): boolean {
  if (!isObject(schema)) return true;
  const { type } = schema;
  if (type === "null" || (Array.isArray(type) && type.includes("null"))) return true;
  if (type !== undefined) return false;
  const branches = [schema.anyOf, schema.oneOf].find(Array.isArray) as unknown[] | undefined;
  if (branches) return branches.some(allowsNull);
  if (schema.const !== undefined) return schema.const === null;
  return Array.isArray(schema.enum) ? schema.enum.includes(null) : true;
}
