/**
 * The optimizer is a LangChain Runnable: this example puts it inside an ordinary pipeline,
 *
 *   evaluate (RunnableLambda) → InstructionOptimizer → evaluate (RunnableLambda)
 *
 * and runs one optimization round per invoke. The callback handler below shows that the optimizer step and
 * its model call are runs of the pipeline, like any other step (LangSmith tracing sees the same tree).
 *
 *   npx tsx examples/pipeline.ts          # scripted stand-in, no key needed
 *   OPENAI_API_KEY=sk-… npx tsx examples/pipeline.ts
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { RunnableLambda } from "@langchain/core/runnables";
import {
  evaluate,
  exactMatch,
  InstructionOptimizer,
  ProgramEvaluator,
  TrainablePrompt,
  type EvaluationResult,
  type OptimizerInput,
} from "../src/index.js";
import { openModelSource } from "./_shared/model-source.js";
import { TRAINSET } from "./_shared/sentiment-data.js";
import { sentimentStandIn } from "./_shared/sentiment-stand-in.js";

/** Prints the name of every run the pipeline starts, indented by depth, to show where the optimizer sits. */
class RunTree extends BaseCallbackHandler {
  name = "run_tree";
  private readonly depth = new Map<string, number>();
  readonly lines: string[] = [];
  private record(runId: string, parentRunId: string | undefined, name: string) {
    const depth = parentRunId === undefined ? 0 : (this.depth.get(parentRunId) ?? 0) + 1;
    this.depth.set(runId, depth);
    this.lines.push(`${"  ".repeat(depth)}${name}`);
  }
  override handleChainStart(_chain: unknown, _inputs: unknown, runId: string, parentRunId?: string, _tags?: string[], _metadata?: unknown, _runType?: string, runName?: string) {
    this.record(runId, parentRunId, runName ?? "chain");
  }
  override handleLLMStart(_llm: unknown, _prompts: unknown, runId: string, parentRunId?: string, _extra?: unknown, _tags?: string[], _metadata?: unknown, runName?: string) {
    this.record(runId, parentRunId, `${runName ?? "llm"} (model call)`);
  }
}

const models = await openModelSource({
  standIn: sentimentStandIn,
  standInDescription: "the quickstart's keyword classifier that misses sarcasm until its instructions mention it.",
});

try {
  const prompt = new TrainablePrompt({
    name: "sentiment",
    instructions: "Classify the sentiment of the product review as positive or negative.",
    messages: "Review: {review}",
  });
  const program = prompt.pipe(models.chatModel()).pipe(new StringOutputParser());
  const reward = exactMatch();
  const optimizer = new InstructionOptimizer({ languageModel: models.languageModel(), seed: 4 });
  // The optimizer scores its proposals before keeping one: it needs an evaluator (fit gives it one; here we do).
  const evaluator = new ProgramEvaluator({ program, reward, variables: [prompt.variable], concurrency: 6 });

  const score = (label: string) =>
    RunnableLambda.from(async () => {
      const result = await evaluate(program, { dataset: TRAINSET, reward, concurrency: 6 });
      console.log(`  ${label}: accuracy ${result.mean.toFixed(3)}`);
      return result;
    }).withConfig({ runName: `evaluate_${label}` });

  // evaluate → optimize → evaluate, composed with .pipe like any LangChain chain.
  const round = score("before")
    .pipe(
      RunnableLambda.from(
        (scored: EvaluationResult): OptimizerInput => ({
          variables: [prompt.variable],
          predictions: scored.predictions,
          reward: scored.mean,
          context: { evaluate: evaluator.evaluate },
        }),
      ).withConfig({ runName: "to_optimizer_input" }),
    )
    .pipe(optimizer)
    .pipe(score("after"))
    .withConfig({ runName: "tuning_round" });

  const tree = new RunTree();
  for (let i = 1; i <= 3; i++) {
    console.log(`Round ${i}`);
    await round.invoke({}, { callbacks: i === 1 ? [tree] : [] });
  }
  // End of training: finalize only (no further step) keeps the best scored version, not merely the last one.
  await optimizer.invoke({ variables: [prompt.variable], optimize: false, finalize: true, context: { evaluate: evaluator.evaluate } });
  console.log(`Final instructions: ${prompt.variable.json().instructions}`);
  // evaluate() is not handed the round's callbacks here, so its program runs are not part of this tree.
  console.log("\nRuns of round 1:");
  for (const line of tree.lines) console.log(`  ${line}`);
  if (!models.live) console.log("(Scores above come from the scripted stand-in, not from a language model.)");
} finally {
  await models.close();
}
