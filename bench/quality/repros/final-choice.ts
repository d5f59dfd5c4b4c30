// Reproduction (library behaviour, see docs/BENCHMARKS.md, "quality"): with a valset and maxMetricCalls, fit
// ends on the unoptimized seed program although InstructionOptimizer (OPRO, defaults) found and put in place a
// program that is right on every training example it was scored on.
// Run: npx tsx bench/quality/repros/final-choice.ts
//
// The task model answers the parity of a number only when its instructions mention "parity". OPRO scores
// 8 proposals on each batch of 8 (72 program runs a step), so the budget (240, 20 of them for the seed's
// validation) is spent within the first epoch: fit's epoch-end validation never runs, finalize cannot afford
// to validate either, and fit's final choice (restoreBest, default true) takes the best program with a complete
// validation mean — the seed, the only one measured on the valset.
import { SimpleChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { exactMatch, fit, InstructionOptimizer, TrainablePrompt } from "../../../src/index.js";
import { ScriptedLanguageModel } from "../../../src/testing/index.js";

class ParityModel extends SimpleChatModel {
  _llmType(): string {
    return "repro-parity";
  }
  async _call(messages: BaseMessage[]): Promise<string> {
    const n = Number(String(messages.at(-1)?.content ?? "0"));
    return /parity/.test(String(messages[0]?.content ?? "")) && n % 2 === 1 ? "odd" : "even";
  }
}

const numbers = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `n${from + i}`, input: { number: String(from + i) }, expected: (from + i) % 2 ? "odd" : "even" }));
let version = 0;
const proposer = new ScriptedLanguageModel({ respond: () => ({ instructions: `Answer even or odd by the parity (v${++version}).` }) });
const prompt = new TrainablePrompt({ name: "p", instructions: "Answer even or odd.", messages: "{number}" });
const result = await fit(prompt.pipe(new ParityModel({})).pipe(new StringOutputParser()), {
  trainset: numbers(0, 40),
  valset: numbers(100, 20),
  testset: numbers(200, 50),
  reward: exactMatch(),
  optimizers: new InstructionOptimizer({ languageModel: proposer, seed: 1 }),
  maxMetricCalls: 240,
  progress: false,
});
const best = [...result.record.leaderboard].sort((a, b) => b.meanScore - a.meanScore || b.evaluations - a.evaluations)[0];
console.log(`metric calls ${JSON.stringify(result.metricCalls)}; stopped: ${result.stoppedBy?.reason}`);
console.log(`final instructions ${JSON.stringify(result.best.values.p?.instructions)}: valScore ${result.best.valScore}, testScore ${result.testScore}`);
console.log(`best candidate by training mean ${JSON.stringify(best?.values.p?.instructions)}: ${best?.meanScore} on ${best?.evaluations} training examples`);
console.log(`finalChoice: ${result.record.finalChoice}`);
