import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import stringify from "safe-stable-stringify";
import { SchemaError, type ValidationIssue } from "./errors.js";
import type { JsonSchema } from "./schema.js";

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop in some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);

// Compiling is the expensive part of ajv; schemas repeat (every candidate of a variable), so cache by text.
const compiled = new Map<string, ValidateFunction>();
// Callers usually pass the same schema object again (every call of a model, every candidate); skip the
// canonical stringify for those. A schema object must not be mutated after its first validation.
const byIdentity = new WeakMap<object, ValidateFunction>();

function compile(schema: JsonSchema): ValidateFunction {
  const known = byIdentity.get(schema);
  if (known) return known;
  const key = stringify(schema) ?? "";
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new SchemaError(`The schema is not valid JSON Schema (draft 2020-12): ${(error as Error).message}`, {
        cause: error,
      });
    }
    compiled.set(key, validate);
  }
  byIdentity.set(schema, validate);
  return validate;
}

/** Throws SchemaError when the schema itself does not compile. */
export function assertValidSchema(schema: JsonSchema): void {
  compile(schema);
}

/** The ways `value` fails `schema`; empty when it is valid. */
export function validateAgainstSchema(schema: JsonSchema, value: unknown): ValidationIssue[] {
  const validate = compile(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error: ErrorObject) => ({
    path: error.instancePath,
    message: describe(error),
  }));
}

function describe(error: ErrorObject): string {
  if (error.keyword === "additionalProperties") {
    return `unexpected property '${String(error.params.additionalProperty)}'`;
  }
  if (error.keyword === "required") return `missing required property '${String(error.params.missingProperty)}'`;
  return error.message ?? error.keyword;
}
