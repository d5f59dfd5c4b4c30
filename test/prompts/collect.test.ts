import { FakeListChatModel } from "@langchain/core/utils/testing";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { InMemoryChatMessageHistory } from "@langchain/core/chat_history";
import { RouterRunnable, RunnableWithMessageHistory, RunnableBranch, RunnableEach, RunnableLambda, RunnableMap, RunnablePassthrough, RunnableSequence } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { collectTrainablePrompts, collectTrainableVariables } from "../../src/prompts/collect.js";
import { DuplicateVariableNameError } from "../../src/prompts/errors.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";

const model = () => new FakeListChatModel({ responses: ["x"] });
const prompt = (name: string) => new TrainablePrompt({ name, instructions: `I am ${name}.`, messages: "{q}" });
const names = (runnable: object) => collectTrainableVariables(runnable).map((v) => v.name);

describe("collectTrainableVariables", () => {
  it("finds prompts in sequences (first, middle, last)", () => {
    const chain = RunnableSequence.from([prompt("a"), model(), new StringOutputParser(), RunnableLambda.from((s: string) => ({ q: s })), prompt("b")]);
    expect(names(chain)).toEqual(["a", "b"]);
  });

  it("looks through bindings, retries, each and fallbacks", () => {
    expect(names(prompt("bound").withConfig({ tags: ["t"] }))).toEqual(["bound"]);
    expect(names(prompt("retry").withRetry({ stopAfterAttempt: 2 }))).toEqual(["retry"]);
    expect(names(new RunnableEach({ bound: prompt("each") }))).toEqual(["each"]);
    expect(names(prompt("main").pipe(model()).withFallbacks([prompt("fallback").pipe(model())]))).toEqual(["main", "fallback"]);
  });

  it("looks into branches (conditions, branches and default), maps and assigns", () => {
    const branch = RunnableBranch.from([
      [(x: { q: string }) => x.q === "a", prompt("first_branch")],
      [prompt("condition_prompt").pipe(RunnableLambda.from(() => false)), prompt("second_branch")],
      prompt("default_branch"),
    ]);
    expect(names(branch)).toEqual(["first_branch", "condition_prompt", "second_branch", "default_branch"]);
    expect(names(RunnableMap.from({ x: prompt("map_x"), y: prompt("map_y") }))).toEqual(["map_x", "map_y"]);
    expect(names(RunnablePassthrough.assign({ extra: prompt("assigned").pipe(model()) }))).toEqual(["assigned"]);
  });

  it("looks into routers and message-history wrappers", () => {
    const router = new RouterRunnable({ runnables: { a: prompt("route_a"), b: prompt("route_b") } });
    expect(names(router)).toEqual(["route_a", "route_b"]);
    const withHistory = new RunnableWithMessageHistory({
      runnable: prompt("chat"),
      getMessageHistory: () => new InMemoryChatMessageHistory(),
      inputMessagesKey: "q",
      historyMessagesKey: "history",
    });
    expect(names(withHistory)).toEqual(["chat"]);
  });

  it("treats RunnableLambda as opaque", () => {
    const hidden = prompt("hidden");
    expect(names(RunnableLambda.from((x: { q: string }) => hidden.invoke(x)))).toEqual([]);
  });

  it("counts a prompt shared by two branches once", () => {
    const shared = prompt("shared");
    const branch = RunnableBranch.from([[(x: { q: string }) => x.q === "a", shared.pipe(model())], shared.pipe(model())]);
    expect(collectTrainablePrompts(branch)).toHaveLength(1);
    expect(names(branch)).toEqual(["shared"]);
  });

  it("counts two prompts sharing one variable once", async () => {
    const base = prompt("common");
    const partial = await base.partial({});
    expect(collectTrainablePrompts(RunnableMap.from({ a: base, b: partial }))).toHaveLength(2);
    expect(names(RunnableMap.from({ a: base, b: partial }))).toEqual(["common"]);
  });

  it("two different variables with one name are a typed error naming it", () => {
    const chain = RunnableMap.from({ a: prompt("twin"), b: prompt("twin") });
    expect(() => collectTrainableVariables(chain)).toThrow(DuplicateVariableNameError);
    expect(() => collectTrainableVariables(chain)).toThrow(
      /two different trainable variables named 'twin'.*give each TrainablePrompt its own `name`/,
    );
  });
});
