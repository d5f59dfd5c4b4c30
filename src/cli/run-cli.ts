import { readFileSync } from "node:fs";
import { TunechainError } from "../errors.js";
import { parseCliArguments, type CliArguments } from "./arguments.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { HELP_TEXT } from "./help.js";
import { processOutput, type CliOutput } from "./output.js";

/** Runs one `tunechain` command line and returns its exit code; never throws. */
export async function runCli(argv: readonly string[]): Promise<ExitCodeValue> {
  let args: CliArguments;
  const early = processOutput(false);
  try {
    args = parseCliArguments(argv);
  } catch (error) {
    return reportFailure(error, early);
  }
  const output = processOutput(args.quiet);
  try {
    switch (args.command) {
      case "help":
        output.info(HELP_TEXT);
        return ExitCode.ok;
      case "version":
        output.info(packageVersion());
        return ExitCode.ok;
      // Commands load on demand, so help and usage errors answer without loading the training stack.
      case "tune":
        return await (await import("./commands/tune.js")).tuneCommand(args, output);
      case "eval":
        return await (await import("./commands/eval.js")).evalCommand(args, output);
      case "report":
        return await (await import("./commands/report.js")).reportCommand(args, output);
      case "compare":
        return await (await import("./commands/compare.js")).compareCommand(args, output);
    }
  } catch (error) {
    return reportFailure(error, output);
  }
}

/** Typed errors that say the run itself broke (a provider, the program), not what the user wrote. */
const RUN_FAILURES = new Set(["StructuredOutputError", "ModelRequestError", "ModelTimeoutError", "SeedValidationError"]);

/**
 * User mistakes (a TunechainError: bad flag, config, dataset, checkpoint…) get their message and exit 2; a
 * budget that ran out outside fit's clean stop exits 3; anything else is a failure (exit 1) with its stack.
 */
function reportFailure(error: unknown, output: CliOutput): ExitCodeValue {
  if (error instanceof TunechainError && error.name === "BudgetExceededError") {
    output.error(`tunechain: ${error.message}`);
    return ExitCode.budgetExhausted;
  }
  if (error instanceof TunechainError && RUN_FAILURES.has(error.name)) {
    output.error(`tunechain: the run failed: ${error.message}`);
    return ExitCode.failed;
  }
  if (error instanceof TunechainError) {
    output.error(`tunechain: ${error.message}`);
    return ExitCode.usage;
  }
  output.error(`tunechain: the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return ExitCode.failed;
}

function packageVersion(): string {
  const url = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
}
