#!/usr/bin/env node
// The `tunechain` command. Exit codes: see ./exit-codes.ts and `tunechain --help`.
import { runCli } from "./run-cli.js";

const code = await runCli(process.argv.slice(2));
// Exit explicitly: a config's leftovers (keep-alive sockets, a server it started, a pending timer of an
// aborted call) must not keep a finished command alive. stdout and stderr are synchronous for files and
// pipes on POSIX, so nothing written is lost.
process.exit(code);
