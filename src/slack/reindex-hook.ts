import type { IndexSummary } from '../domain/documents.js';
import { CopilotError } from '../errors.js';
import type { Reindexer, ReindexJob } from '../ingest/reindex-types.js';
import type { SlackAppDeps } from './types.js';

/**
 * The `reindex` dependency of createSlackApp, on top of the shared Reindexer: requests a run (or
 * joins the one asked for already), reports its progress while it runs, waits for it, and words
 * the summary for Slack. The composition root passes `reindex: reindexHook(reindexer)`.
 */
export function reindexHook(reindexer: Reindexer): NonNullable<SlackAppDeps['reindex']> {
  return async (requestedBy, via, onProgress) => {
    const mine = reindexer.request(via, requestedBy);
    // A queued job means another run holds the line: this request was folded into the follow-up.
    let queued = mine.status === 'queued';
    const report = (job: ReindexJob) => {
      if (!onProgress || job.finishedAt) return;
      const { percent, phase } = job.progress;
      if (job.id === mine.id) {
        if (job.status === 'running') queued = false;
        onProgress(queued ? { state: 'queued' } : { state: 'running', percent, phase });
      } else if (queued && job.status === 'running') {
        // While waiting, the run being waited for is the progress worth showing.
        onProgress({ state: 'queued', current: { percent, phase } });
      }
    };
    const unsubscribe = onProgress ? reindexer.onUpdate(report) : () => {};
    try {
      report(mine);
      const job = await reindexer.wait(mine.id);
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
    } finally {
      unsubscribe();
    }
  };
}

export function formatIndexSummary(s: IndexSummary): string {
  const changes = `${s.added} added, ${s.updated} updated, ${s.removed} removed`;
  const skipped = s.skipped.length ? `, ${s.skipped.length} file(s) skipped` : '';
  return `${s.documents} documents, ${s.chunks} chunks (${changes}${skipped}) in ${(s.ms / 1000).toFixed(1)} s, version ${s.version}`;
}
