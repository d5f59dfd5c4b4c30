import { ExitCode } from "./exit-codes.js";

export interface InterruptGuard {
  /** Aborted on the first SIGINT (or SIGTERM); hand it to fit so it stops cleanly and saves its checkpoint. */
  readonly signal: AbortSignal;
  readonly interrupted: boolean;
  /** Removes the handlers (call when the command is done). */
  dispose(): void;
}

/**
 * Turns Ctrl-C into an abort signal instead of killing the process, so the run can save its checkpoint and
 * record. A second Ctrl-C quits at once, for when the clean stop is stuck on a slow provider.
 */
export function guardInterrupts(write: (text: string) => void): InterruptGuard {
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (name: NodeJS.Signals) => {
    if (interrupted) {
      write(`\n${name} again: quitting without waiting.\n`);
      process.exit(ExitCode.interrupted);
    }
    interrupted = true;
    write(`\n${name}: stopping after the current step and saving what the run has (${name} again to quit now)…\n`);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    get interrupted() {
      return interrupted;
    },
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
