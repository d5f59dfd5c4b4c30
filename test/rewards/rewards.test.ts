import { AIMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { exactMatch } from "../../src/rewards/exact-match.js";
import { RewardError } from "../../src/rewards/errors.js";
import { f1, tokenF1 } from "../../src/rewards/f1.js";
import { jsonMatch } from "../../src/rewards/json-match.js";
import { llmJudge } from "../../src/rewards/llm-judge.js";
import { scoreWith, type Reward } from "../../src/rewards/reward.js";
import { ScriptedLanguageModel } from "../../src/testing/scripted-language-model.js";

const example = (expected: unknown, id = "ex-1") => ({ id, input: { q: "question" }, expected });

describe("exactMatch", () => {
  it("ignores case, surrounding space and final punctuation by default; says what was expected", async () => {
    const reward = exactMatch();
    expect(await scoreWith(reward, "  Positive. ", example("positive"))).toEqual({ score: 1 });
    expect(await scoreWith(reward, new AIMessage("NEGATIVE"), example("negative"))).toEqual({ score: 1 });
    expect(await scoreWith(reward, "negative", example("positive"))).toEqual({
      score: 0,
      feedback: 'Expected "positive" but the answer was "negative".',
    });
  });

  it("can be strict", async () => {
    expect((await scoreWith(exactMatch({ caseSensitive: true, normalize: false }), "Yes.", example("Yes"))).score).toBe(0);
  });
});

describe("f1", () => {
  it("scores token overlap, ignoring case, punctuation and articles", () => {
    expect(tokenF1("The Eiffel Tower!", "eiffel tower")).toBe(1);
    expect(tokenF1("Paris France", "Paris")).toBeCloseTo(2 / 3);
    expect(tokenF1("London", "Paris")).toBe(0);
    expect(tokenF1("", "")).toBe(1);
  });

  it("gives feedback when the match is partial", async () => {
    const result = await scoreWith(f1(), "Paris France", example("Paris"));
    expect(result.score).toBeCloseTo(2 / 3);
    expect(result.feedback).toMatch(/Token F1 0\.67: expected "Paris", got "Paris France"/);
  });
});

describe("jsonMatch", () => {
  it("gives the share of expected keys that match, naming the wrong ones", async () => {
    const result = await scoreWith(jsonMatch(), '```json\n{"a": 1, "b": [2], "c": "x"}\n```', example({ a: 1, b: [2], c: "y", d: true }));
    expect(result.score).toBe(0.5);
    expect(result.feedback).toBe('Wrong keys — c: expected "y", got "x"; d: expected true, got nothing.');
  });

  it("scores 0 for text that is not JSON, and compares non-objects whole", async () => {
    expect(await scoreWith(jsonMatch(), "not json", example({ a: 1 }))).toEqual({ score: 0, feedback: "The answer is not valid JSON." });
    expect((await scoreWith(jsonMatch(), "[1,2]", example([1, 2]))).score).toBe(1);
    expect((await scoreWith(jsonMatch({ keys: ["a"] }), { a: 1, b: 9 }, example({ a: 1, b: 2 }))).score).toBe(1);
  });
});

describe("llmJudge", () => {
  it("asks the model for structured { feedback, score } against the criteria", async () => {
    const judge = new ScriptedLanguageModel({
      respond: (messages) => {
        const answer = /Answer to grade:\n(.*)/.exec(messages[1]!.content)?.[1] ?? "";
        return answer.includes("because")
          ? { feedback: "Explains the reason.", score: 1 }
          : { feedback: "No reason given.", score: 0.2 };
      },
    });
    const reward = llmJudge({ languageModel: judge, criteria: "The answer must explain why." });
    expect(await scoreWith(reward, "Yes, because of X.", example("Yes"))).toEqual({ score: 1, feedback: "Explains the reason." });
    expect(await scoreWith(reward, "Yes.", example("Yes"))).toEqual({ score: 0.2, feedback: "No reason given." });
    expect(judge.calls[0]!.messages[0]!.content).toContain("The answer must explain why.");
    expect(judge.calls[0]!.messages[1]!.content).toContain("Reference answer:\nYes");
    expect(judge.calls[0]!.request!.schema.required).toEqual(["feedback", "score"]);
  });
});

describe("custom rewards and validation", () => {
  it("accepts a number or { score, feedback }", async () => {
    expect(await scoreWith(() => 0.25, "x", example("y"))).toEqual({ score: 0.25 });
    expect(await scoreWith(async () => ({ score: 1, feedback: "great" }), "x", example("y"))).toEqual({ score: 1, feedback: "great" });
  });

  it.each([
    [() => Number.NaN, "NaN"],
    [() => 1.5, "1.5"],
    [() => -0.1, "-0.1"],
    [() => ({ score: "high" }), '{"score":"high"}'],
    [() => undefined, "undefined"],
  ] as [Reward, string][])("%# out-of-range or missing scores are a RewardError naming the example", async (reward, shown) => {
    const run = scoreWith(reward, "x", example("y", "review-17"));
    await expect(run).rejects.toThrow(RewardError);
    await expect(scoreWith(reward, "x", example("y", "review-17"))).rejects.toThrow(
      `gave ${shown} for example 'review-17'; a reward must return a number in [0, 1]`,
    );
  });

  it("names the reward function when it has a name", async () => {
    function myMetric() {
      return 7;
    }
    await expect(scoreWith(myMetric, "x", example("y"))).rejects.toThrow(/^Reward 'myMetric' gave 7/);
  });
});
