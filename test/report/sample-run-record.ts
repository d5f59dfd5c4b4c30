import type { RunRecord } from "../../src/training/run-record.js";

const TRIAGE_SEED = "Classify the support ticket as billing, bug or account.";
const REPLY_SEED = "Write a short, polite reply to the customer.";
const TRIAGE_TUNED = `${TRIAGE_SEED} Refunds, double charges and invoices are billing, even when the customer is angry about the app.`;
const REPLY_TUNED = `${REPLY_SEED} Quote the ticket's order number and say what happens next.`;
const TRIAGE_DEMO = { input: { ticket: "I was charged twice for March." }, output: { category: "billing" } };

/**
 * A realistic version-2 run record: a two-prompt support pipeline (triage → reply) tuned by a GEPA-style
 * reflective optimizer (instructions, with a merge) and a few-shot optimizer (examples), with a test set,
 * refused proposals, the final program's answer on each validation example (deliberately not sorted) and usage.
 */
export function sampleRunRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    version: 2,
    startedAt: "2026-11-25T10:00:00.000Z",
    finishedAt: "2026-11-25T10:04:12.000Z",
    status: "completed",
    stoppedBy: { reason: "3 epoch(s) done", limit: "epochs" },
    settings: {
      epochs: 3,
      batchSize: 4,
      concurrency: 4,
      seed: 7,
      maxMetricCalls: 200,
      trainSize: 12,
      valSize: 8,
      testSize: 20,
      optimizers: ["reflective_optimizer", "few_shot_optimizer"],
      variables: ["triage", "reply"],
      reward: "categoryMatch",
      cache: { hits: 41, misses: 164, size: 164 },
    },
    initialValues: {
      triage: { instructions: TRIAGE_SEED, examples: [] },
      reply: { instructions: REPLY_SEED, examples: [] },
    },
    finalValues: {
      triage: { instructions: TRIAGE_TUNED, examples: [TRIAGE_DEMO] },
      reply: { instructions: REPLY_TUNED, examples: [] },
    },
    initialValScore: 0.5,
    finalValScore: 0.75,
    finalChoice: "the program with the best mean over the whole validation set",
    testScore: 0.7,
    metricCalls: { used: 164, limit: 200, byPhase: { seed: 8, train: 48, gate: 60, validation: 40, finalize: 8 } },
    history: [
      { epoch: 0, batch: 0, step: 1, trainReward: 0.5, metricCalls: 20 },
      { epoch: 0, batch: 1, step: 2, trainReward: 0.75, metricCalls: 34 },
      { epoch: 0, batch: 2, step: 3, trainReward: 0.25, valReward: 0.625, metricCalls: 58 },
      { epoch: 1, batch: 0, step: 4, trainReward: 0.75, metricCalls: 76 },
      { epoch: 1, batch: 1, step: 5, trainReward: 0.5, metricCalls: 94 },
      { epoch: 1, batch: 2, step: 6, trainReward: 1, valReward: 0.75, metricCalls: 122 },
      { epoch: 2, batch: 0, step: 7, trainReward: 0.5, metricCalls: 136 },
      { epoch: 2, batch: 1, step: 8, trainReward: 0.75, metricCalls: 148 },
      { epoch: 2, batch: 2, step: 9, trainReward: 0.5, valReward: 0.75, metricCalls: 164 },
    ],
    leaderboard: [
      {
        id: "c4",
        optimizer: "reflective_optimizer",
        values: { triage: { instructions: TRIAGE_TUNED }, reply: { instructions: REPLY_TUNED } },
        meanScore: 0.83,
        evaluations: 12,
        validationScore: 0.75,
        iteration: 5,
        parents: ["c1", "c2"],
        origin: "merge",
        changed: ["reply"],
      },
      {
        id: "c1",
        optimizer: "reflective_optimizer",
        values: { triage: { instructions: TRIAGE_TUNED }, reply: { instructions: REPLY_SEED } },
        meanScore: 0.75,
        evaluations: 12,
        validationScore: 0.625,
        iteration: 1,
        parents: ["c0"],
        origin: "proposal",
        changed: ["triage"],
      },
      {
        id: "c0",
        optimizer: "reflective_optimizer",
        values: { triage: { instructions: TRIAGE_SEED }, reply: { instructions: REPLY_SEED } },
        meanScore: 0.5,
        evaluations: 12,
        validationScore: 0.5,
        iteration: 0,
        parents: [],
        origin: "seed",
        changed: [],
      },
      {
        id: "c3",
        optimizer: "reflective_optimizer",
        values: {
          triage: { instructions: "Answer <billing>, <bug> or <account> & nothing else." },
          reply: { instructions: REPLY_SEED },
        },
        meanScore: 0.75,
        evaluations: 4,
        iteration: 3,
        parents: ["c1"],
        origin: "proposal",
        changed: ["triage"],
      },
      {
        id: "c2",
        optimizer: "reflective_optimizer",
        values: { triage: { instructions: TRIAGE_SEED }, reply: { instructions: REPLY_TUNED } },
        meanScore: 0.67,
        evaluations: 8,
        iteration: 2,
        parents: ["c0"],
        origin: "proposal",
        changed: ["reply"],
      },
      {
        id: "c1",
        optimizer: "few_shot_optimizer",
        values: { triage: { examples: [TRIAGE_DEMO] }, reply: { examples: [] } },
        meanScore: 0.75,
        evaluations: 8,
        validationScore: 0.75,
        iteration: 1,
        parents: ["c0"],
        origin: "demos",
        changed: ["triage"],
      },
      {
        id: "c0",
        optimizer: "few_shot_optimizer",
        values: { triage: { examples: [] }, reply: { examples: [] } },
        meanScore: 0.5,
        evaluations: 8,
        iteration: 0,
        parents: [],
        origin: "seed",
        changed: [],
      },
    ],
    proposals: [
      {
        optimizer: "reflective_optimizer",
        proposals: 9,
        failed: 2,
        rejected: { "below-parent": 3, "not-json": 1, "model-error": 1, duplicate: 1, budget: 1 },
        latestFailure: "not-json: the answer was not valid JSON",
      },
      { optimizer: "few_shot_optimizer", proposals: 3, failed: 0, rejected: { "no-evidence": 1, "below-parent": 1 } },
    ],
    finalValidation: [
      prediction("val-1", "The app crashes when I open settings.", { category: "bug" }, { category: "bug" }, 1, "category matches"),
      prediction("val-2", "Please refund the second charge.", { category: "billing" }, { category: "billing" }, 1, "category matches"),
      prediction("val-3", "I can't log in since the update.", { category: "account" }, { category: "account" }, 1, "category matches"),
      prediction("val-4", "Where is my invoice for May?", { category: "billing" }, { category: "billing" }, 1, "category matches"),
      {
        exampleId: "val-5",
        input: { ticket: "Delete my account <now> & my data." },
        output: null,
        expected: { category: "account" },
        score: 0,
        feedback: "program run failed: 429 Rate limit reached",
        error: "429 Rate limit reached",
      },
      prediction("val-6", "Dark mode resets every morning.", { category: "bug" }, { category: "bug" }, 1, "category matches"),
      prediction("val-7", "Change the e-mail on my account.", { category: "account" }, { category: "account" }, 1, "category matches"),
      prediction("val-8", "You charged me and the app is broken!", { category: "bug" }, { category: "billing" }, 0, "expected billing, got bug"),
    ],
    models: [
      { role: "optimizer", model: "gpt-4o", standIn: false },
      { role: "task", model: "gpt-4o-mini", standIn: false },
    ],
    usage: {
      byRole: {
        task: { calls: 212, inputTokens: 31800, outputTokens: 6400, costUsd: 0.0086 },
        optimizer: { calls: 12, inputTokens: 18000, outputTokens: 4100, costUsd: 0.0861 },
      },
      byModel: {
        "gpt-4o-mini": { calls: 212, inputTokens: 31800, outputTokens: 6400, costUsd: 0.0086 },
        "gpt-4o": { calls: 12, inputTokens: 18000, outputTokens: 4100, costUsd: 0.0861 },
      },
      total: { calls: 224, inputTokens: 49800, outputTokens: 10500, costUsd: 0.0947 },
    },
    ...overrides,
  };
}

function prediction(id: string, ticket: string, output: object, expected: object, score: number, feedback: string) {
  return { exampleId: id, input: { ticket }, output, expected, score, feedback };
}
