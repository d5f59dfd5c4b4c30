// `tunechain compare <config>`: the ranking with p-values on stdout, the HTML report and JSON, --dry-run, and
// errors that name the config's file and line.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runTunechain } from "./run-tunechain.js";

const ROOT = join(import.meta.dirname, "..", "..");
const TMP = join(ROOT, "test", ".tmp");

/**
 * A compare config over the keyword world of test/compare: a careful and a careless scripted optimizer. The task
 * model appends a line to $CALL_LOG on every call, so a test can tell whether the program ran.
 */
function compareConfig(): string {
  return `import { appendFileSync } from "node:fs";
import { RunnableLambda } from "@langchain/core/runnables";
import type { ChatPromptValueInterface } from "@langchain/core/prompt_values";
import { exactMatch, TrainablePrompt } from ${JSON.stringify(join(ROOT, "src", "index.ts"))};
import { answerFor, keywordExamples, RuleWriter } from ${JSON.stringify(join(ROOT, "test", "compare", "support", "keyword-world.ts"))};

const prompt = new TrainablePrompt({ name: "team", instructions: "Label the customer text with a team.", messages: "Text: {text}" });
const model = RunnableLambda.from(async (value: ChatPromptValueInterface) => {
  if (process.env.CALL_LOG) appendFileSync(process.env.CALL_LOG, "call\\n");
  const messages = value.toChatMessages();
  const system = messages.filter((m) => m.getType() === "system").map((m) => String(m.content)).join("\\n");
  return answerFor(system, String(messages.at(-1)?.content ?? "").replace(/^Text:\\s*/, ""));
});

export const program = prompt.pipe(model);
export const reward = exactMatch();
export const trainset = keywordExamples("t", 32);
export const valset = keywordExamples("v", 8);
export const testset = keywordExamples("x", 40);
export const fit = { batchSize: 4 };
export const compare = {
  optimizers: {
    careful: ({ seed }: { seed: number }) => new RuleWriter({ skill: 0.9, seed }),
    careless: ({ seed }: { seed: number }) => new RuleWriter({ skill: 0.3, seed }),
  },
  seeds: 6,
  maxMetricCalls: 80,
};
`;
}

async function project(body = compareConfig()): Promise<{ dir: string; config: string }> {
  await mkdir(TMP, { recursive: true });
  const dir = await mkdtemp(join(TMP, "compare-"));
  const config = join(dir, "compare.config.ts");
  await writeFile(config, body);
  return { dir, config };
}

const lineOf = (body: string, text: string) => body.split("\n").findIndex((line) => line.includes(text)) + 1;

describe("tunechain compare", () => {
  it("prints the ranking with p-values and writes the HTML report and the comparison as JSON", async () => {
    const { dir, config } = await project();
    const result = await runTunechain(["compare", config, "--out", "out/cmp.html"], { cwd: dir });
    expect(result.stderr).not.toContain("failed");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("run 12/12: careless, seed 5: test");
    expect(result.stdout).toContain("Test mean over 6 seed(s) (0, 1, 2, 3, 4, 5), 40 test examples, maxMetricCalls 80 per run.");
    expect(result.stdout).toContain("| rank | optimizer | test mean ± sd | min–max | wins | Δ vs best | p (sign-flip) | p (Holm) |");
    expect(result.stdout).toMatch(/\| 1 \| careful \| [\d.]+ ± [\d.]+ \|/);
    // 6 seeds, careful ahead on every one: the exact floor 2 / 64.
    expect(result.stdout).toMatch(/\| 2 \| careless \| .* \| 0\.031 \| 0\.031 \|/);
    const html = await readFile(join(dir, "out", "cmp.html"), "utf8");
    expect(html).toContain('<table class="ranking">');
    expect(html).not.toContain("<script");
    const json = JSON.parse(await readFile(join(dir, "out", "cmp.json"), "utf8")) as { best: string; runs: unknown[] };
    expect(json.best).toBe("careful");
    expect(json.runs).toHaveLength(12);
  });

  it("takes --seeds, --max-metric-calls and --pairing from the command line", async () => {
    const { dir, config } = await project();
    const result = await runTunechain(["compare", config, "--seeds", "2,3,4", "--max-metric-calls", "light", "--pairing", "seeds", "--quiet"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    // light: 8 (seed validation) + 6 steps × (batch 4 + 4) + 0 epoch ends (8 steps an epoch) + 8 (final) = 64
    expect(result.stdout).toContain('Test mean over 3 seed(s) (2, 3, 4), 40 test examples, maxMetricCalls 64 (preset "light") per run.');
    expect(result.stdout).toContain("With 3 seed(s) the seed-paired test cannot give a p-value below 0.250");
    expect(existsSync(join(dir, "comparison.html"))).toBe(true);
  });

  it("--dry-run prints what each contender's runs would spend and runs nothing", async () => {
    const { dir, config } = await project(
      compareConfig().replace("export const fit = { batchSize: 4 };", 'export const fit = { batchSize: 4 };\nexport const prices = { x: { inputPerMillionUsd: 1, outputPerMillionUsd: 2 } };'),
    );
    const log = join(dir, "calls.log");
    const result = await runTunechain(["compare", config, "--dry-run"], { cwd: dir, env: { CALL_LOG: log } });
    expect(result.code).toBe(0);
    expect(existsSync(log)).toBe(false);
    expect(existsSync(join(dir, "comparison.html"))).toBe(false);
    expect(result.stdout).toContain(`Dry run of ${config}: 2 optimizers × 6 seeds = 12 runs, maxMetricCalls 80 each.`);
    expect(result.stdout).toContain("careful — one run:");
    expect(result.stdout).toContain("program runs (metric calls)  80");
    // 12 runs × (80 within the budget + 40 on the testset).
    expect(result.stdout).toContain("All 12 runs: 960 program runs within the budgets + 480 on the testset");
  });
});

describe("tunechain compare errors name the config's file and line", () => {
  it("an optimizer instance where a factory belongs", async () => {
    const body = compareConfig().replace(
      "careless: ({ seed }: { seed: number }) => new RuleWriter({ skill: 0.3, seed }),",
      "careless: new RuleWriter({ skill: 0.3, seed: 0 }),",
    );
    const { dir, config } = await project(body);
    const result = await runTunechain(["compare", config], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${config}:${lineOf(body, "careless:")}: \`compare.optimizers.careless\` must be a function returning fresh optimizers`);
  });

  it("a factory that throws, at the line of the throw", async () => {
    const body = compareConfig().replace(
      "careless: ({ seed }: { seed: number }) => new RuleWriter({ skill: 0.3, seed }),",
      'careless: ({ seed }: { seed: number }) => {\n      throw new Error("no model key for seed " + seed);\n    },',
    );
    const { dir, config } = await project(body);
    const result = await runTunechain(["compare", config], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${config}:${lineOf(body, "throw new Error")}: \`compare.optimizers.careless\` threw when called with { seed: 0 }: no model key for seed 0`);
  });

  it("a bad budget, a missing testset, a missing compare export", async () => {
    const badBudget = compareConfig().replace("maxMetricCalls: 80,", 'maxMetricCalls: "lots",');
    const first = await project(badBudget);
    const budget = await runTunechain(["compare", first.config], { cwd: first.dir });
    expect(budget.code).toBe(2);
    expect(budget.stderr).toContain(`${first.config}:${lineOf(badBudget, "maxMetricCalls")}: \`compare.maxMetricCalls\` must be a positive integer or one of "light", "medium", "heavy"`);

    const noTest = compareConfig().replace('export const testset = keywordExamples("x", 40);\n', "");
    const second = await project(noTest);
    const missing = await runTunechain(["compare", second.config], { cwd: second.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${second.config}: has no \`testset\`; compare judges the optimizers on held-out examples`);

    const noCompare = compareConfig().replace(/export const compare = \{[\s\S]*$/, "");
    const third = await project(noCompare);
    const absent = await runTunechain(["compare", third.config], { cwd: third.dir });
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain(`${third.config}: exports no \`compare\`; export \`compare = { optimizers: { name: ({ seed }) =>`);
  });

  it("a bad flag", async () => {
    const { dir, config } = await project();
    const result = await runTunechain(["compare", config, "--seeds", "1,1"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--seeds lists 1 twice");
  });
});
