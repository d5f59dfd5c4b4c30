import { SimpleChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { exactMatch, evaluate, TrainablePrompt, type Example } from "../src/index.js";
class ParityModel extends SimpleChatModel {
  _llmType(): string { return "bench-parity"; }
  async _call(messages: BaseMessage[]): Promise<string> {
    const n = Number(String(messages.at(-1)?.content ?? "0"));
    return n % 2 === 1 ? "odd" : "even";
  }
}
const dataset: Example[] = Array.from({ length: 4000 }, (_, i) => ({ id: `n${i}`, input: { number: String(i) }, expected: i % 2 === 0 ? "even" : "odd" }));
const prompt = new TrainablePrompt({ name: "parity", instructions: "Answer even or odd.", messages: "{number}" });
const program = prompt.pipe(new ParityModel({})).pipe(new StringOutputParser());
const t = performance.now();
await evaluate(program, { dataset, reward: exactMatch(), concurrency: 8 });
console.log("per run ms", ((performance.now() - t) / dataset.length).toFixed(3));
const t2 = performance.now();
for (const e of dataset.slice(0, 2000)) await program.invoke(e.input);
console.log("bare invoke ms", ((performance.now() - t2) / 2000).toFixed(3));
