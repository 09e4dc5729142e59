import type { Config } from '../../config.js';
import type { Embedder } from '../types.js';
import { createLocalEmbedder } from './local.js';
import { createOpenAIEmbedder } from './openai.js';

export type { CachedEmbedder } from './cache.js';
export { withEmbeddingCache } from './cache.js';
export { createLocalEmbedder } from './local.js';
export { createOpenAIEmbedder, knownEmbeddingDimensions } from './openai.js';

/**
 * The embedder named by config (EMBEDDINGS). Async because an OpenAI-compatible model of
 * unknown size is probed once for its dimensions. Callers wrap it with withEmbeddingCache.
 */
export async function createEmbedder(config: Config): Promise<Embedder> {
  const e = config.embeddings;
  if (e.kind === 'local') return createLocalEmbedder({ dimensions: e.dimensions ?? 384 });
  return createOpenAIEmbedder({
    apiKey: config.openai.apiKey,
    baseURL: config.openai.baseURL,
    model: e.model,
    dimensions: e.dimensions,
    batchSize: e.batchSize,
    maxRetries: e.maxRetries,
  });
}
