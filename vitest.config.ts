import { defineConfig } from "vitest/config";

// `npm install` brings Node 22 as a dev dependency (the `node` package) and npm puts it first on PATH for
// `npm test`, whatever Node the machine has. An older Node gets here only when vitest is started another way
// or that install was skipped (--ignore-scripts): stop now with the fix, not minutes later inside a test.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  throw new Error(
    `tunechain's tests need Node.js >= 22.12, and this is ${process.version}. Run \`npm install\` (it installs ` +
      "Node 22 into node_modules/.bin) and then `npm test`, or put Node >= 22.12 first on PATH.",
  );
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start loopback servers and child processes; two cores, so keep the pool small.
    maxWorkers: 2,
  },
});
