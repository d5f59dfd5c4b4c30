/**
 * What one trainable component (a TrainablePrompt) saw and produced inside one program run. The training
 * loop collects it from LangChain's run tree, so an optimizer can show each prompt its own inputs and
 * outputs rather than only the program's final answer. Everything here is plain, size-bounded JSON.
 */

/** A tool call a model asked for. */
export interface ToolCallRecord {
  name: string;
  args: unknown;
  id?: string;
}

/** A message as a trace keeps it. */
export interface TraceMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Tool calls of an assistant turn. */
  toolCalls?: ToolCallRecord[];
  /** The call a tool turn answers. */
  toolCallId?: string;
}

/** What a tool returned (or how it failed) when the program ran it. */
export interface ToolResultRecord {
  name: string;
  callId?: string;
  output?: string;
  error?: string;
}

/** One model call a component fed: its text, tool calls, the parsed output when a parser followed, or the error. */
export interface ModelCallRecord {
  text: string;
  toolCalls?: ToolCallRecord[];
  /** What an output parser made of the answer (structured output). */
  parsed?: unknown;
  /** The model call or its parser failed. */
  error?: string;
}

/** One time a component ran inside a program run. */
export interface ComponentCall {
  /** The values the prompt was rendered with (its input variables). */
  inputs: Record<string, unknown>;
  /** The messages it rendered. */
  messages: TraceMessage[];
  /** The model calls it fed, in order: one, or several when an agent loop extends the same messages. */
  outputs: ModelCallRecord[];
  /** Tools run on the tool calls of those model calls. */
  toolResults?: ToolResultRecord[];
  /**
   * When the component's model called tools in this program run (an agent loop): its model calls in the whole
   * run, i.e. the agent's steps. The same number is on each of the component's calls in the run.
   */
  steps?: number;
  /** The prompt itself failed (e.g. a missing input variable). */
  error?: string;
}

/** Every component's calls in one program run, by component (variable) name, in the order they ran. */
export type ProgramTrace = Record<string, ComponentCall[]>;
