import path from 'node:path';
import type { Config } from '../config.js';
import { withEmbeddingCache } from './embedders/cache.js';
import { createEmbedder } from './embedders/index.js';
import { layout } from './index-files.js';

/** The embedder used for indexing: the configured one behind the persistent embedding cache. */
export async function createIndexEmbedder(config: Config) {
  const inner = await createEmbedder(config);
  return withEmbeddingCache(inner, path.join(layout.cache(config.indexDir), 'embeddings'));
}
