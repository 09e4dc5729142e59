import path from 'node:path';
import type { Config } from '../config.js';
import { withEmbeddingCache } from './embedders/cache.js';
import { createEmbedder } from './embedders/index.js';
import { createThreadedLocalEmbedder } from './embedders/local-threaded.js';
import { layout } from './index-files.js';

/**
 * The embedder used for indexing: the configured one behind the persistent embedding cache.
 * The local embedder embeds in a worker thread here, so a build embeds on one core while the
 * indexer inserts vectors on the other (same id and vectors as the inline one).
 */
export async function createIndexEmbedder(config: Config) {
  const e = config.embeddings;
  const inner =
    e.kind === 'local'
      ? createThreadedLocalEmbedder({ dimensions: e.dimensions })
      : await createEmbedder(config);
  return withEmbeddingCache(inner, path.join(layout.cache(config.indexDir), 'embeddings'));
}
