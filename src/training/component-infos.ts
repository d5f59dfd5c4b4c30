import type { ComponentInfo } from "../optimizers/context.js";
import type { TrainablePrompt } from "../prompts/trainable-prompt.js";

/** The components fit found, in program order (prompts, then tools), for the optimizers' meta-prompts. */
export function componentInfos(prompts: readonly TrainablePrompt[], tools: readonly { variableName: string }[]): ComponentInfo[] {
  const infos: ComponentInfo[] = [];
  for (const prompt of prompts) {
    if (infos.some((info) => info.name === prompt.variableName)) continue;
    const template = prompt.userMessages.promptMessages
      .map((message) => (message as { prompt?: { template?: unknown } }).prompt?.template)
      .filter((text): text is string => typeof text === "string")
      .join("\n");
    infos.push({
      name: prompt.variableName,
      index: infos.length,
      ...(template ? { template } : {}),
      inputVariables: [...prompt.inputVariables] as string[],
      templateFormat: prompt.templateFormat,
    });
  }
  for (const tool of tools) {
    if (!infos.some((info) => info.name === tool.variableName)) infos.push({ name: tool.variableName, index: infos.length, kind: "tool" });
  }
  return infos;
}

