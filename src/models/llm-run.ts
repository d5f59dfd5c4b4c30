import { CallbackManager, type CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatGenerationChunk } from "@langchain/core/outputs";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { ChatMessage, TokenUsage } from "./types.js";

/**
 * Metadata key on every run tunechain's adapters create, so the usage handler attached to the same
 * callbacks does not count those calls a second time (the adapter's ledger already has them).
 */
export const MANAGED_RUN_METADATA_KEY = "tunechain_managed";

export function toLangChainMessages(messages: readonly ChatMessage[]): BaseMessage[] {
  return messages.map((message) => {
    if (message.role === "system") return new SystemMessage(message.content);
    if (message.role === "assistant") return new AIMessage(message.content);
    return new HumanMessage(message.content);
  });
}

const NO_RUN: LlmRun = { end: async () => {}, fail: async () => {} };

export interface LlmRunDescription {
  provider: string;
  modelName: string;
  temperature: number | undefined;
  /** Built only when a run is really started (no callbacks, no tracing: no cost). */
  invocationParams: () => Record<string, unknown>;
}

/** A traced LLM run around one request, or a no-op when the caller has no callbacks and tracing is off. */
export interface LlmRun {
  end(text: string, usage: TokenUsage): Promise<void>;
  fail(error: unknown): Promise<void>;
}

/**
 * Starts a chat-model run through the caller's callbacks (config.callbacks, tags, metadata), so the request
 * appears as a child of the caller's run in tracing, as a LangChain chat model's own call would.
 */
export async function startLlmRun(
  config: RunnableConfig | undefined,
  messages: readonly ChatMessage[],
  description: LlmRunDescription,
): Promise<LlmRun> {
  const metadata = {
    ls_provider: description.provider,
    ls_model_name: description.modelName,
    ls_model_type: "chat",
    ...(description.temperature === undefined ? {} : { ls_temperature: description.temperature }),
    [MANAGED_RUN_METADATA_KEY]: true,
  };
  // Handlers receive the manager's metadata, not the argument of handleChatModelStart: pass ours as local.
  const manager = CallbackManager.configure(config?.callbacks, undefined, config?.tags, undefined, config?.metadata, metadata);
  if (!manager) return NO_RUN;
  const runs: CallbackManagerForLLMRun[] = await manager.handleChatModelStart(
    { lc: 1, type: "not_implemented", id: ["tunechain", "models", description.provider] },
    [toLangChainMessages(messages)],
    undefined,
    undefined,
    { invocation_params: description.invocationParams() },
    undefined,
    metadata,
    config?.runName ?? `tunechain:${description.modelName}`,
  );
  const run = runs[0];
  return {
    async end(text, usage) {
      const message = new AIMessage({
        content: text,
        usage_metadata: {
          input_tokens: usage.inputTokens,
          output_tokens: usage.outputTokens,
          total_tokens: usage.inputTokens + usage.outputTokens,
        },
      });
      const generation = { text, message } as unknown as ChatGenerationChunk;
      await run?.handleLLMEnd({
        generations: [[generation]],
        llmOutput: {
          tokenUsage: {
            promptTokens: usage.inputTokens,
            completionTokens: usage.outputTokens,
            totalTokens: usage.inputTokens + usage.outputTokens,
          },
        },
      });
    },
    async fail(error) {
      await run?.handleLLMError(error);
    },
  };
}
