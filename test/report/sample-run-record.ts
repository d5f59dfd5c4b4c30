import type { RunRecord } from "../../src/training/run-record.js";

/** A small but complete run record: two optimizers on one prompt, train and validation curve, usage. */
export function sampleRunRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    version: 1,
    startedAt: "2026-11-25T10:00:00.000Z",
    finishedAt: "2026-11-25T10:01:30.000Z",
    status: "completed",
    settings: { epochs: 2, batchSize: 4, concurrency: 8, seed: 7, optimizers: ["instruction_optimizer", "few_shot_optimizer"] },
    initialValues: {
      classify: { instructions: "Label the review as positive or negative.", examples: [] },
    },
    finalValues: {
      classify: {
        instructions: "Label the review as positive or negative. Watch for sarcasm: praise that means the opposite is negative.",
        examples: [{ input: { review: "Great, it broke on day one." }, output: "negative" }],
      },
    },
    initialValScore: 0.5,
    finalValScore: 0.875,
    history: [
      { epoch: 0, batch: 0, step: 1, trainReward: 0.5 },
      { epoch: 0, batch: 1, step: 2, trainReward: 0.625 },
      { epoch: 0, batch: 2, step: 3, trainReward: 0.75, valReward: 0.75 },
      { epoch: 1, batch: 0, step: 4, trainReward: 0.75 },
      { epoch: 1, batch: 1, step: 5, trainReward: 1 },
      { epoch: 1, batch: 2, step: 6, trainReward: 0.875, valReward: 0.875 },
    ],
    leaderboard: [
      {
        id: "c0",
        variable: "classify",
        optimizer: "instruction_optimizer",
        value: { instructions: "Label the review as positive or negative." },
        meanScore: 0.5,
        evaluations: 8,
        validationScore: 0.5,
        iteration: 0,
        parents: [],
      },
      {
        id: "c2",
        variable: "classify",
        optimizer: "instruction_optimizer",
        value: { instructions: "Label the review as <positive> or <negative> & nothing else." },
        meanScore: 0.9,
        evaluations: 4,
        iteration: 2,
        parents: ["c0"],
      },
      {
        id: "c1",
        variable: "classify",
        optimizer: "instruction_optimizer",
        value: {
          instructions:
            "Label the review as positive or negative. Watch for sarcasm: praise that means the opposite is negative.",
        },
        meanScore: 0.8,
        evaluations: 12,
        validationScore: 0.875,
        iteration: 1,
        parents: ["c0"],
      },
      {
        id: "s0",
        variable: "classify",
        optimizer: "few_shot_optimizer",
        value: { examples: [] },
        meanScore: 0.5,
        evaluations: 4,
        iteration: 0,
        parents: [],
      },
      {
        id: "s1",
        variable: "classify",
        optimizer: "few_shot_optimizer",
        value: { examples: [{ input: { review: "Great, it broke on day one." }, output: "negative" }] },
        meanScore: 0.75,
        evaluations: 8,
        iteration: 1,
        parents: [],
      },
    ],
    usage: {
      byRole: {
        task: { calls: 96, inputTokens: 12000, outputTokens: 300, costUsd: 0.0021 },
        optimizer: { calls: 6, inputTokens: 4000, outputTokens: 900, costUsd: 0.0034 },
      },
      total: { calls: 102, inputTokens: 16000, outputTokens: 1200, costUsd: 0.0055 },
    },
    ...overrides,
  };
}
