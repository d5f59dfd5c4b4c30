/**
 * Base class of every error a tunechain user can cause. Subclasses name what was wrong and how to fix it,
 * so `catch (e) { if (e instanceof TunechainError) … }` separates user mistakes from bugs.
 */
export class TunechainError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A constructor was given keys it does not know (a typo, or an option of another class). */
export class UnknownArgumentError extends TunechainError {
  readonly unknownKeys: string[];

  constructor(owner: string, unknownKeys: string[], knownKeys: readonly string[]) {
    super(
      `Argument(s) not recognized by ${owner}: ${unknownKeys.map((k) => `'${k}'`).join(", ")}. ` +
        `Known arguments: ${knownKeys.join(", ")}. Check the spelling or remove them.`,
    );
    this.unknownKeys = unknownKeys;
  }
}

/** Throws UnknownArgumentError when `fields` has keys outside `known`. */
export function rejectUnknownArguments(owner: string, fields: object, known: readonly string[]): void {
  const unknown = Object.keys(fields).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new UnknownArgumentError(owner, unknown, known);
}
