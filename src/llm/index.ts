import type { Config } from '../config.js';
import type { AnswerGenerator } from '../domain/llm.js';
import { CopilotError } from '../errors.js';
import { loadTemplates, type Templates } from '../prompts/templates.js';
import { createChatModelGenerator, PROVIDERS, type Provider } from './chat-model.js';
import { createOfflineGenerator } from './offline.js';
import { createOpenAIGenerator } from './openai.js';
import { type AttemptOutcome, createFallbackGenerator } from './router.js';

/** Low temperature: answers should stick to the passages. Reasoning models only accept the default. */
function temperatureFor(model: string): number | undefined {
  return /^(o\d|gpt-5)/i.test(model) ? undefined : 0.2;
}

/**
 * A model reference: `model` (the LLM_PROVIDER's) or `provider:model`, as `initChatModel` writes
 * it (`anthropic:claude-3-5-haiku-latest`, `ollama:llama3.1:8b`). A prefix that is not a known
 * provider is part of the model name (`llama3.1:8b` with LLM_PROVIDER=ollama).
 */
export function parseModelRef(ref: string, defaultProvider: Provider): { provider: Provider; model: string } {
  const at = ref.indexOf(':');
  const prefix = at > 0 ? ref.slice(0, at) : '';
  if ((PROVIDERS as readonly string[]).includes(prefix))
    return { provider: prefix as Provider, model: ref.slice(at + 1) };
  return { provider: defaultProvider, model: ref };
}

/** One model's generator, with the keys and base URL of its provider from config. */
export function createModelGenerator(config: Config, ref: string, templates?: Templates): AnswerGenerator {
  const fallbackProvider = config.llm.provider === 'offline' ? 'openai' : config.llm.provider;
  const { provider, model } = parseModelRef(ref, fallbackProvider);
  const t = templates ?? loadTemplates(config.prompt.dir);
  const common = {
    model,
    timeoutMs: config.llm.timeoutMs,
    maxRetries: config.llm.maxRetries,
    templates: t,
    memoryTokenBudget: config.memory.tokenBudget,
  };
  if (provider === 'openai') {
    return createOpenAIGenerator({
      apiKey: config.openai.apiKey,
      baseURL: config.openai.baseURL,
      temperature: temperatureFor(model),
      ...common,
    });
  }
  const keys = {
    anthropic: { ...config.providers.anthropic, env: 'ANTHROPIC_API_KEY' },
    'google-genai': { ...config.providers.google, env: 'GOOGLE_API_KEY' },
    ollama: { apiKey: undefined, baseURL: config.providers.ollama.baseURL, env: '' },
  }[provider];
  if (keys.env && !keys.apiKey && !keys.baseURL) {
    throw new CopilotError('config:invalid', `The model "${ref}" needs ${keys.env}.`, {
      hint: `Set ${keys.env}, or name a model of another provider.`,
    });
  }
  return createChatModelGenerator({
    provider,
    ...(keys.apiKey ? { apiKey: keys.apiKey } : {}),
    ...(keys.baseURL ? { baseURL: keys.baseURL } : {}),
    temperature: 0.2,
    ...common,
  });
}

/** Picks the answer generator from config (LLM_PROVIDER; `openai` when a key or base URL is set). */
export function createAnswerGenerator(
  config: Config,
  templates?: Templates,
  observe?: (model: string, step: number, outcome: AttemptOutcome) => void,
): AnswerGenerator {
  if (config.llm.provider === 'offline') return createOfflineGenerator();
  const t = templates ?? loadTemplates(config.prompt.dir);
  // The fallback chain: the configured model, then LLM_FALLBACK_MODELS in order (src/llm/router.ts).
  // Each entry may name its provider (`anthropic:claude-3-5-haiku-latest`), so a chain can mix them.
  const chain = [config.llm.model, ...config.llm.fallbackModels].map((ref) =>
    createModelGenerator(config, ref, t),
  );
  return createFallbackGenerator({
    chain,
    ...(config.llm.fallbackOffline ? { offline: createOfflineGenerator() } : {}),
    ...(observe ? { observe } : {}),
  });
}

export type { AnswerGenerator } from '../domain/llm.js';
export { detectLanguage } from '../text/language.js';
export { estimateCost } from './pricing.js';
