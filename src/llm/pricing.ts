import type { Usage } from '../domain/answers.js';

/** USD per 1M tokens. Dated snapshots ("gpt-4o-mini-2024-07-18") match by longest prefix. */
const PRICES: Record<string, { input: number; output: number }> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  // Anthropic ("-latest" and dated names match by prefix).
  'claude-3-haiku': { input: 0.25, output: 1.25 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  // Google Gemini (paid tier, prompts up to 200k tokens).
  'gemini-1.5-flash': { input: 0.075, output: 0.3 },
  'gemini-2.0-flash': { input: 0.1, output: 0.4 },
  'gemini-2.0-flash-lite': { input: 0.075, output: 0.3 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5 },
  'gemini-2.5-pro': { input: 1.25, output: 10 },
  // OpenAI-compatible hosted models.
  'deepseek-chat': { input: 0.27, output: 1.1 },
};

/** Adds or overrides entries of the cost table (LLM_PRICES). */
export function addPrices(prices: Record<string, { input: number; output: number }>): void {
  for (const [model, price] of Object.entries(prices)) PRICES[model.toLowerCase()] = price;
}

/** Whether the cost table has an entry for the model (exactly or as a dated snapshot). */
export function hasPrice(model: string): boolean {
  const name = unprefixed(model);
  return Object.keys(PRICES).some((key) => name === key || name.startsWith(`${key}-`));
}

/** Price of a model; unknown models (Ollama and other local servers, the offline extractor) cost 0. */
export function modelPrice(model: string): { input: number; output: number } {
  const name = unprefixed(model);
  let best: string | undefined;
  for (const key of Object.keys(PRICES)) {
    if ((name === key || name.startsWith(`${key}-`)) && (!best || key.length > best.length)) best = key;
  }
  return best ? PRICES[best]! : { input: 0, output: 0 };
}

export function estimateCost(model: string, usage: Pick<Usage, 'promptTokens' | 'completionTokens'>): number {
  const price = modelPrice(model);
  const usd = (usage.promptTokens * price.input + usage.completionTokens * price.output) / 1_000_000;
  // Round to a millionth of a cent: enough for per-answer records, free of float noise.
  return Math.round(usd * 1e8) / 1e8;
}

/** `anthropic:claude-3-5-haiku-latest` (a model named with its provider) is priced as its model. */
function unprefixed(model: string): string {
  return model.toLowerCase().replace(/^(?:openai|anthropic|google-genai|ollama):/, '');
}
