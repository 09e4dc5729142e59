import { CopilotError } from '../errors.js';
import type { Reindexer } from '../ingest/reindex-types.js';
import type { IndexSummary } from '../ingest/types.js';
import type { SlackAppDeps } from './types.js';

/**
 * The `reindex` dependency of createSlackApp, on top of the shared Reindexer: requests a run (or
 * joins the one in progress), waits for it, and words the summary for Slack. The composition root
 * passes `reindex: reindexHook(reindexer)`.
 */
export function reindexHook(reindexer: Reindexer): NonNullable<SlackAppDeps['reindex']> {
  return async (requestedBy, via) => {
    const job = await reindexer.wait(reindexer.request(via, requestedBy).id);
    if (job.status !== 'succeeded' || !job.summary) {
      throw new CopilotError(
        job.error?.code ?? 'index:failed',
        job.error?.message ?? 'The reindex did not finish.',
        {
          hint: 'The previous index is still serving; the server logs say what went wrong.',
        },
      );
    }
    return { summary: formatIndexSummary(job.summary) };
  };
}

export function formatIndexSummary(s: IndexSummary): string {
  const changes = `${s.added} added, ${s.updated} updated, ${s.removed} removed`;
  const skipped = s.skipped.length ? `, ${s.skipped.length} file(s) skipped` : '';
  return `${s.documents} documents, ${s.chunks} chunks (${changes}${skipped}) in ${(s.ms / 1000).toFixed(1)} s, version ${s.version}`;
}
