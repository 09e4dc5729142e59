import { randomUUID } from 'node:crypto';
import type { IndexSummary, IngestProgress } from '../domain/documents.js';
import { CopilotError, isCopilotError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { JobLock } from './job-lock.js';
import type { Reindexer, ReindexJob, ReindexTrigger } from './reindex-types.js';

export interface ReindexerDeps {
  /** One indexing run (runIndex with the app's config and embedder). */
  run: (onProgress: (p: IngestProgress) => void) => Promise<IndexSummary>;
  lock: JobLock;
  /** Called after a successful run: swap this replica and announce the version to the others. */
  published?: (version: string) => Promise<void> | void;
  logger: Logger;
  observe?: (job: ReindexJob) => void;
  /** Finished jobs kept for GET /admin/reindex/:id. */
  keep?: number;
}

// Progress phases mapped onto one percentage so every surface can show a single number.
const PHASES: Record<IngestProgress['phase'], [number, number]> = {
  scan: [0, 5],
  load: [5, 30],
  embed: [30, 60],
  index: [30, 90],
  write: [90, 99],
  done: [100, 100],
};

export function percentOf(p: IngestProgress): number {
  const [from, to] = PHASES[p.phase];
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  return Math.round(from + (to - from) * frac);
}

export function createReindexer(deps: ReindexerDeps): Reindexer {
  const jobs = new Map<string, ReindexJob>();
  const waiters = new Map<string, Array<(job: ReindexJob) => void>>();
  const listeners = new Set<(job: ReindexJob) => void>();
  let running: ReindexJob | null = null;
  let queued: ReindexJob | null = null;

  const changed = (job: ReindexJob) => {
    deps.observe?.(job);
    for (const l of listeners) l({ ...job });
  };

  const prune = () => {
    const finished = [...jobs.values()].filter((j) => j.finishedAt);
    const extra = finished.length - (deps.keep ?? 50);
    for (const j of finished.slice(0, Math.max(0, extra))) jobs.delete(j.id);
  };

  async function start(job: ReindexJob): Promise<void> {
    running = job;
    job.status = 'running';
    job.startedAt = Date.now();
    changed(job);
    let release: (() => Promise<void>) | null = null;
    try {
      release = await deps.lock.acquire();
      job.summary = await deps.run((p) => {
        job.progress = { ...p, percent: percentOf(p) };
        changed(job);
      });
      job.status = 'succeeded';
      job.progress = { phase: 'done', done: 1, total: 1, percent: 100 };
      await deps.published?.(job.summary.version);
      deps.logger.info(
        { jobId: job.id, trigger: job.trigger, version: job.summary.version, ms: job.summary.ms },
        'reindex finished',
      );
    } catch (err) {
      const e = isCopilotError(err)
        ? err
        : new CopilotError('index:failed', (err as Error)?.message ?? String(err), { cause: err });
      job.status = 'failed';
      job.error = { code: e.code, message: e.hint ? `${e.message} ${e.hint}` : e.message };
      deps.logger.error(
        { jobId: job.id, trigger: job.trigger, err: job.error },
        'reindex failed; the previous index keeps serving',
      );
    } finally {
      await release?.().catch(() => {});
      job.finishedAt = Date.now();
      running = null;
      changed(job);
      for (const w of waiters.get(job.id) ?? []) w({ ...job });
      waiters.delete(job.id);
      prune();
      const next = queued;
      queued = null;
      if (next) void start(next);
    }
  }

  return {
    request(trigger: ReindexTrigger, requestedBy?: string): ReindexJob {
      if (queued) {
        queued.coalesced++;
        return { ...queued };
      }
      const job: ReindexJob = {
        id: `rj_${randomUUID().replace(/-/g, '').slice(0, 12)}`,
        trigger,
        ...(requestedBy ? { requestedBy } : {}),
        status: 'queued',
        progress: { phase: 'scan', done: 0, total: 0, percent: 0 },
        coalesced: 0,
        createdAt: Date.now(),
      };
      jobs.set(job.id, job);
      if (running) queued = job;
      else void start(job);
      return { ...job };
    },
    get(id) {
      const job = jobs.get(id);
      return job ? { ...job } : null;
    },
    wait(id) {
      const job = jobs.get(id);
      if (!job)
        return Promise.resolve({
          id,
          status: 'failed',
          error: { code: 'index:unknown_job', message: `No reindex job ${id}.` },
        } as ReindexJob);
      if (job.finishedAt) return Promise.resolve({ ...job });
      return new Promise((resolve) => waiters.set(id, [...(waiters.get(id) ?? []), resolve]));
    },
    onUpdate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
