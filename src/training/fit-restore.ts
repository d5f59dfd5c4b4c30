import type { CandidateValues } from "../data/scored-prediction.js";
import { UsageLedger, type SerializedUsageLedger } from "../models/usage-ledger.js";
import type { Optimizer } from "../optimizers/optimizer.js";
import type { Variable } from "../variables/variable.js";
import type { CheckpointFingerprint, CheckpointState } from "./checkpoint.js";
import { datasetHash, type IdentifiedExample } from "./dataset.js";
import { CheckpointError } from "./errors.js";
import { hashJson } from "./files.js";
import type { Settings } from "./fit-options.js";

// What a checkpoint must match, and how its state is put back: all checked before anything is written.

/** The checkpoint's usage, validated before any state is restored. */
export function readSavedUsage(saved: unknown, path: string): SerializedUsageLedger {
  try {
    return UsageLedger.fromJSON(saved as SerializedUsageLedger).toJSON();
  } catch (error) {
    throw new CheckpointError(
      `Checkpoint ${path} holds an unreadable usage ledger (${(error as Error).message}). ` +
        "Delete the checkpoint to start over, or resume without `usage`.",
      { cause: error },
    );
  }
}

/** What identifies a run, for resuming: variables, optimizers, data, batching and seed. */
export function makeFingerprint(
  variables: readonly Variable<object>[],
  optimizers: readonly Optimizer[],
  trainset: readonly IdentifiedExample[],
  valset: readonly IdentifiedExample[],
  settings: Settings,
): CheckpointFingerprint {
  return {
    variables: variables.map((v) => ({ name: v.name, schemaHash: hashJson(v.schema()) })),
    optimizers: optimizers.map((o) => ({ name: o.name, className: o.constructor.name, stateSize: o.variables.length })),
    trainset: datasetHash(trainset),
    valset: datasetHash(valset),
    batchSize: settings.batchSize,
    seed: settings.seed,
  };
}

/** Puts the checkpoint's values and optimizer states in place, after checking all of them first. */
export function restoreState(
  saved: CheckpointState,
  variables: readonly Variable<object>[],
  optimizers: readonly Optimizer[],
  path: string,
): void {
  const problems: string[] = [];
  for (const variable of variables) {
    const value = saved.values[variable.name];
    const issues = value === undefined ? [{ path: "", message: "missing" }] : variable.validate(value);
    if (issues.length > 0) problems.push(`variable '${variable.name}': ${issues.map((i) => `${i.path || "(root)"} ${i.message}`).join("; ")}`);
  }
  for (const optimizer of optimizers) {
    const store = saved.optimizers[optimizer.name];
    const own = optimizer.variables;
    if (store === undefined || Object.keys(store).length !== own.length) {
      problems.push(`optimizer '${optimizer.name}': state missing or of another size`);
      continue;
    }
    own.forEach((variable, i) => {
      const issues = variable.validate(store[String(i)]);
      if (issues.length > 0) problems.push(`optimizer '${optimizer.name}' state ${i}: ${issues[0]?.message ?? "invalid"}`);
    });
  }
  if (problems.length > 0) {
    throw new CheckpointError(
      `The checkpoint ${path} does not fit this run; nothing was restored:\n  - ${problems.join("\n  - ")}\nDelete it to start over.`,
    );
  }
  assignValues(variables, saved.values);
  for (const optimizer of optimizers) optimizer.loadOwnVariables(saved.optimizers[optimizer.name]!);
}

/** Assigns `values` to the variables they name. */
export function assignValues(variables: readonly Variable<object>[], values: CandidateValues): void {
  for (const variable of variables) {
    const value = values[variable.name];
    if (value !== undefined) variable.assign(value);
  }
}

