import { SimpleChatModel } from "@langchain/core/language_models/chat_models";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { BaseMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { TrainablePrompt } from "../src/index.js";
import { ComponentTraceCollector } from "../src/traces/component-trace-collector.js";
class ParityModel extends SimpleChatModel {
  _llmType(): string { return "bench-parity"; }
  async _call(messages: BaseMessage[]): Promise<string> { return Number(String(messages.at(-1)?.content ?? "0")) % 2 ? "odd" : "even"; }
}
class Noop extends BaseCallbackHandler { name = "noop"; constructor() { super({ _awaitHandler: true }); } }
const prompt = new TrainablePrompt({ name: "parity", instructions: "Answer even or odd.", messages: "{number}" });
const program = prompt.pipe(new ParityModel({})).pipe(new StringOutputParser());
for (const [label, make] of [["none", () => undefined], ["noop", () => [new Noop()]], ["tracer", () => [new ComponentTraceCollector()]], ["none", () => undefined], ["noop", () => [new Noop()]], ["tracer", () => [new ComponentTraceCollector()]]] as const) {
  const t = performance.now();
  for (let i = 0; i < 3000; i++) { const cb = make(); await program.invoke({ number: String(i) }, cb ? { callbacks: cb } : {}); if (cb && cb[0] instanceof ComponentTraceCollector) cb[0].trace(); }
  console.log(label, ((performance.now() - t) / 3000).toFixed(3), "ms");
}
