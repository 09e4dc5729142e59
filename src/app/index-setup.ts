import type { Config } from '../config.js';
import type { IndexSummary, IngestProgress } from '../domain/documents.js';
import { checkFreshness } from '../ingest/freshness.js';
import { runIndex } from '../ingest/indexer.js';
import type { Logger } from '../logger.js';
import type { CachedEmbedder } from '../retrieval/embedders/cache.js';

/** One indexing run with the app's settings: what every reindex trigger (and start-up) runs. */
export function indexRun(
  config: Config,
  embedder: CachedEmbedder,
  logger: Logger,
  opts: { full?: boolean } = {},
): (onProgress?: (p: IngestProgress) => void) => Promise<IndexSummary> {
  return (onProgress) =>
    runIndex({
      knowledgeDir: config.knowledgeDir,
      indexDir: config.indexDir,
      embedder,
      hnsw: config.hnsw,
      maxFileBytes: config.ingest.maxFileBytes,
      full: Boolean(opts.full),
      ...(onProgress ? { onProgress } : {}),
      warn: (msg, data) => logger.warn(data ?? {}, msg),
    });
}

/** Build the index when it is missing or stale (incrementally), so `npm start` just works. */
export async function ensureIndex(
  config: Config,
  embedder: CachedEmbedder,
  logger: Logger,
): Promise<IndexSummary | null> {
  const freshness = await checkFreshness(
    config.knowledgeDir,
    config.indexDir,
    config.ingest.maxFileBytes,
  ).catch(() => ({ status: 'missing' as const, changed: [] as string[], reason: 'unreadable index' }));
  if (freshness.status === 'fresh') return null;
  logger.info(
    { status: freshness.status, reason: freshness.reason, knowledgeDir: config.knowledgeDir },
    freshness.status === 'missing' ? 'no index yet: building it' : 'knowledge changed: updating the index',
  );
  const summary = await indexRun(config, embedder, logger)();
  const { skipped, ...counts } = summary;
  logger.info({ ...counts, skipped: skipped.length }, 'index ready');
  for (const s of skipped) logger.warn({ file: s.path, reason: s.reason }, 'knowledge file skipped');
  return summary;
}
