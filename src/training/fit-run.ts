import type { CallbackManagerForChainRun } from "@langchain/core/callbacks/manager";
import { getCallbackManagerForConfig, type RunnableConfig } from "@langchain/core/runnables";

/**
 * The parent run of a tuning run (`tunechain.fit`): settings in, summary out. Every program run, optimizer
 * step and finalize of the run goes under it, so a tracer such as LangSmith shows one tree per tuning run.
 */
export class FitRun {
  private constructor(private readonly manager: CallbackManagerForChainRun | undefined) {}

  /** Opens the run through the config's callbacks (LangSmith's tracer joins by itself when tracing is on). */
  static async open(config: RunnableConfig | undefined, inputs: Record<string, unknown>): Promise<FitRun> {
    const callbacks = await getCallbackManagerForConfig(config);
    const manager = await callbacks?.handleChainStart(
      { lc: 1, type: "not_implemented", id: ["tunechain", "fit"] },
      inputs,
      config?.runId,
      "chain",
      undefined,
      undefined,
      config?.runName ?? "tunechain.fit",
    );
    return new FitRun(manager);
  }

  /** `config` with callbacks that make its runs children of this run, and tags/metadata of its own. */
  child(config: RunnableConfig | undefined, extra: { tags?: string[]; metadata?: Record<string, unknown> } = {}): RunnableConfig {
    const { runId: _runId, runName: _runName, ...rest } = config ?? {};
    return {
      ...rest,
      ...(this.manager ? { callbacks: this.manager.getChild() } : {}),
      tags: [...(rest.tags ?? []), ...(extra.tags ?? [])],
      metadata: { ...rest.metadata, ...extra.metadata },
    };
  }

  /**
   * The config of an optimizer step or finalize under this run: fit's signal, tags/metadata of its own, but no
   * `timeout`, which is meant for each program run — a step makes many model calls and runs.
   */
  stepConfig(
    config: RunnableConfig | undefined,
    signal: AbortSignal | undefined,
    extra: { tags?: string[]; metadata?: Record<string, unknown> } = {},
  ): RunnableConfig {
    const { timeout: _timeout, ...rest } = this.child(config, extra);
    return { ...rest, ...(signal ? { signal } : {}) };
  }

  async end(outputs: Record<string, unknown>): Promise<void> {
    await this.manager?.handleChainEnd(outputs);
  }

  async fail(error: unknown): Promise<void> {
    await this.manager?.handleChainError(error);
  }
}
