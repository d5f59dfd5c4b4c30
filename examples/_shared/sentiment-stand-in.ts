import { REVIEWS } from "./sentiment-data.js";

/**
 * The scripted stand-in for the quickstart, playing both models of the run. It is NOT a language model:
 *
 * - as the task model, it labels a review by keywords: any praise word → "positive". That gets every sarcastic
 *   review wrong ("Oh great, it broke…"), unless the system prompt mentions sarcasm, in which case praise
 *   next to a complaint counts as negative;
 * - as the optimizer model (a structured request for new `instructions`), it adds a sarcasm hint when the
 *   examples it is shown include a sarcastic review, and otherwise only rewords the instructions.
 *
 * So the tuning run is real (real HTTP calls, real optimizer, real scores), but the improvement it finds is
 * the one scripted here.
 */
const PRAISE = /\b(great|love|excellent|fantastic|perfect|amazing|best|wonderful|brilliant)\b/i;
const COMPLAINT = /\b(broke|cracks|melted|puddle|twenty minutes|logs me out|deletes|shattered)\b/i;

export const SARCASM_AWARE_INSTRUCTIONS =
  "Classify the sentiment of the product review as positive or negative. Watch for sarcasm: praise words " +
  "around a bad experience (\"Oh great, it broke\") mean the review is negative. Answer with one word.";
const REWORDED_INSTRUCTIONS = "Read the product review and answer with one word: positive or negative.";

export interface StandInMessage {
  role: string;
  content: string;
}

/** The task model's answer for the last user message, given the system prompt. */
export function labelReview(messages: readonly StandInMessage[]): string {
  const system = messages.filter((m) => m.role === "system").map((m) => m.content).join("\n");
  const review = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
  const awareOfSarcasm = /sarcas/i.test(system);
  if (awareOfSarcasm && PRAISE.test(review) && COMPLAINT.test(review)) return "negative";
  return PRAISE.test(review) ? "positive" : "negative";
}

/** The optimizer model's structured answer: `{ instructions }`. */
export function proposeInstructions(messages: readonly StandInMessage[]): { instructions: string } {
  const shown = messages.map((m) => m.content).join("\n");
  const sawSarcasm = REVIEWS.some((r) => r.sarcastic && shown.includes(r.review));
  return { instructions: sawSarcasm ? SARCASM_AWARE_INSTRUCTIONS : REWORDED_INSTRUCTIONS };
}

/** The stand-in server's handler: structured requests are the optimizer's, plain ones the task model's. */
export function sentimentStandIn(request: { messages: StandInMessage[]; responseFormat: unknown }): string | object {
  return request.responseFormat === undefined ? labelReview(request.messages) : proposeInstructions(request.messages);
}
