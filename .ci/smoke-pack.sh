#!/usr/bin/env bash
# Installs the packed tarball where a user would and uses it the ways users do: ESM and CommonJS from plain
# Node, TypeScript projects of both kinds (nodenext: type-checked, then run), node16 and bundler resolution
# (type-checked), and the `tunechain` bin with and without tsx. Run from the repository root after `npm run build`.
set -euo pipefail
repo="$(pwd)"
# The package needs Node >= 22.12 (its CommonJS build require()s ESM-only dependencies); the repository's
# `node` dev dependency brings it, whatever Node the machine has, and its tsc checks the consumers.
export PATH="$repo/node_modules/.bin:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version_of() { node -p "require('$repo/node_modules/$1/package.json').version"; }

tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
cd "$work"
# One install at the top; esm/ and cjs/ below it are two projects (each its own package.json and module
# kind) that resolve from it, like a monorepo's packages.
echo '{ "name": "tunechain-smoke", "private": true }' > package.json
npm install --no-audit --no-fund --loglevel=error "./$tarball" \
  "@langchain/core@$(version_of @langchain/core)" "@types/node@$(version_of @types/node)"

# A library install stays lean: tsx (with its esbuild binary) and openai are optional peers.
for absent in tsx esbuild openai; do
  if [ -e "node_modules/$absent" ]; then
    echo "smoke: installing tunechain pulled in $absent" >&2
    exit 1
  fi
done

mkdir esm cjs
echo '{ "type": "module" }' > esm/package.json
echo '{}' > cjs/package.json # no "type": CommonJS, Node's default

# Plain Node, no TypeScript, no openai installed: both entry points through the exports map. The testing
# kit's errors must extend the main entry's TunechainError (one copy of the modules they share).
cat > esm/plain.mjs <<'JS'
const main = await import("tunechain");
const testing = await import("tunechain/testing");
if (typeof main.fit !== "function" || !(new testing.FixtureMissError("c", "r", "x") instanceof main.TunechainError)) {
  throw new Error("smoke: ESM exports missing or duplicated");
}
console.log("esm import ok:", Object.keys(main).length, "exports");
JS
cat > cjs/plain.cjs <<'JS'
const main = require("tunechain");
const testing = require("tunechain/testing");
if (typeof main.fit !== "function" || !(new testing.FixtureMissError("c", "r", "x") instanceof main.TunechainError)) {
  throw new Error("smoke: CommonJS exports missing or duplicated");
}
if (!require.resolve("tunechain/testing").includes("/dist/cjs/")) throw new Error("smoke: require() did not get the CommonJS build");
console.log("cjs require ok:", Object.keys(main).length, "exports");
JS
node esm/plain.mjs
node cjs/plain.cjs

# The bin (ESM) runs from the install. A JavaScript config needs nothing more; a TypeScript one says how to
# get tsx.
cat > cjs/tune.config.mjs <<'JS'
import { RunnableLambda } from "@langchain/core/runnables";
import { exactMatch } from "tunechain";
export const program = RunnableLambda.from((input) => (input.n % 2 === 0 ? "even" : "odd"));
export const reward = exactMatch();
export const dataset = [{ input: { n: 2 }, expected: "even" }, { input: { n: 3 }, expected: "odd" }];
JS
help_text="$(npx --no-install tunechain --help)"
echo "${help_text%%$'\n'*}"
npx --no-install tunechain eval cjs/tune.config.mjs --quiet
echo 'export {};' > cjs/tune.config.ts
status=0
message="$(npx --no-install tunechain eval cjs/tune.config.ts 2>&1)" || status=$?
if [ "$status" != 2 ] || [[ "$message" != *"npm install --save-dev tsx"* ]]; then
  echo "smoke: a .ts config without tsx should exit 2 and say how to install it; got $status: $message" >&2
  exit 1
fi
echo "ts config without tsx: exit 2 with the fix"

# TypeScript consumers. tunechain's declarations name openai's types (fromOpenAI), so a project that checks
# them (skipLibCheck off) has openai installed.
npm install --no-audit --no-fund --loglevel=error --no-save "openai@$(version_of openai)"
smoke_body='
import { Optimizer, TunechainError, Variable, containsSchema, type OptimizationContext } from "tunechain";
import { FixtureMissError, ScriptedLanguageModel } from "tunechain/testing";

class Echo extends Optimizer {
  async optimize(variable: Variable<object>, _reward: number | undefined, _context: OptimizationContext) {
    variable.update({ text: "tuned" });
  }
  async finalize() {}
}

export async function smoke(): Promise<string> {
  const schema = { type: "object", properties: { text: { type: "string" } } };
  const variable = new Variable({ value: { text: "seed" }, schema });
  const optimizer = new Echo({ schema });
  const out = await optimizer.invoke({ variables: [variable] });
  const model = new ScriptedLanguageModel({ respond: () => "ok" });
  if (out.iteration !== 1 || variable.get("text" as never) !== "tuned" || !containsSchema(variable.schema(), optimizer.schema())) {
    throw new Error("smoke: unexpected optimizer behaviour");
  }
  if (!(new FixtureMissError("c", "r", "x") instanceof TunechainError)) throw new Error("smoke: two copies of the errors");
  return `${String(optimizer)} ${model.modelName}`;
}
'
printf '%s\nconsole.log("ts esm ok:", await smoke());\n' "$smoke_body" > esm/smoke.ts
# CommonJS has no top-level await.
printf '%s\nvoid smoke().then((line) => console.log("ts cjs ok:", line));\n' "$smoke_body" > cjs/smoke.ts
tsconfig() { # module moduleResolution noEmit skipLibCheck
  printf '{ "compilerOptions": { "module": "%s", "moduleResolution": "%s", "noEmit": %s, "skipLibCheck": %s, "outDir": "out", "target": "es2023", "lib": ["esnext", "dom"], "strict": true, "types": ["node"] }, "files": ["smoke.ts"] }\n' "$@"
}
for project in esm cjs; do
  tsconfig nodenext nodenext false false > "$project/tsconfig.json"
  # node16 cannot check @langchain/core's own CommonJS declarations (base.d.cts imports the ESM-typed
  # js-tiktoken/lite: TS1479), so libraries are skipped there, as such a project has to; imports still resolve.
  tsconfig node16 node16 true true > "$project/tsconfig.node16.json"
  tsc -p "$project/tsconfig.json"
  tsc -p "$project/tsconfig.node16.json"
  node "$project/out/smoke.js"
done
grep -q 'require("tunechain")' cjs/out/smoke.js # the CommonJS project really compiled to require()
tsconfig preserve bundler true false > esm/tsconfig.bundler.json
tsc -p esm/tsconfig.bundler.json
echo "smoke: typescript nodenext (esm, cjs: checked and run), node16 (esm, cjs), bundler: ok"
