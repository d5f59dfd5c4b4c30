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

/**
 * The marker of errors that must reach the caller as themselves. A `Symbol.for` key, so two copies of
 * tunechain in one process (a linked checkout and a dependency) still recognise each other's errors.
 */
export const MUST_SURFACE: unique symbol = Symbol.for("tunechain.mustSurface");

/**
 * A TunechainError that no retry, fallback or "record the failure and move on" path may hide: it says the
 * run itself is set up wrong or must stop (a stale fixture cassette, a spent budget), so another attempt
 * gives the same answer and swallowing it makes a broken run look healthy. Retry layers never retry it,
 * and code that turns failures into results (a rejected proposal, a failed example) rethrows it instead,
 * even when an HTTP client or LangChain wrapped it on the way (see findMustSurfaceError).
 */
export class MustSurfaceError extends TunechainError {
  readonly [MUST_SURFACE] = true;
}

/** The first error in `error`'s `cause` chain (itself first) that `matches`; cycles and depth are bounded. */
export function findInCauseChain<T>(error: unknown, matches: (candidate: unknown) => candidate is T): T | undefined {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === "object" && current !== null; ) {
    if (seen.has(current) || seen.size >= 16) return undefined;
    seen.add(current);
    if (matches(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for a MustSurfaceError (by its marker, so another copy of tunechain's errors counts too). */
export function isMustSurfaceError(error: unknown): error is MustSurfaceError {
  return typeof error === "object" && error !== null && (error as { [MUST_SURFACE]?: unknown })[MUST_SURFACE] === true;
}

/**
 * The MustSurfaceError carried by `error`: `error` itself, or one it wraps through `cause` at any depth
 * (the openai client turns an error thrown by a custom fetch into APIConnectionError "Connection error."
 * with the original as `cause`; LangChain may wrap once more). Undefined when there is none. Rethrow what
 * it returns, not `error`, so the caller reads the real message (e.g. which cassette missed).
 */
export function findMustSurfaceError(error: unknown): MustSurfaceError | undefined {
  return findInCauseChain(error, isMustSurfaceError);
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
