import type { ScoredPrediction } from "../data/scored-prediction.js";
import type { Variable } from "../variables/variable.js";
import type { IdentifiedExample } from "./dataset.js";
import { hashJson } from "./files.js";
import { assignValues } from "./fit-restore.js";
import type { ProgramEvaluator } from "./program-evaluator.js";
import { classifyStop } from "./stop-cause.js";
import type { ValidationLedger } from "./validation-ledger.js";

/** The final program and how it was chosen. */
export interface FinalChoice {
  finalValScore?: number;
  finalChoice?: string;
  /** The final program's answers on the validation set, when they were measured. */
  finalValidation?: ScoredPrediction[];
}

/** Scores the values in place on the valset when the metric budget can pay for it; undefined otherwise. */
export async function measureInPlace(
  evaluator: Pick<ProgramEvaluator, "costOf" | "remaining" | "evaluate">,
  valset: readonly IdentifiedExample[],
  options: { signal: AbortSignal | undefined; phase: "seed" | "validation" | "finalize" },
): Promise<ScoredPrediction[] | undefined> {
  if (valset.length === 0 || evaluator.costOf({}, valset) > evaluator.remaining()) return undefined;
  return evaluator.evaluate({}, valset, options);
}

/**
 * After the optimizers finalized: measures the program in place on the valset when the budget allows, then
 * puts in place the program with the best mean over the whole valset among every one the run measured (a
 * partly validated one only through its lower bound, see ValidationLedger.best). Without a valset, the
 * optimizers' finalize stands.
 */
export async function chooseFinalProgram(input: {
  evaluator: Pick<ProgramEvaluator, "costOf" | "remaining" | "evaluate" | "currentValues">;
  ledger: ValidationLedger;
  valset: readonly IdentifiedExample[];
  variables: readonly Variable<object>[];
  restoreBest: boolean;
  /** False when the run was aborted: nothing more is run. */
  measureInPlace: boolean;
  signal: AbortSignal | undefined;
}): Promise<FinalChoice> {
  const { evaluator, ledger, valset, signal } = input;
  if (valset.length === 0) return {};
  if (input.measureInPlace) {
    try {
      await measureInPlace(evaluator, valset, { signal, phase: "finalize" });
    } catch (error) {
      if (!classifyStop(error, signal)) throw error;
    }
  }
  const choice: FinalChoice = {};
  const inPlace = ledger.completeMean(hashJson(evaluator.currentValues()));
  const best = ledger.best();
  if (input.restoreBest && best && (inPlace === undefined || best.mean > inPlace)) {
    assignValues(input.variables, best.values);
    choice.finalValScore = best.mean;
    choice.finalChoice = best.complete
      ? "the program with the best mean over the whole validation set"
      : `a program validated on ${best.count} of ${valset.length} examples, whose lower 95% bound beat every fully validated one`;
  } else if (inPlace !== undefined) {
    choice.finalValScore = inPlace;
    choice.finalChoice = "the optimizers' finalize";
  }
  // The final program's answers, when they were measured (then served from the cache, free).
  if (evaluator.costOf({}, valset) === 0) choice.finalValidation = await evaluator.evaluate({}, valset, { signal, phase: "finalize" });
  return choice;
}
