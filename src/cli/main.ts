#!/usr/bin/env node
// The `tunechain` command. Exit codes: see ./exit-codes.ts and `tunechain --help`.
import { runCli } from "./run-cli.js";

process.exitCode = await runCli(process.argv.slice(2));
