import { TunechainError } from "../errors.js";

export interface ValidationIssue {
  /** JSON pointer of the offending value, "" for the root. */
  path: string;
  message: string;
}

export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `  - ${issue.path || "(root)"}: ${issue.message}`).join("\n");
}

/** A value does not match its schema. The variable it was meant for keeps its old value. */
export class VariableValidationError extends TunechainError {
  readonly variableName: string;
  readonly issues: ValidationIssue[];

  constructor(variableName: string, issues: ValidationIssue[], action = "assign") {
    super(
      `Invalid value for variable '${variableName}' (${action} refused, the old value is kept):\n` +
        `${formatIssues(issues)}\nPass a value that matches the variable's schema (see variable.schema()).`,
    );
    this.variableName = variableName;
    this.issues = issues;
  }
}

/** A schema is missing, malformed, or cannot be compiled. */
export class SchemaError extends TunechainError {}
