// compare(): a scripted-better optimizer ranks first with p < 0.05; two equally good ones give a large p; the
// program is put back; the report is self-contained and escaped; bad options are typed errors that say the fix.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  compare,
  CompareOptionsError,
  CompareRunError,
  exactMatch,
  formatComparisonTable,
  renderComparisonReport,
  resolveBudgetPreset,
  type CompareOptions,
} from "../../src/index.js";
import { keywordExamples, keywordProgram, RuleWriter, SEED_INSTRUCTIONS } from "./support/keyword-world.js";

const TMP = join(import.meta.dirname, "..", ".tmp");

function setup() {
  const { program, prompt } = keywordProgram();
  const base = {
    trainset: keywordExamples("t", 32),
    valset: keywordExamples("v", 8),
    testset: keywordExamples("x", 40),
    reward: exactMatch(),
    batchSize: 4,
    maxMetricCalls: 80,
  };
  return { program, prompt, base };
}

describe("compare", () => {
  it("ranks the optimizer scripted to be better first, with p < 0.05 against it, and leaves the program as it was", async () => {
    const { program, prompt, base } = setup();
    const runs: string[] = [];
    const result = await compare(program, {
      ...base,
      // Listed worse first, so the ranking is the statistics' doing, not the order given.
      optimizers: {
        careless: ({ seed }) => new RuleWriter({ skill: 0.3, seed }),
        careful: ({ seed }) => new RuleWriter({ skill: 0.9, seed }),
      },
      seeds: 8,
      onRun: (run) => runs.push(`${run.optimizer}/${run.seed}`),
    });
    expect(result.best).toBe("careful");
    expect(result.rows.map((r) => r.optimizer)).toEqual(["careful", "careless"]);
    const [best, other] = result.rows as [(typeof result.rows)[0], (typeof result.rows)[0]];
    expect(best.rank).toBe(1);
    expect(best.test).toBeUndefined();
    expect(best.mean).toBeGreaterThan(other.mean + 0.2);
    expect(best.wins).toBe(8);
    expect(other.test?.method).toBe("exact");
    expect(other.test?.pairs).toBe(8);
    expect(other.test?.pValue).toBeLessThan(0.05);
    expect(other.test?.adjustedPValue).toBe(other.test?.pValue); // one comparison: Holm changes nothing
    expect(other.test?.meanDifference).toBeCloseTo(other.mean - best.mean, 12);
    // Every (optimizer, seed) ran once, seed by seed, each within the same budget.
    expect(runs).toHaveLength(16);
    expect(runs.slice(0, 2)).toEqual(["careless/0", "careful/0"]);
    expect(result.runs.every((run) => run.metricCalls <= 80)).toBe(true);
    expect(result.runs.every((run) => run.exampleScores.length === 40)).toBe(true);
    for (const run of result.runs) {
      expect(run.testScore).toBeCloseTo(run.exampleScores.reduce((a, b) => a + b, 0) / 40, 12);
    }
    expect(result.settings).toMatchObject({ seeds: [0, 1, 2, 3, 4, 5, 6, 7], maxMetricCalls: 80, pairing: "seeds", testSize: 40 });
    expect(result.settings.optimizers).toEqual({ careless: ["RuleWriter"], careful: ["RuleWriter"] });
    // The program holds its initial values again; each run's own values are in the result.
    expect(prompt.variable.json().instructions).toBe(SEED_INSTRUCTIONS);
    expect(result.runs.some((run) => String(run.values.team?.instructions).includes("When the text mentions"))).toBe(true);

    const table = formatComparisonTable(result);
    expect(table).toContain("| 1 | careful |");
    expect(table).toMatch(/\| 2 \| careless \| [\d.]+ ± [\d.]+ \| [\d.–]+ \| \d\/8 \| −[\d.]+ \| 0\.0\d\d \| 0\.0\d\d \|/);
    expect(table).toContain("exact over all 256 sign patterns");
  });

  it("gives a p-value that is not small when two optimizers are equally good", async () => {
    const { program, base } = setup();
    const result = await compare(program, {
      ...base,
      // Same skill, their own random streams: equal in distribution, different run by run.
      optimizers: {
        first: ({ seed }) => new RuleWriter({ skill: 0.6, seed }),
        second: ({ seed }) => new RuleWriter({ skill: 0.6, seed: seed + 1000 }),
      },
      seeds: 8,
    });
    const other = result.rows[1]!;
    // The runs do differ (this is not a test of identical numbers)…
    expect(result.runs.filter((r) => r.optimizer === "first").map((r) => r.testScore)).not.toEqual(
      result.runs.filter((r) => r.optimizer === "second").map((r) => r.testScore),
    );
    // …but not in a way the test takes for a difference.
    expect(other.test!.pValue).toBeGreaterThan(0.2);
    expect(other.test!.adjustedPValue).toBeGreaterThan(0.2);
  });

  it("pairs by seed and test example when asked (Monte Carlo), which gives smaller p-values than pairing by seed", async () => {
    const { program, base } = setup();
    const options = {
      ...base,
      optimizers: {
        careful: ({ seed }: { seed: number }) => new RuleWriter({ skill: 0.9, seed }),
        careless: ({ seed }: { seed: number }) => new RuleWriter({ skill: 0.3, seed }),
      },
      seeds: [3, 4, 5],
    };
    const bySeed = await compare(program, options);
    const byExample = await compare(program, { ...options, pairing: "examples", permutations: 2000 });
    expect(bySeed.rows[1]!.test!.pValue).toBe(0.25); // 3 seeds: the exact floor 2^(1−3)
    expect(bySeed.notes.join("\n")).toContain("With 3 seed(s) the seed-paired test cannot give a p-value below 0.250");
    expect(byExample.rows[1]!.test).toMatchObject({ method: "monte-carlo", pairs: 120, permutations: 2000 });
    expect(byExample.rows[1]!.test!.pValue).toBeLessThan(0.01);
    // Same runs, same scores: only the test differs.
    expect(byExample.rows.map((r) => r.scores)).toEqual(bySeed.rows.map((r) => r.scores));
  });

  it("adjusts the p-values of three contenders with Holm, and resolves a preset to the largest of theirs", async () => {
    const { program, base } = setup();
    const result = await compare(program, {
      ...base,
      maxMetricCalls: "light",
      optimizers: {
        careful: ({ seed }) => new RuleWriter({ skill: 0.9, seed }),
        middling: ({ seed }) => new RuleWriter({ skill: 0.5, seed }),
        // Two optimizers in one fit: a step costs more, so its preset is larger.
        pair: ({ seed }) => [new RuleWriter({ skill: 0.3, seed, name: "a" }), new RuleWriter({ skill: 0.3, seed: seed + 7, name: "b" })],
      },
      seeds: 6,
    });
    const shape = { trainSize: 32, valSize: 8, batchSize: 4, variables: [keywordProgram().prompt.variable] };
    const single = resolveBudgetPreset("light", { ...shape, optimizers: [new RuleWriter({ skill: 1, seed: 0 })] }).maxMetricCalls;
    const pair = resolveBudgetPreset("light", {
      ...shape,
      optimizers: [new RuleWriter({ skill: 1, seed: 0, name: "a" }), new RuleWriter({ skill: 1, seed: 0, name: "b" })],
    }).maxMetricCalls;
    expect(pair).toBeGreaterThan(single);
    expect(result.settings).toMatchObject({ budgetPreset: "light", maxMetricCalls: pair, presetByOptimizer: { careful: single, middling: single, pair } });
    expect(result.settings.optimizers.pair).toEqual(["RuleWriter", "RuleWriter"]);
    const tested = result.rows.filter((r) => r.test);
    expect(tested).toHaveLength(2);
    const [low, high] = [...tested].sort((a, b) => a.test!.pValue - b.test!.pValue);
    // Holm: the smaller p doubled, the larger one kept (but never below the first).
    expect(low!.test!.adjustedPValue).toBeCloseTo(Math.min(1, 2 * low!.test!.pValue), 12);
    expect(high!.test!.adjustedPValue).toBeCloseTo(Math.max(high!.test!.pValue, low!.test!.adjustedPValue), 12);
    expect(result.notes.join("\n")).toContain("The best was picked from the data");
  });

  it("writes a self-contained, script-free HTML report with every name escaped", async () => {
    const { program, base } = setup();
    const reportPath = join(TMP, `compare-${process.pid}.html`);
    const result = await compare(program, {
      ...base,
      optimizers: {
        "<img src=x onerror=alert(1)>": ({ seed }) => new RuleWriter({ skill: 0.9, seed }),
        plain: ({ seed }) => new RuleWriter({ skill: 0.4, seed }),
      },
      seeds: 2,
      reportPath,
    });
    const html = await readFile(reportPath, "utf8");
    expect(html).toBe(renderComparisonReport({ ...result, finishedAt: result.finishedAt }));
    expect(html).toContain('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'');
    expect(html).not.toMatch(/<script|<img|<link|src=["']?http|@import/i);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain('<table class="ranking">');
    expect(html).toContain("How the p-values are computed");
    expect(html).toContain("<svg class=\"strip\"");
  });

  it("puts the program back when a run fails, and names the run", async () => {
    const { program, prompt, base } = setup();
    let built = 0;
    const run = compare(program, {
      ...base,
      optimizers: {
        fine: ({ seed }) => new RuleWriter({ skill: 0.9, seed }),
        broken: ({ seed }) => {
          built += 1;
          const optimizer = new RuleWriter({ skill: 0.9, seed });
          // Fails in its second run (seed 1), after the runs of seed 0 changed the program.
          if (built > 1) optimizer.optimize = async () => Promise.reject(new Error("optimizer exploded"));
          return optimizer;
        },
      },
      seeds: 2,
    });
    await expect(run).rejects.toBeInstanceOf(CompareRunError);
    await expect(run).rejects.toThrow("The run of 'broken' with seed 1 failed: optimizer exploded");
    expect(prompt.variable.json().instructions).toBe(SEED_INSTRUCTIONS);
  });

  describe("options", () => {
    const fresh = ({ seed }: { seed: number }) => new RuleWriter({ skill: 0.5, seed });
    const cases: [string, (base: ReturnType<typeof setup>["base"]) => unknown, string][] = [
      ["one contender", (b) => ({ ...b, optimizers: { only: fresh } }), "compare needs at least two entries in `optimizers`"],
      ["an instance instead of a factory", (b) => ({ ...b, optimizers: { a: fresh, b: new RuleWriter({ skill: 1, seed: 0 }) } }), "optimizers.b must be a function returning fresh optimizers"],
      ["no budget", (b) => ({ ...b, maxMetricCalls: undefined, optimizers: { a: fresh, b: fresh } }), "compare gives every optimizer the same metric budget: pass `maxMetricCalls`"],
      ["a usage budget", (b) => ({ ...b, budget: { maxCalls: 10 }, optimizers: { a: fresh, b: fresh } }), "compare does not take `budget`"],
      ["a seed", (b) => ({ ...b, seed: 3, optimizers: { a: fresh, b: fresh } }), "compare sets each run's seed from `seeds`"],
      ["a seed twice", (b) => ({ ...b, seeds: [1, 2, 1], optimizers: { a: fresh, b: fresh } }), "seeds lists 1 twice"],
      ["no testset", (b) => ({ ...b, testset: [], optimizers: { a: fresh, b: fresh } }), "compare needs a non-empty `testset`"],
      ["an unknown pairing", (b) => ({ ...b, pairing: "tests", optimizers: { a: fresh, b: fresh } }), 'pairing must be "seeds" or "examples"'],
      ["a typo", (b) => ({ ...b, seed_list: [1], optimizers: { a: fresh, b: fresh } }), "compare does not know the option(s) 'seed_list'"],
    ];
    it.each(cases)("refuses %s with a CompareOptionsError saying what to do", async (_name, make, message) => {
      const { program, base } = setup();
      const run = compare(program, make(base) as CompareOptions);
      await expect(run).rejects.toBeInstanceOf(CompareOptionsError);
      await expect(run).rejects.toThrow(message);
    });

    it("refuses a factory that hands out the same optimizer twice, when it does", async () => {
      const { program, base } = setup();
      const shared = new RuleWriter({ skill: 0.5, seed: 0 });
      let runs = 0;
      const run = compare(program, { ...base, optimizers: { a: fresh, b: () => shared }, seeds: 2, onRun: () => void (runs += 1) });
      await expect(run).rejects.toThrow("optimizers.b returned the same optimizer object as an earlier run");
      expect(runs).toBe(3); // a and b with seed 0, a with seed 1; then b's second build was refused
    });
  });
});
