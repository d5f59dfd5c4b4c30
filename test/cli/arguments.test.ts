import { describe, expect, it } from "vitest";
import { parseCliArguments } from "../../src/cli/arguments.js";
import { UsageError } from "../../src/cli/errors.js";
import { TunechainError } from "../../src/errors.js";

describe("parseCliArguments", () => {
  it("reads a tune command with every flag as typed values", () => {
    const args = parseCliArguments([
      "tune", "conf.ts", "--epochs", "3", "--concurrency", "16", "--seed", "0", "--budget-calls", "500",
      "--budget-tokens", "100000", "--budget-usd", "1.5", "--checkpoint", "ck.json", "--resume", "--out", "t.json", "--quiet",
    ]);
    expect(args).toEqual({
      command: "tune", target: "conf.ts", epochs: 3, concurrency: 16, seed: 0, budgetCalls: 500,
      budgetTokens: 100000, budgetUsd: 1.5, checkpoint: "ck.json", resume: true, out: "t.json", quiet: true, dryRun: false,
    });
  });

  it.each([
    [["tune"], "`tunechain tune` needs a config file path"],
    [["report"], "`tunechain report` needs a run record path"],
    [["train", "c.ts"], "Unknown command 'train'"],
    [[], "No command given"],
    [["tune", "c.ts", "--epochs", "two"], "--epochs must be an integer ≥ 1, got 'two'"],
    [["tune", "c.ts", "--concurrency", "0"], "--concurrency must be an integer ≥ 1, got '0'"],
    [["tune", "c.ts", "--budget-usd=0"], "--budget-usd must be a positive number of dollars"],
    [["tune", "c.ts", "--resume"], "--resume needs --checkpoint <path>"],
    [["tune", "c.ts", "--bogus"], "Unknown option '--bogus'"],
    [["tune", "a.ts", "b.ts"], "Unexpected argument(s): b.ts"],
  ])("rejects %j with a usage error", (argv, message) => {
    let caught: unknown;
    try {
      parseCliArguments(argv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect(caught).toBeInstanceOf(TunechainError);
    expect((caught as Error).message).toContain(message);
  });

  it("answers help and version before checking the rest", () => {
    expect(parseCliArguments(["--help"]).command).toBe("help");
    expect(parseCliArguments(["-v"]).command).toBe("version");
  });
});
