// Checked by `npm run typecheck` (tsc covers test/): a typed StateGraph goes into fit and evaluate, and its
// state type and the examples' `expected` type reach the reward without casts. The @ts-expect-error lines fail
// the typecheck if a mismatch stops being an error.
import { StringOutputParser } from "@langchain/core/output_parsers";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { Example } from "../../src/data/example.js";
import { InstructionOptimizer } from "../../src/optimizers/instruction-optimizer.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import type { Reward } from "../../src/rewards/reward.js";
import { startOpenAICompatibleServer } from "../../src/testing/index.js";
import { evaluate } from "../../src/training/evaluate.js";
import { fit } from "../../src/training/fit.js";
import { optimizerModel, SEED_INSTRUCTIONS, shopHandler, taskModel } from "./support/shop-world.js";

const State = Annotation.Root({ question: Annotation<string>, answer: Annotation<string>, confidence: Annotation<number> });
type QAState = typeof State.State;

interface Expected {
  answer: string;
  minConfidence: number;
}

function typedGraph(url: string) {
  const prompt = new TrainablePrompt({ name: "typed", instructions: SEED_INSTRUCTIONS, messages: "{question}" });
  const node = prompt
    .pipe(taskModel({ url }))
    .pipe(new StringOutputParser())
    .pipe((answer: string) => ({ answer, confidence: 0.9 }));
  return new StateGraph(State).addNode("respond", node).addEdge(START, "respond").addEdge("respond", END).compile();
}

// The state's fields and the example's fields are typed: no `as`, no `any`.
const reward: Reward<QAState, Expected> = (state, example) => {
  expectTypeOf(state.answer).toEqualTypeOf<string>();
  expectTypeOf(state.confidence).toEqualTypeOf<number>();
  expectTypeOf(example.expected).toEqualTypeOf<Expected | undefined>();
  const expected = example.expected;
  if (expected === undefined) return 0;
  return state.answer.includes(expected.answer) && state.confidence >= expected.minConfidence ? 1 : 0;
};

const dataset: Example<{ question: string }, Expected>[] = [
  { id: "a", input: { question: "What is 6 times 7?" }, expected: { answer: "42", minConfidence: 0.5 } },
  { id: "b", input: { question: "What is 2 plus 2?" }, expected: { answer: "4", minConfidence: 0.95 } },
];

describe("fit, evaluate and Reward are typed by the graph's state and the examples' expected type", () => {
  it("type-checks a typed StateGraph with Reward<State, Expected> (and runs it)", async () => {
    const server = await startOpenAICompatibleServer({ handler: shopHandler });
    try {
      const graph = typedGraph(server.url);
      const result = await evaluate(graph, { dataset, reward });
      expect(result.scores).toEqual([1, 0]);
      const fitted = await fit(graph, {
        trainset: dataset,
        reward,
        optimizers: new InstructionOptimizer({ languageModel: optimizerModel(), numCandidates: 1 }),
        batchSize: 2,
      });
      expect(fitted.status).toBe("completed");
    } finally {
      await server.close();
    }
  });

  it("rejects, at compile time, a reward for another state or another expected type", () => {
    const graph = typedGraph("http://127.0.0.1:9/v1");
    const wrongState: Reward<{ answer: number }, Expected> = () => 1;
    const wrongExpected: Reward<QAState, string> = () => 1;
    const options = { trainset: dataset, optimizers: new InstructionOptimizer({ languageModel: optimizerModel() }) };
    // These calls are never awaited: only their types matter here.
    const check = () => {
      // @ts-expect-error the graph's state has `answer: string`, not a number
      void fit(graph, { ...options, reward: wrongState });
      // @ts-expect-error the examples' expected values are objects, not strings
      void fit(graph, { ...options, reward: wrongExpected });
      // @ts-expect-error the same holds for evaluate
      void evaluate(graph, { dataset, reward: wrongState });
    };
    expect(typeof check).toBe("function");
  });
});
