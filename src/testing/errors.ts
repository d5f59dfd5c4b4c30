import { MustSurfaceError } from "../errors.js";

/**
 * Replay found no recorded response for a request. A MustSurfaceError: the cassette is stale, so no retry
 * may try again and no optimizer may book it as a bad proposal; the caller gets this error itself.
 */
export class FixtureMissError extends MustSurfaceError {
  readonly cassette: string;
  /** One-line description of the request that was not found. */
  readonly request: string;

  constructor(cassette: string, request: string, reason: string) {
    super(
      `No recorded response in cassette ${cassette} for ${request} (${reason}). ` +
        "The code now sends a request that was not recorded (a changed prompt, model or option), or the cassette " +
        `is stale. Re-record it against a live server with TUNECHAIN_FIXTURES=record (or mode: "record"), ` +
        'or use TUNECHAIN_FIXTURES=auto to record only what is missing; then commit the cassette.',
    );
    this.cassette = cassette;
    this.request = request;
  }
}

/** The fixture mode (option or TUNECHAIN_FIXTURES) is not one we know, or the cassette cannot be read. */
export class FixtureConfigError extends MustSurfaceError {}
