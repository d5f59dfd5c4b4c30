#!/usr/bin/env bash
# Installs the packed tarball into a throwaway ESM project and imports both entry points, with types.
set -euo pipefail
repo="$(pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
cd "$work"
cat > package.json <<'JSON'
{ "name": "tunechain-smoke", "private": true, "type": "module" }
JSON
core_version="$(node -p "require('$repo/node_modules/@langchain/core/package.json').version")"
types_node_version="$(node -p "require('$repo/node_modules/@types/node/package.json').version")"
npm install --no-audit --no-fund --loglevel=error "./$tarball" "@langchain/core@$core_version" "@types/node@$types_node_version"
cat > smoke.ts <<'TS'
import { Optimizer, Variable, containsSchema, type OptimizationContext } from "tunechain";
import { ScriptedLanguageModel } from "tunechain/testing";

class Echo extends Optimizer {
  async optimize(variable: Variable<object>, _reward: number | undefined, _context: OptimizationContext) {
    variable.update({ text: "tuned" });
  }
  async finalize() {}
}
const variable = new Variable({ value: { text: "seed" }, schema: { type: "object", properties: { text: { type: "string" } } } });
const optimizer = new Echo({ schema: { type: "object", properties: { text: { type: "string" } } } });
const out = await optimizer.invoke({ variables: [variable] });
const model = new ScriptedLanguageModel({ respond: () => "ok" });
if (out.iteration !== 1 || variable.get("text" as never) !== "tuned" || !containsSchema(variable.schema(), optimizer.schema())) {
  throw new Error("smoke: unexpected optimizer behaviour");
}
console.log("smoke ok:", String(optimizer), model.modelName);
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "module": "nodenext", "moduleResolution": "nodenext", "target": "es2023", "lib": ["esnext", "dom"], "strict": true, "noEmit": true, "skipLibCheck": false, "types": ["node"] }, "files": ["smoke.ts"] }
JSON
"$repo/node_modules/.bin/tsc" -p tsconfig.json
cp smoke.ts smoke.mts
"$repo/node_modules/.bin/tsx" smoke.mts
# Plain Node (no TypeScript loader) must resolve both entry points through the exports map.
cat > plain.mjs <<'JS'
const main = await import("tunechain");
const testing = await import("tunechain/testing");
if (typeof main.Optimizer !== "function" || typeof testing.ScriptedLanguageModel !== "function") {
  throw new Error("smoke: exports missing");
}
console.log("plain node import ok:", Object.keys(main).length, "exports");
JS
node plain.mjs
# The package's bin runs from the installed tarball.
help_text="$(npx --no-install tunechain --help)"
echo "${help_text%%$'\n'*}"
