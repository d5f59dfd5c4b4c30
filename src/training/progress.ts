import cliProgress from "cli-progress";
import type { TrainingCallbacks } from "./callbacks.js";

/** A terminal progress bar over training steps, as a training callback. */
export function progressBar(stream: NodeJS.WriteStream = process.stdout): TrainingCallbacks {
  let bar: cliProgress.SingleBar | undefined;
  let perEpoch = 0;
  return {
    onTrainBegin(info) {
      perEpoch = info.batchesPerEpoch;
      bar = new cliProgress.SingleBar(
        { stream, format: "tuning [{bar}] {value}/{total} batches | epoch {epoch} | reward {reward} | val {val}", hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(info.epochs * info.batchesPerEpoch, info.startEpoch * perEpoch + info.startBatch, {
        epoch: info.startEpoch + 1,
        reward: "-",
        val: info.initialValScore === undefined ? "-" : info.initialValScore.toFixed(3),
      });
    },
    onBatchEnd(entry) {
      bar?.update(entry.epoch * perEpoch + entry.batch + 1, { epoch: entry.epoch + 1, reward: entry.trainReward.toFixed(3) });
    },
    onEpochEnd(info) {
      if (info.valReward !== undefined) bar?.update({ val: info.valReward.toFixed(3) });
    },
    onTrainEnd() {
      bar?.stop();
    },
  };
}
