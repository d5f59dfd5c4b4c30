import { Optimizer, type OptimizerFields } from "../../../src/optimizers/optimizer.js";
import type { OptimizationContext } from "../../../src/optimizers/context.js";
import { INSTRUCTIONS_SCHEMA } from "../../../src/prompts/schemas.js";
import { Variable } from "../../../src/variables/variable.js";
import { isSarcastic } from "./sentiment.js";

const HINT = " Watch for sarcasm: praise words around a complaint mean the review is negative.";

/**
 * A scripted stand-in for an LLM optimizer: when the batch shows a failed sarcastic review it proposes the
 * instructions plus a sarcasm hint, checks the proposal on the same batch through `context.evaluate`, and
 * keeps it only if it scores higher. Finalize keeps whichever of the seed and the current value validates
 * better. Its memory (steps taken, proposals accepted) is a tracked variable, so checkpoints restore it.
 */
export class HintOptimizer extends Optimizer {
  static override description = "Adds a sarcasm hint when sarcastic reviews fail.";
  readonly memory: Variable<{ seed: string | null; accepted: number; rejected: number }>;

  constructor(fields: Omit<OptimizerFields, "schema"> = {}) {
    super({ ...fields, schema: INSTRUCTIONS_SCHEMA });
    this.memory = this.trackVariable(
      new Variable({
        name: `${this.name}/memory`,
        value: { seed: null as string | null, accepted: 0, rejected: 0 },
        schema: {
          type: "object",
          properties: {
            seed: { type: ["string", "null"] },
            accepted: { type: "integer" },
            rejected: { type: "integer" },
          },
          required: ["seed", "accepted", "rejected"],
        },
        trainable: false,
      }),
    );
  }

  async optimize(variable: Variable<object>, _reward: number | undefined, context: OptimizationContext): Promise<void> {
    const value = variable.json() as { instructions: string };
    const memory = this.memory.json();
    if (memory.seed === null) this.memory.update({ seed: value.instructions });
    const failedSarcasm = (context.predictions ?? []).some(
      (p) => p.score < 1 && isSarcastic(String((p.input as { review?: unknown }).review ?? "")),
    );
    if (!failedSarcasm || value.instructions.includes(HINT) || !context.evaluate || !context.predictions) return;
    const proposal = { ...variable.json(), instructions: value.instructions + HINT };
    const examples = context.predictions.map((p) => ({ id: p.exampleId, input: p.input, expected: p.expected }));
    const scored = await context.evaluate({ [variable.name]: proposal }, examples, { signal: context.signal });
    const before = context.predictions.reduce((s, p) => s + p.score, 0);
    const after = scored.reduce((s, p) => s + p.score, 0);
    if (after > before) {
      variable.assign(proposal);
      this.memory.update({ accepted: this.memory.get("accepted") + 1 });
    } else {
      this.memory.update({ rejected: this.memory.get("rejected") + 1 });
    }
  }

  async finalize(variable: Variable<object>, context: OptimizationContext): Promise<void> {
    const seed = this.memory.get("seed");
    if (seed === null || !context.evaluate || !context.valset) return;
    const current = variable.json() as { instructions: string };
    const seedValue = { ...current, instructions: seed };
    const [mine, theirs] = await Promise.all([
      context.evaluate({ [variable.name]: current }, context.valset),
      context.evaluate({ [variable.name]: seedValue }, context.valset),
    ]);
    const sum = (xs: { score: number }[]) => xs.reduce((s, p) => s + p.score, 0);
    if (sum(theirs) > sum(mine)) variable.assign(seedValue);
  }
}
