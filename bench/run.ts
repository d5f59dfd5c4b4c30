// Runs every benchmark part in bench/parts/*.ts, one after another (they measure wall time, so never in
// parallel). `npm run bench -- model` runs only the parts whose file name contains "model".
import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** What each file in bench/parts exports. */
export interface BenchPart {
  /** One line shown before the part runs. */
  title: string;
  /** Runs the measurements and prints a table; resolves false when a target was missed. */
  run(): Promise<boolean>;
}

const partsDir = join(dirname(fileURLToPath(import.meta.url)), "parts");
const filters = process.argv.slice(2);
const files = (await readdir(partsDir))
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`No bench part in ${partsDir} matches ${filters.join(", ") || "(all)"}.`);
  process.exit(1);
}

let allMet = true;
for (const file of files) {
  const part = (await import(pathToFileURL(join(partsDir, file)).href)) as Partial<BenchPart>;
  if (typeof part.run !== "function") {
    console.error(`bench/parts/${file} exports no run(): export { title, run } as described in bench/run.ts.`);
    process.exit(1);
  }
  console.log(`\n== ${file}: ${part.title ?? ""}`);
  const met = await part.run();
  allMet &&= met;
}
console.log(allMet ? "\nAll targets met." : "\nSome targets were missed (see above).");
process.exitCode = allMet ? 0 : 1;
