import type { Config } from '../config.js';
import { loadTemplates, type Templates } from '../prompts/templates.js';
import { createOfflineGenerator } from './offline.js';
import { createOpenAIGenerator } from './openai.js';
import type { AnswerGenerator } from './types.js';

/** Low temperature: answers should stick to the passages. Reasoning models only accept the default. */
function temperatureFor(model: string): number | undefined {
  return /^(o\d|gpt-5)/i.test(model) ? undefined : 0.2;
}

/** Picks the answer generator from config (`openai` when a key or base URL is set). */
export function createAnswerGenerator(config: Config, templates?: Templates): AnswerGenerator {
  if (config.llm.provider === 'offline') return createOfflineGenerator();
  return createOpenAIGenerator({
    apiKey: config.openai.apiKey,
    baseURL: config.openai.baseURL,
    model: config.llm.model,
    timeoutMs: config.llm.timeoutMs,
    maxRetries: config.llm.maxRetries,
    temperature: temperatureFor(config.llm.model),
    templates: templates ?? loadTemplates(config.prompt.dir),
    memoryTokenBudget: config.memory.tokenBudget,
  });
}

export { detectLanguage } from './language.js';
export { estimateCost } from './pricing.js';
export type { AnswerGenerator } from './types.js';
