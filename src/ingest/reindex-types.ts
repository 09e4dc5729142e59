import type { IndexSummary, IngestProgress } from '../domain/documents.js';

/** Who asked for a reindex: every trigger runs the same job. */
export type ReindexTrigger =
  | 'cli'
  | 'startup'
  | 'slack_command'
  | 'app_home'
  | 'http'
  | 'saved_answer'
  | 'source_sync';

export interface ReindexJob {
  id: string;
  trigger: ReindexTrigger;
  requestedBy?: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: IngestProgress & { percent: number };
  summary?: IndexSummary;
  error?: { code: string; message: string };
  /** Requests that were folded into this job while another run was going. */
  coalesced: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
}

/**
 * One reindex at a time (Redis lock across replicas, in-process mutex without Redis); a request
 * during a run is coalesced into one follow-up run. A failed run leaves the old version serving.
 */
export interface Reindexer {
  /** Start (or join) a run. Returns at once with the job that will cover this request. */
  request(trigger: ReindexTrigger, requestedBy?: string): ReindexJob;
  get(id: string): ReindexJob | null;
  /** Resolves when the job has finished (succeeded or failed); never rejects. */
  wait(id: string): Promise<ReindexJob>;
  /** Progress and state changes of every job. Returns an unsubscribe function. */
  onUpdate(listener: (job: ReindexJob) => void): () => void;
}
