import { AIMessage, HumanMessage, ToolMessage, type AIMessageChunk } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  startOpenAICompatibleServer,
  toolCallReply,
  type CompletionRequest,
  type OpenAICompatibleServer,
} from "../../src/testing/index.js";
import { chatOpenAI, openaiClient } from "../models/helpers.js";

let server: OpenAICompatibleServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const lookup = tool(async ({ id }) => `record ${id}`, {
  name: "lookup",
  description: "Looks a record up by id.",
  schema: z.object({ id: z.string().describe("The record id.") }),
});

const OPENAI_TOOL = {
  type: "function" as const,
  function: { name: "lookup", description: "Looks a record up by id.", parameters: { type: "object", properties: { id: { type: "string" } } } },
};

describe("the loopback server answers tool calls", () => {
  it("sends scripted tool_calls (not streamed) and shows the handler the tools and the tool turns", async () => {
    const seen: CompletionRequest[] = [];
    server = await startOpenAICompatibleServer({
      handler: (request) => {
        seen.push(request);
        return request.messages.at(-1)?.role === "tool"
          ? `done: ${request.messages.at(-1)?.content}`
          : toolCallReply([{ name: "lookup", arguments: { id: "7" } }, { name: "lookup", arguments: '{"id":"8"}', id: "mine" }]);
      },
    });
    const client = openaiClient(server);
    const first = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "find 7 and 8" }], tools: [OPENAI_TOOL] });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: "call_0_0", type: "function", function: { name: "lookup", arguments: '{"id":"7"}' } },
      { id: "mine", type: "function", function: { name: "lookup", arguments: '{"id":"8"}' } },
    ]);
    expect(first.usage?.completion_tokens).toBeGreaterThan(10);
    expect(seen[0]?.tools).toEqual([{ name: "lookup", description: "Looks a record up by id.", parameters: OPENAI_TOOL.function.parameters }]);

    await client.chat.completions.create({
      model: "m",
      tools: [OPENAI_TOOL],
      messages: [
        { role: "user", content: "find 7" },
        { role: "assistant", content: null, tool_calls: [choice.message.tool_calls![0]!] as never },
        { role: "tool", tool_call_id: "call_0_0", content: "record 7" },
      ],
    });
    expect(seen[1]?.messages).toEqual([
      { role: "user", content: "find 7" },
      { role: "assistant", content: "", toolCalls: [{ id: "call_0_0", name: "lookup", arguments: '{"id":"7"}' }] },
      { role: "tool", content: "record 7", toolCallId: "call_0_0" },
    ]);
  });

  it("streams tool calls as deltas the openai client assembles, with finish_reason tool_calls", async () => {
    server = await startOpenAICompatibleServer({
      handler: () => toolCallReply([{ name: "lookup", arguments: { id: "a rather long identifier to split" } }], "Let me look."),
    });
    const stream = await openaiClient(server).chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "find it" }],
      tools: [OPENAI_TOOL],
      stream: true,
    });
    let text = "";
    let args = "";
    let name = "";
    let id = "";
    let finish: string | null | undefined;
    let argumentChunks = 0;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? "";
      for (const call of choice?.delta.tool_calls ?? []) {
        if (call.id) id = call.id;
        if (call.function?.name) name = call.function.name;
        if (call.function?.arguments) {
          args += call.function.arguments;
          argumentChunks++;
        }
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(text).toBe("Let me look.");
    expect({ id, name, args: JSON.parse(args) }).toEqual({ id: "call_0_0", name: "lookup", args: { id: "a rather long identifier to split" } });
    expect(argumentChunks).toBeGreaterThan(1);
    expect(finish).toBe("tool_calls");
  });

  it("gives ChatOpenAI tool calls it parses, streamed and not, and the follow-up turn round-trips", async () => {
    server = await startOpenAICompatibleServer({
      handler: (request) => (request.messages.at(-1)?.role === "tool" ? "The record is 7." : toolCallReply([{ name: "lookup", arguments: { id: "7" } }])),
    });
    const model = chatOpenAI(server).bindTools([lookup]);
    const message = await model.invoke([new HumanMessage("find 7")]);
    expect(message.tool_calls).toEqual([{ id: "call_0_0", name: "lookup", args: { id: "7" }, type: "tool_call" }]);

    let streamed: AIMessageChunk | undefined;
    for await (const chunk of await chatOpenAI(server, { streamUsage: true }).bindTools([lookup]).stream([new HumanMessage("find 7")])) {
      streamed = streamed ? streamed.concat(chunk) : chunk;
    }
    expect(streamed?.tool_calls).toEqual([{ id: "call_1_0", name: "lookup", args: { id: "7" }, type: "tool_call" }]);
    expect((server.requests[1]?.body as { stream?: boolean }).stream).toBe(true);

    const result = await lookup.invoke({ ...message.tool_calls![0]!, type: "tool_call" });
    const final = await model.invoke([new HumanMessage("find 7"), new AIMessage({ content: "", tool_calls: message.tool_calls! }), result as ToolMessage]);
    expect(final.content).toBe("The record is 7.");
  });
});
