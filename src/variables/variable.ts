import type { z } from "zod";
import { rejectUnknownArguments } from "../errors.js";
import { cloneJson } from "../json.js";
import { autoName } from "../names.js";
import { SchemaError, VariableValidationError, type ValidationIssue } from "./errors.js";
import { schemaFromDataModel, standardizeSchema, type JsonSchema } from "./schema.js";
import { assertValidSchema, validateAgainstSchema } from "./validator.js";

export interface VariableFields<T extends object> {
  /** Unique name; an auto snake_case name when omitted. Artifacts and checkpoints are keyed by it. */
  name?: string;
  /** The initial value. */
  value?: T;
  /** Alternative to `value`: the initial value, or a function that makes it. */
  initializer?: T | (() => T);
  /** JSON Schema every value must satisfy. */
  schema?: JsonSchema;
  /** A zod v4 schema; its JSON Schema is used when `schema` is not given. */
  dataModel?: z.ZodType<T>;
  /** Whether optimizers may change it (default true). */
  trainable?: boolean;
  description?: string;
}

const KNOWN_FIELDS = ["name", "value", "initializer", "schema", "dataModel", "trainable", "description"] as const;

/** What `toJSON()` gives, e.g. inside `JSON.stringify`. */
export interface SerializedVariable<T> {
  name: string;
  trainable: boolean;
  schema: JsonSchema;
  value: T;
}

/**
 * A named JSON value with a JSON Schema. Every write is validated: a bad value throws
 * VariableValidationError and the old value stays. Reads return copies, so callers never alias the state.
 */
export class Variable<T extends object = Record<string, unknown>> {
  readonly name: string;
  readonly trainable: boolean;
  readonly description: string;
  private readonly jsonSchema: JsonSchema;
  private value: T;

  constructor(fields: VariableFields<T>) {
    rejectUnknownArguments("Variable", fields, KNOWN_FIELDS);
    this.name = fields.name ?? autoName("Variable");
    this.trainable = fields.trainable ?? true;
    this.description = fields.description ?? "";
    if (fields.schema) this.jsonSchema = standardizeSchema(fields.schema);
    else if (fields.dataModel) this.jsonSchema = schemaFromDataModel(fields.dataModel);
    else {
      throw new SchemaError(
        `Variable '${this.name}' needs a \`schema\` (JSON Schema) or a \`dataModel\` (zod schema) to validate its values.`,
      );
    }
    assertValidSchema(this.jsonSchema);
    const initial =
      fields.value !== undefined
        ? fields.value
        : typeof fields.initializer === "function"
          ? (fields.initializer as () => T)()
          : fields.initializer;
    if (initial === undefined) {
      throw new SchemaError(`Variable '${this.name}' needs an initial \`value\` (or an \`initializer\`).`);
    }
    this.value = this.checked(initial, "initialize");
  }

  /** The variable's JSON Schema (a copy). */
  schema(): JsonSchema {
    return cloneJson(this.jsonSchema);
  }

  /** The current value (a copy: mutating it does not change the variable). */
  json(): T {
    return cloneJson(this.value);
  }

  /** One key of the value (a copy). */
  get<K extends keyof T>(key: K): T[K] {
    return cloneJson(this.value[key]);
  }

  /** Replaces the whole value. */
  assign(value: T): void {
    this.value = this.checked(value, "assign");
  }

  /** Replaces some keys, keeping the others. */
  update(partial: Partial<T>): void {
    this.value = this.checked({ ...this.value, ...partial }, "update");
  }

  /** The ways `value` would fail this variable's schema, without writing it; empty when valid. */
  validate(value: unknown): ValidationIssue[] {
    return validateAgainstSchema(this.jsonSchema, value);
  }

  toJSON(): SerializedVariable<T> {
    return { name: this.name, trainable: this.trainable, schema: this.schema(), value: this.json() };
  }

  toString(): string {
    return `<Variable name=${this.name} trainable=${String(this.trainable)}>`;
  }

  /** Validates a copy of `value`, so nothing the caller keeps can alias the stored value. */
  private checked(value: T, action: string): T {
    const copy = cloneJson(value);
    const issues = validateAgainstSchema(this.jsonSchema, copy);
    if (issues.length > 0) throw new VariableValidationError(this.name, issues, action);
    return copy;
  }
}
