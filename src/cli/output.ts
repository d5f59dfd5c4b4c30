/** Where the CLI writes: results on stdout, progress and errors on stderr (so stdout pipes cleanly). */
export interface CliOutput {
  /** A result line, on stdout. */
  info(text: string): void;
  /** A notice or error, on stderr. */
  error(text: string): void;
  /** Whether a progress bar should be drawn. */
  readonly progress: boolean;
}

export function processOutput(quiet: boolean): CliOutput {
  return {
    info: (text) => process.stdout.write(`${text}\n`),
    error: (text) => process.stderr.write(`${text}\n`),
    progress: !quiet && process.stderr.isTTY === true,
  };
}
