import { findMustSurfaceError } from "../errors.js";
import { BudgetExceededError } from "../models/errors.js";
import type { ChatMessage, LanguageModel } from "../models/types.js";
import type { JsonSchema } from "../variables/schema.js";
import type { OptimizationContext } from "./context.js";
import { repairMessage } from "./prompts/repair.js";
import { proposalProblems } from "./proposal-validation.js";

export interface ProposalRequest {
  model: LanguageModel;
  messages: readonly ChatMessage[];
  /** The variable's schema restricted to the keys being rewritten. */
  schema: JsonSchema;
  schemaName: string;
  /** The value being rewritten (its placeholders must survive). */
  current: Record<string, unknown>;
  checkPlaceholders: boolean;
  temperature?: number;
  context: OptimizationContext;
}

export type ProposalOutcome =
  | { ok: true; value: Record<string, unknown>; calls: number }
  | { ok: false; reason: string; calls: number };

/**
 * Asks the model for a structured value and checks it. A proposal that breaks the schema or the template's
 * placeholders gets one repair round (the model is shown the problems); a model failure or a second bad
 * answer yields `ok: false` with the reason, so the caller can record it and move on. An abort of the step
 * and a spent model budget propagate: both mean the run must stop, not that this proposal was bad.
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
      const mustSurface = findMustSurfaceError(error); // e.g. a stale fixture cassette: the run fails, not this proposal
      if (mustSurface) throw mustSurface;
      return { ok: false, reason: `model error: ${(error as Error).message ?? String(error)}`, calls };
    }
    const problems = proposalProblems(value, request.schema, request.current, {
      checkPlaceholders: request.checkPlaceholders,
    });
    if (problems.length === 0) return { ok: true, value: value as Record<string, unknown>, calls };
    if (round === 1) return { ok: false, reason: `rejected after repair: ${problems.join(" ")}`, calls };
    messages.push({ role: "assistant", content: raw }, { role: "user", content: repairMessage(problems) });
  }
  return { ok: false, reason: "unreachable", calls };
}
