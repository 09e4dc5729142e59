import type { Config } from '../config.js';
import { CopilotError } from '../errors.js';
import { checkFreshness, type Freshness } from '../ingest/freshness.js';
import { createEmbedder } from '../retrieval/embedders/index.js';
import { type LoadedIndex, openIndex } from '../retrieval/index-reader.js';

/**
 * Open the current index for querying (CLIs, server). Missing → a clear error that says how to
 * build it; stale → returned so the caller can say so (search still works on what is indexed).
 */
export async function openIndexForQuery(
  config: Config,
): Promise<{ index: LoadedIndex; freshness: Freshness }> {
  const freshness = await checkFreshness(
    config.knowledgeDir,
    config.indexDir,
    config.ingest.maxFileBytes,
  ).catch((): Freshness => ({ status: 'missing', changed: [] }));
  if (freshness.status === 'missing') {
    throw new CopilotError('index:missing', `No index found in ${config.indexDir}.`, {
      hint: 'Build it with `npm run ingest` (use --knowledge/--index if you use other dirs).',
    });
  }
  const embedder = await createEmbedder(config);
  return { index: openIndex({ indexDir: config.indexDir, embedder, hnsw: config.hnsw }), freshness };
}

export function stalenessWarning(f: Freshness, knowledgeDir: string): string | null {
  if (f.status !== 'stale') return null;
  const files = f.changed.slice(0, 5).join(', ') + (f.changed.length > 5 ? ', …' : '');
  return `warning: the index is stale for ${knowledgeDir}: ${f.reason}${files ? ` (${files})` : ''}. Run \`npm run ingest\` to update it.`;
}
