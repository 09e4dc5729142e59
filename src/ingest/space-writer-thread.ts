import type { Worker } from 'node:worker_threads';
import { setThreadPriority, spawnWorker } from '../retrieval/worker-spawn.js';
import type { LoadRequest, LoadResult } from './load-chunk.js';
import {
  SpaceWriter,
  type SpaceWriterResult,
  type SpaceWriterSpec,
  type WriterRecord,
} from './space-writer.js';
import type { WriterReply, WriterRequest } from './space-writer-worker.js';

/** The indexer's view of a space writer, inline or in the worker thread. */
export interface SpaceWriterHandle {
  /** Queue fresh records (sorted by shard across calls). Throws at once if the writer has failed. */
  add(records: WriterRecord[]): void;
  /** Throw if the writer has failed so far (for long runs that add everything up front). */
  check(): void;
  /** Finish writing; rejects if the writer failed at any point. */
  close(): Promise<SpaceWriterResult>;
  /** Give up (the run failed): release what the writer holds; its output is discarded. */
  abort(): void;
}

/** A writer job in the thread, which can also index chunks the thread loaded itself. */
export interface ThreadWriterHandle extends SpaceWriterHandle {
  /**
   * Add, as fresh records, the chunks the thread kept when it loaded these files (load with
   * `keep`), labelled from each file's first label; sorted by shard in the thread.
   */
  adopt(files: Array<[source: string, firstLabel: number]>): void;
}

export function inlineSpaceWriter(spec: SpaceWriterSpec): SpaceWriterHandle {
  const writer = new SpaceWriter(spec);
  return {
    add(records) {
      try {
        writer.add(records);
      } catch (err) {
        writer.abort();
        throw err;
      }
    },
    check: () => {},
    close: async () => writer.finish(),
    abort: () => writer.abort(),
  };
}

interface Job {
  error: Error | null;
  done: { resolve: (r: SpaceWriterResult) => void; reject: (e: Error) => void } | null;
}

/**
 * One worker thread that runs space writers while the main thread embeds and inserts vectors.
 * Any failure in it (an error in a job, an uncaught error, the thread exiting) fails the jobs
 * it affects: their next add() throws and close() rejects, so the run fails and the previous
 * version keeps serving.
 */
export class SpaceWriterThread {
  private readonly jobs = new Map<number, Job>();
  private readonly loads = new Map<
    number,
    { resolve: (r: LoadResult[]) => void; reject: (e: Error) => void }
  >();
  private nextJob = 1;
  private dead: Error | null = null;
  private stopping = false;
  /** The worker's OS thread id once it has reported it, and the priority it should have. */
  private tid: number | null = null;
  private nice = 0;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (msg: WriterReply) => {
      if (msg.type === 'thread') {
        this.tid = msg.tid;
        if (this.nice !== 0) setThreadPriority(this.tid, this.nice);
        return;
      }
      const load = this.loads.get(msg.job);
      if (load) {
        this.loads.delete(msg.job);
        if (msg.type === 'loaded') load.resolve(msg.results);
        else
          load.reject(
            new Error(
              `Loading files in the writer thread failed: ${msg.type === 'failed' ? msg.message : msg.type}`,
            ),
          );
        return;
      }
      const job = this.jobs.get(msg.job);
      if (!job) return;
      if (msg.type === 'loaded') return;
      if (msg.type === 'closed') {
        this.jobs.delete(msg.job);
        job.done?.resolve(msg.result);
      } else {
        const err = new Error(`Lexical index writer failed: ${msg.message}`);
        if (msg.stack) err.stack = `${err.message}\n(worker) ${msg.stack}`;
        this.fail(job, msg.job, err);
      }
    });
    worker.on('error', (err) =>
      this.die(new Error(`Lexical index writer thread crashed: ${err.message}`, { cause: err })),
    );
    worker.on('messageerror', (err) =>
      this.die(new Error(`Lexical index writer message error: ${err.message}`)),
    );
    worker.on('exit', (code) => {
      if (!this.stopping) this.die(new Error(`Lexical index writer thread exited with code ${code}`));
    });
  }

  static start(): SpaceWriterThread {
    return new SpaceWriterThread(spawnWorker(new URL('./space-writer-worker.js', import.meta.url)));
  }

  open(spec: SpaceWriterSpec): ThreadWriterHandle {
    const id = this.nextJob++;
    const job: Job = { error: this.dead, done: null };
    this.jobs.set(id, job);
    // Low priority while the job overlaps the insertion on the main thread; normal again once
    // the main thread waits for it (close), so what is left is not starved by other processes.
    if (spec.background) this.setNice(19);
    this.post({ type: 'open', job: id, spec });
    return {
      add: (records) => {
        if (job.error) throw job.error;
        this.post({ type: 'add', job: id, records });
      },
      adopt: (files) => {
        if (job.error) throw job.error;
        this.post({ type: 'adopt', job: id, files });
      },
      check: () => {
        if (job.error) throw job.error;
      },
      close: () =>
        new Promise<SpaceWriterResult>((resolve, reject) => {
          this.setNice(0);
          if (job.error) return reject(job.error);
          job.done = { resolve, reject };
          this.post({ type: 'close', job: id });
        }),
      // The run stops the thread before it removes the temp dir; nothing to release here.
      abort: () => {
        job.error ??= new Error('aborted');
      },
    };
  }

  /**
   * Read, hash, parse and chunk files in the thread (see loadFiles). With `keep`, the thread also
   * keeps each file's chunks for a writer job to adopt (a streamed build).
   */
  load(files: LoadRequest[], fault?: 'throw' | 'exit', keep = false): Promise<LoadResult[]> {
    return new Promise((resolve, reject) => {
      if (this.dead) return reject(this.dead);
      const id = this.nextJob++;
      this.loads.set(id, { resolve, reject });
      this.post({ type: 'load', job: id, files, ...(keep ? { keep } : {}), ...(fault ? { fault } : {}) });
    });
  }

  private setNice(nice: number): void {
    this.nice = nice;
    setThreadPriority(this.tid, nice);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
  }

  private post(msg: WriterRequest): void {
    if (!this.dead) this.worker.postMessage(msg);
  }

  private fail(job: Job, id: number, err: Error): void {
    this.jobs.delete(id);
    job.error = err;
    job.done?.reject(err);
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    for (const [id, job] of this.jobs) this.fail(job, id, err);
    for (const load of this.loads.values()) load.reject(err);
    this.loads.clear();
  }
}
