import type { TemplateFormat } from "@langchain/core/prompts";
import { findMustSurfaceError } from "../errors.js";
import { BudgetExceededError, StructuredOutputError } from "../models/errors.js";
import type { ChatMessage, LanguageModel } from "../models/types.js";
import type { JsonSchema } from "../variables/schema.js";
import type { OptimizationContext } from "./context.js";
import type { RejectionReason } from "./program/pool-state.js";
import { repairMessage } from "./prompts/repair.js";
import { proposalProblems } from "./proposal-validation.js";

export interface ProposalRequest {
  model: LanguageModel;
  messages: readonly ChatMessage[];
  /** The schema the answer must satisfy (the variable's schema restricted to the keys being rewritten). */
  schema: JsonSchema;
  schemaName: string;
  /** The values being rewritten, by property (their placeholders must survive). */
  current: Record<string, unknown>;
  /** Template format of each text property (default f-string; null: not a template, not checked). */
  formats?: Record<string, TemplateFormat | null>;
  checkPlaceholders: boolean;
  temperature?: number;
  context: OptimizationContext;
}

export type ProposalOutcome =
  | { ok: true; value: Record<string, unknown>; calls: number }
  | { ok: false; reason: RejectionReason; message: string; calls: number };

/**
 * Asks the model for a structured value and checks it. A proposal that breaks the schema or the template's
 * placeholders gets one repair round (the model is shown the problems); a model failure or a second bad
 * answer yields `ok: false` with the kind of failure and its message, so the caller can count it and move on.
 * An abort of the step and a spent model budget propagate: both mean the run must stop, not that this
 * proposal was bad.
 */
export async function requestProposal(request: ProposalRequest): Promise<ProposalOutcome> {
  const messages = [...request.messages];
  let calls = 0;
  for (let round = 0; round < 2; round++) {
    request.context.signal?.throwIfAborted();
    let value: unknown;
    let raw: string;
    try {
      calls += 1;
      const generation = await request.model.generateStructured<Record<string, unknown>>(
        messages,
        { schema: request.schema, name: request.schemaName },
        { signal: request.context.signal, config: request.context.config, temperature: request.temperature },
      );
      value = generation.value;
      raw = generation.raw;
    } catch (error) {
      if (request.context.signal?.aborted || error instanceof BudgetExceededError) throw error;
      // e.g. a stale fixture cassette: the run fails, not this proposal.
      const mustSurface = findMustSurfaceError(error);
      if (mustSurface) throw mustSurface;
      return { ok: false, ...classifyModelFailure(error), calls };
    }
    const problems = proposalProblems(value, request.schema, request.current, {
      checkPlaceholders: request.checkPlaceholders,
      ...(request.formats ? { formats: request.formats } : {}),
    });
    if (problems.length === 0) return { ok: true, value: value as Record<string, unknown>, calls };
    const text = problems.map((p) => p.message);
    if (round === 1) return { ok: false, reason: problems[0]!.reason, message: `rejected after repair: ${text.join(" ")}`, calls };
    messages.push({ role: "assistant", content: raw }, { role: "user", content: repairMessage(text) });
  }
  return { ok: false, reason: "model-error", message: "unreachable", calls };
}

/** A failed structured call: prose instead of JSON, JSON that never fit the schema, or the model failing. */
function classifyModelFailure(error: unknown): { reason: RejectionReason; message: string } {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof StructuredOutputError) {
    const notJson = error.issues.some((issue) => issue.message.startsWith("not JSON"));
    return { reason: notJson ? "not-json" : "schema", message };
  }
  return { reason: "model-error", message: `model error: ${message}` };
}
