// Diagnostic (see docs/BENCHMARKS.md, "quality"): why fit's stall rule ends a GEPA run as "nothing left to
// improve" while training examples still fail and metric budget is left.
// Run: npx tsx bench/quality/repros/stall-stop.ts
//
// The bench's clean task with GEPA at default settings and maxMetricCalls 480 (seeds 1–10). fit stops a run
// after max(3, ceil(trainset / batchSize)) = 5 steps in which no program run was paid. Perfect minibatches no
// longer cause it (GEPA draws up to 10 per step); what is left is the stand-in proposing candidates it already
// proposed (counted as "duplicate" in the printed proposal stats), which costs reflection calls and no run.
import { evaluate } from "../../../src/index.js";
import { runOnce } from "../runner.js";
import { qualityTasks } from "../tasks.js";
import { makeReward } from "../world.js";

const task = qualityTasks().find((t) => t.id === "clean");
if (!task) throw new Error("no clean task");
for (let seed = 1; seed <= 10; seed++) {
  const outcome = await runOnce(task, "GEPA", seed, 480);
  const { program } = task.build();
  const onTrain = await evaluate(program, {
    dataset: task.splits.train,
    reward: makeReward({ feedback: false, longFormat: false }),
    values: outcome.result.best.values,
  });
  const failing = onTrain.scores.filter((s) => s < 1).length;
  console.log(
    `seed ${seed}: ${outcome.metricCalls}/480 metric calls, ${failing} of ${task.splits.train.length} training examples still wrong, ` +
      `test ${outcome.test.toFixed(3)}; stopped: ${outcome.stoppedBy ?? outcome.status}; ${JSON.stringify(outcome.result.proposals)}`,
  );
}
