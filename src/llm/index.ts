import type { Config } from '../config.js';
import { loadTemplates, type Templates } from '../prompts/templates.js';
import { createOfflineGenerator } from './offline.js';
import { createOpenAIGenerator } from './openai.js';
import { type AttemptOutcome, createFallbackGenerator } from './router.js';
import type { AnswerGenerator } from './types.js';

/** Low temperature: answers should stick to the passages. Reasoning models only accept the default. */
function temperatureFor(model: string): number | undefined {
  return /^(o\d|gpt-5)/i.test(model) ? undefined : 0.2;
}

/** Picks the answer generator from config (`openai` when a key or base URL is set). */
export function createAnswerGenerator(
  config: Config,
  templates?: Templates,
  observe?: (model: string, step: number, outcome: AttemptOutcome) => void,
): AnswerGenerator {
  if (config.llm.provider === 'offline') return createOfflineGenerator();
  const t = templates ?? loadTemplates(config.prompt.dir);
  // The fallback chain: the configured model, then LLM_FALLBACK_MODELS in order (src/llm/router.ts).
  const chain = [config.llm.model, ...config.llm.fallbackModels].map((model) =>
    createOpenAIGenerator({
      apiKey: config.openai.apiKey,
      baseURL: config.openai.baseURL,
      model,
      timeoutMs: config.llm.timeoutMs,
      maxRetries: config.llm.maxRetries,
      temperature: temperatureFor(model),
      templates: t,
      memoryTokenBudget: config.memory.tokenBudget,
    }),
  );
  return createFallbackGenerator({
    chain,
    ...(config.llm.fallbackOffline ? { offline: createOfflineGenerator() } : {}),
    ...(observe ? { observe } : {}),
  });
}

export { detectLanguage } from './language.js';
export { estimateCost } from './pricing.js';
export type { AnswerGenerator } from './types.js';
