/** Text shaped like an API key (OpenAI, Anthropic, our tests' fake "sk-test-…"); files tunechain writes never hold one. */
export const API_KEY_PATTERN = /\bsk-[A-Za-z0-9_-]{6,}/g;
