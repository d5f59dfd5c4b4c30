/** Exit codes scripts can rely on; documented in `tunechain --help` and the README. */
export const ExitCode = {
  /** The command did what it was asked. */
  ok: 0,
  /** The run failed: an unexpected error (a bug, a provider outage past the retries, …). */
  failed: 1,
  /** The command line, the config or a dataset is wrong; the message says what to fix. */
  usage: 2,
  /** The budget ran out; tuning kept and saved the best values found until then. */
  budgetExhausted: 3,
  /** Interrupted (Ctrl-C / SIGINT); a checkpoint was saved when one was asked for. 128 + SIGINT(2). */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
