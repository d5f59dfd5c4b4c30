import type { CandidateValues } from "../data/scored-prediction.js";
import type { EarlyStoppingState } from "./checkpoint.js";
import type { EarlyStoppingOptions } from "./fit-options.js";

export function initialEarlyStopping(best: number | null, values: CandidateValues | null): EarlyStoppingState {
  return { best, bestStep: 0, bestValues: values, waited: 0 };
}

/**
 * Keras' EarlyStopping on the validation mean: a rise above the best by more than `minDelta` resets the wait,
 * anything else adds an epoch to it. Returns the new state and whether training should stop now.
 */
export function updateEarlyStopping(
  state: EarlyStoppingState,
  valReward: number,
  step: number,
  values: CandidateValues,
  options: EarlyStoppingOptions | undefined,
): { state: EarlyStoppingState; stop: boolean } {
  const minDelta = options?.minDelta ?? 0;
  if (state.best === null || valReward > state.best + minDelta) {
    return { state: { best: valReward, bestStep: step, bestValues: values, waited: 0 }, stop: false };
  }
  const waited = state.waited + 1;
  return { state: { ...state, waited }, stop: options !== undefined && waited >= options.patience };
}
