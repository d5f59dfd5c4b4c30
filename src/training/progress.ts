import cliProgress from "cli-progress";
import type { TrainingHooks } from "./hooks.js";

/**
 * A terminal progress bar, as a training hook: over program runs when a metric budget drives the run, else
 * over training steps.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stdout): TrainingHooks {
  let bar: cliProgress.SingleBar | undefined;
  let perEpoch = 0;
  let byRuns = false;
  return {
    onTrainBegin(info) {
      perEpoch = info.batchesPerEpoch;
      byRuns = info.maxMetricCalls !== undefined;
      const unit = byRuns ? "program runs" : "steps";
      bar = new cliProgress.SingleBar(
        { stream, format: `tuning [{bar}] {value}/{total} ${unit} | epoch {epoch} | batch {reward} | val {val}`, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      const total = byRuns ? (info.maxMetricCalls ?? 0) : info.epochs * info.batchesPerEpoch;
      bar.start(total, byRuns ? 0 : info.startEpoch * perEpoch + info.startBatch, {
        epoch: info.startEpoch + 1,
        reward: "-",
        val: info.initialValScore === undefined ? "-" : info.initialValScore.toFixed(3),
      });
    },
    onBatchEnd(entry) {
      bar?.update(byRuns ? entry.metricCalls : entry.epoch * perEpoch + entry.batch + 1, {
        epoch: entry.epoch + 1,
        reward: entry.trainReward === undefined ? "-" : entry.trainReward.toFixed(3),
      });
    },
    onEpochEnd(info) {
      if (info.valReward !== undefined) bar?.update({ val: info.valReward.toFixed(3) });
    },
    onTrainEnd() {
      bar?.stop();
    },
  };
}
