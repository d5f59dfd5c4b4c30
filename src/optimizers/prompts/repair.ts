/** Follow-up message when a proposal broke the rules: say what was wrong, ask for the whole value again. */
export function repairMessage(problems: readonly string[]): string {
  return [
    "Your answer cannot be used:",
    ...problems.map((problem) => `- ${problem}`),
    "",
    "Answer again with the complete JSON value, fixing these problems and changing nothing else.",
  ].join("\n");
}
