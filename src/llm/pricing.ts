import type { Usage } from '../memory/types.js';

/** USD per 1M tokens. Dated snapshots ("gpt-4o-mini-2024-07-18") match by longest prefix. */
const PRICES: Record<string, { input: number; output: number }> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
};

/** Adds or overrides entries of the cost table (LLM_PRICES). */
export function addPrices(prices: Record<string, { input: number; output: number }>): void {
  for (const [model, price] of Object.entries(prices)) PRICES[model.toLowerCase()] = price;
}

/** Whether the cost table has an entry for the model (exactly or as a dated snapshot). */
export function hasPrice(model: string): boolean {
  const name = model.toLowerCase();
  return Object.keys(PRICES).some((key) => name === key || name.startsWith(`${key}-`));
}

/** Price of a model; unknown models (local servers, the offline extractor) cost 0. */
export function modelPrice(model: string): { input: number; output: number } {
  const name = model.toLowerCase();
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
