// Public API of src/rewards, re-exported by src/index.ts.
export { scoreWith, predictionText, type Reward, type RewardContext, type RewardResult, type ScoredReward } from "./reward.js";
export { exactMatch, type ExactMatchOptions } from "./exact-match.js";
export { f1, tokenF1, answerTokens } from "./f1.js";
export { jsonMatch, parseJsonAnswer, type JsonMatchOptions } from "./json-match.js";
export { llmJudge, type LlmJudgeOptions } from "./llm-judge.js";
export { RewardError } from "./errors.js";
