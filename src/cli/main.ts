#!/usr/bin/env node
// The `tunechain` command. Exit codes: see ./exit-codes.ts and `tunechain --help`.
import { runCli } from "./run-cli.js";

const code = await runCli(process.argv.slice(2));
// Exit explicitly: a config's leftovers (keep-alive sockets, a server it started, the timer of an aborted
// call) must not keep a finished command alive. Pipes are asynchronous on some systems (macOS), so wait
// until what was written has been handed over first.
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
