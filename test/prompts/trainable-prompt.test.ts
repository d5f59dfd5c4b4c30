import { FakeListChatModel } from "@langchain/core/utils/testing";
import { AIMessage, SystemMessage } from "@langchain/core/messages";
import { ChatPromptTemplate, MessagesPlaceholder } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UnknownArgumentError } from "../../src/errors.js";
import { PromptConfigurationError, PromptOverrideError, PromptPlaceholderError } from "../../src/prompts/errors.js";
import { withVariableOverrides } from "../../src/prompts/overrides.js";
import { EXAMPLES_SCHEMA, INSTRUCTIONS_SCHEMA, PROMPT_VARIABLE_SCHEMA } from "../../src/prompts/schemas.js";
import { TrainablePrompt } from "../../src/prompts/trainable-prompt.js";
import { containsSchema } from "../../src/variables/schema.js";

const roles = (messages: { getType(): string; content: unknown }[]) => messages.map((m) => [m.getType(), m.content]);

describe("TrainablePrompt", () => {
  it("renders instructions, demonstrations as human/AI pairs, then the user's turn", async () => {
    const prompt = new TrainablePrompt({
      name: "classify",
      instructions: "Classify reviews written in {language}.",
      examples: [{ input: { review: "Loved it" }, output: "positive" }, { input: { review: "Meh" }, output: { label: "neutral" } }],
      messages: "Review: {review}",
    });
    expect(prompt.inputVariables.sort()).toEqual(["language", "review"]);
    const value = await prompt.invoke({ review: "Broke on day one", language: "English" });
    expect(roles(value.toChatMessages())).toEqual([
      ["system", "Classify reviews written in English."],
      ["human", "Review: Loved it"],
      ["ai", "positive"],
      ["human", "Review: Meh"],
      ["ai", '{"label":"neutral"}'],
      ["human", "Review: Broke on day one"],
    ]);
  });

  it("is a LangChain prompt: lc_name, pipe into a chat model, format()", async () => {
    const prompt = new TrainablePrompt({ name: "p1", instructions: "Be brief.", messages: "{question}" });
    expect(TrainablePrompt.lc_name()).toBe("TrainablePrompt");
    const answer = await prompt.pipe(new FakeListChatModel({ responses: ["ok"] })).invoke({ question: "hi?" });
    expect(answer.content).toBe("ok");
    expect(await prompt.format({ question: "hi?" })).toBe("System: Be brief.\nHuman: hi?");
  });

  it("its variable uses the shared prompt schema, so instruction and few-shot optimizers both match it", () => {
    const prompt = new TrainablePrompt({ name: "p2", instructions: "x" });
    expect(prompt.variable.schema()).toEqual(PROMPT_VARIABLE_SCHEMA);
    expect(containsSchema(prompt.variable.schema(), INSTRUCTIONS_SCHEMA)).toBe(true);
    expect(containsSchema(prompt.variable.schema(), EXAMPLES_SCHEMA)).toBe(true);
  });

  it("renders a per-call override from config.configurable.tunechain without touching the variable", async () => {
    const prompt = new TrainablePrompt({ name: "p3", instructions: "Seed text.", messages: "{q}" });
    const candidates = ["Candidate A.", "Candidate B.", "Candidate C."];
    const rendered = await Promise.all(
      candidates.map((instructions) =>
        prompt.invoke({ q: "?" }, withVariableOverrides({}, { p3: { instructions, examples: [] } })),
      ),
    );
    expect(rendered.map((v) => v.toChatMessages()[0]!.content)).toEqual(candidates);
    expect(prompt.variable.get("instructions")).toBe("Seed text.");
    expect((await prompt.invoke({ q: "?" })).toChatMessages()[0]!.content).toBe("Seed text.");
  });

  it("overrides reach a prompt deep inside a chain through the run config", async () => {
    const prompt = new TrainablePrompt({ name: "p4", instructions: "Seed.", messages: "{q}" });
    const chain = RunnableLambda.from((x: { q: string }) => x).pipe(prompt).pipe(RunnableLambda.from((v) => v.toChatMessages()[0]!.content));
    expect(await chain.invoke({ q: "?" }, withVariableOverrides({}, { p4: { instructions: "Override.", examples: [] } }))).toBe(
      "Override.",
    );
  });

  it("refuses an override that does not fit the variable's schema", async () => {
    const prompt = new TrainablePrompt({ name: "p5", instructions: "x", messages: "{q}" });
    const run = prompt.invoke({ q: "?" }, withVariableOverrides({}, { p5: { instructions: 3 } as never }));
    await expect(run).rejects.toThrow(PromptOverrideError);
    await expect(prompt.invoke({ q: "?" }, withVariableOverrides({}, { p5: { instructions: 3 } as never }))).rejects.toThrow(
      /The value given for prompt variable 'p5' in config.configurable.tunechain does not match its schema:[\s\S]*\/instructions: must be string/,
    );
  });

  it("refuses instructions whose placeholders are not input variables, naming them", async () => {
    const prompt = new TrainablePrompt({ name: "p6", instructions: "Answer {question}.", messages: "{question}" });
    prompt.variable.update({ instructions: "Answer {question} in {style}." });
    await expect(prompt.invoke({ question: "why" })).rejects.toThrow(PromptPlaceholderError);
    await expect(prompt.invoke({ question: "why" })).rejects.toThrow(
      /The instructions of prompt 'p6' use \{style\}, which is not an input variable of the prompt \(input variables: question\)\. Remove the placeholder or double the braces/,
    );
    expect(prompt.checkInstructions("Reply.")).toEqual({ unknown: [], dropped: ["question"] });
    expect(prompt.checkInstructions("{question} {x}")).toEqual({ unknown: ["x"], dropped: [] });
  });

  it("f-string: doubled braces stay literal; escape() doubles them", async () => {
    const prompt = new TrainablePrompt({ name: "p7", instructions: 'Reply as {{"label": "..."}} for {q}.', messages: "{q}" });
    expect(prompt.inputVariables).toEqual(["q"]);
    expect((await prompt.invoke({ q: "this" })).toChatMessages()[0]!.content).toBe('Reply as {"label": "..."} for this.');
    expect(prompt.escape("{a}")).toBe("{{a}}");
  });

  it("an unbalanced f-string brace is a typed error saying how to write literal braces", () => {
    expect(() => new TrainablePrompt({ name: "p8", instructions: "Use { here", messages: "{q}" })).toThrow(
      /does not parse .*Write literal braces doubled: '\{\{' and '\}\}'/,
    );
  });

  it("mustache templates use {{name}} placeholders and leave single braces alone", async () => {
    const prompt = new TrainablePrompt({
      name: "p9",
      templateFormat: "mustache",
      instructions: 'Answer about {{topic}} as {"a": 1}.',
      messages: "{{question}}",
    });
    expect(prompt.inputVariables.sort()).toEqual(["question", "topic"]);
    const messages = (await prompt.invoke({ topic: "cats", question: "why?" })).toChatMessages();
    expect(roles(messages)).toEqual([
      ["system", 'Answer about cats as {"a": 1}.'],
      ["human", "why?"],
    ]);
  });

  it("extra JSON-typed parts from a zod dataModel are trainable and shown through render", async () => {
    const prompt = new TrainablePrompt({
      name: "p10",
      instructions: "Classify.",
      messages: "{q}",
      dataModel: z.object({ labels: z.array(z.string()) }),
      extra: { labels: ["pos", "neg"] },
      render: ({ labels }) => `Allowed labels: ${labels.join(", ")}.`,
    });
    expect(containsSchema(prompt.variable.schema(), INSTRUCTIONS_SCHEMA)).toBe(true);
    expect(prompt.variable.json()).toEqual({ instructions: "Classify.", examples: [], labels: ["pos", "neg"] });
    prompt.variable.update({ labels: ["yes", "no"] });
    expect((await prompt.invoke({ q: "?" })).toChatMessages()[0]!.content).toBe("Classify.\n\nAllowed labels: yes, no.");
    expect(() => prompt.variable.update({ labels: "yes" } as never)).toThrow(/\/labels: must be array/);
  });

  it.each([
    [{ dataModel: z.object({ a: z.string() }), extra: { a: "x" } }, /needs `render\(extra\) => string`/],
    [{ dataModel: z.object({ instructions: z.string() }), render: (): string => "" }, /may not redefine instructions/],
    [{ render: (): string => "" }, /give their zod `dataModel` too/],
    [{ dataModel: z.object({ a: z.string() }), render: (): string => "" }, /Give the initial values of the dataModel's parts as `extra`/],
    [{ dataModel: z.string(), render: (): string => "" }, /must be a zod object \(z.object\(\{...\}\)\) of extra trainable parts/],
  ])("bad extra parts → PromptConfigurationError %#", (fields, message) => {
    expect(() => new TrainablePrompt({ instructions: "x", ...fields } as never)).toThrow(PromptConfigurationError);
    expect(() => new TrainablePrompt({ instructions: "x", ...fields } as never)).toThrow(message);
  });

  it("rejects unknown constructor keys", () => {
    expect(() => new TrainablePrompt({ instruction: "typo" } as never)).toThrow(UnknownArgumentError);
  });

  it("partial() keeps the same variable", async () => {
    const prompt = new TrainablePrompt({ name: "p11", instructions: "In {lang}.", messages: "{q}" });
    const partial = await prompt.partial({ lang: "French" });
    expect(partial.variable).toBe(prompt.variable);
    expect(partial.inputVariables).toEqual(["q"]);
    expect((await partial.invoke({ q: "?" })).toChatMessages()[0]!.content).toBe("In French.");
  });
});

describe("TrainablePrompt.fromChatPromptTemplate", () => {
  it("makes the system message trainable, keeping the other messages and the template syntax", async () => {
    const existing = ChatPromptTemplate.fromMessages([
      ["system", "You answer {{kindly}} in {language}."],
      new MessagesPlaceholder("history"),
      ["human", "{question}"],
    ]);
    const prompt = TrainablePrompt.fromChatPromptTemplate(existing, { name: "assistant" });
    expect(prompt.variable.json()).toEqual({ instructions: "You answer {{kindly}} in {language}.", examples: [] });
    expect(prompt.inputVariables.sort()).toEqual(["history", "language", "question"]);
    const value = await prompt.invoke({ language: "Dutch", question: "Hoi?", history: [] });
    expect(roles(value.toChatMessages())).toEqual([
      ["system", "You answer {kindly} in Dutch."],
      ["human", "Hoi?"],
    ]);
    expect((await existing.formatMessages({ language: "Dutch", question: "Hoi?", history: [] }))[0]!.content).toBe(
      "You answer {kindly} in Dutch.",
    );
  });

  it("demonstrations fill the user's turn with their input, an empty history and the partial variables", async () => {
    const existing = ChatPromptTemplate.fromMessages([
      ["system", "Be helpful."],
      new MessagesPlaceholder("history"),
      ["human", "[{channel}] {question}"],
    ]);
    const base = TrainablePrompt.fromChatPromptTemplate(existing, {
      name: "demo",
      examples: [{ input: { question: "2+2?" }, output: "4" }],
    });
    const prompt = await base.partial({ channel: "web" });
    const messages = (await prompt.invoke({ question: "3+3?", history: [new AIMessage("earlier")] })).toChatMessages();
    expect(roles(messages)).toEqual([
      ["system", "Be helpful."],
      ["human", "[web] 2+2?"],
      ["ai", "4"],
      ["ai", "earlier"],
      ["human", "[web] 3+3?"],
    ]);
  });

  it("a literal SystemMessage becomes instructions with its braces escaped", async () => {
    const existing = ChatPromptTemplate.fromMessages([new SystemMessage('Output {"ok": true}'), ["human", "{q}"]]);
    const prompt = TrainablePrompt.fromChatPromptTemplate(existing, { name: "lit" });
    expect(prompt.variable.get("instructions")).toBe('Output {{"ok": true}}');
    expect((await prompt.invoke({ q: "go" })).toChatMessages()[0]!.content).toBe('Output {"ok": true}');
  });

  it("a prompt without a system message needs `instructions`", () => {
    const existing = ChatPromptTemplate.fromMessages([["human", "{q}"]]);
    expect(() => TrainablePrompt.fromChatPromptTemplate(existing, { name: "x1" })).toThrow(PromptConfigurationError);
    expect(() => TrainablePrompt.fromChatPromptTemplate(existing, { name: "x2" })).toThrow(
      /has no system message to make trainable\. Add a \['system', '…'\] message/,
    );
    expect(TrainablePrompt.fromChatPromptTemplate(existing, { name: "x3", instructions: "Help." }).variable.get("instructions")).toBe(
      "Help.",
    );
  });
});
