// Reproduction (library behaviour, see docs/BENCHMARKS.md, "quality"): fit's stall rule ends a GEPA run as
// "nothing left to improve" while training examples still fail and much of the metric budget is left.
// Run: npx tsx bench/quality/repros/stall-stop.ts
//
// The bench's clean task with GEPA at default settings and maxMetricCalls 480 (seeds 1–10). fit stops a run
// after max(3, ceil(trainset / batchSize)) = 5 steps in which no program run was paid. GEPA draws its own
// minibatches of 3 (not fit's batches of 8) and skips a minibatch on which the parent is already perfect, paying
// nothing once the parent's answers are cached; with 2 of 40 training examples failing, 85% of minibatches are
// perfect, so five such steps in a row are likely long before the failing examples are drawn.
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
      `test ${outcome.test.toFixed(3)}; stopped: ${outcome.stoppedBy ?? outcome.status}`,
  );
}
