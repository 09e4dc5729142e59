import type { Worker } from 'node:worker_threads';
import type { Embedder } from '../types.js';
import { spawnWorker } from '../worker-spawn.js';
import { createLocalEmbedder } from './local.js';
import type { EmbedReply, EmbedRequest } from './local-embed-worker.js';

/** Batches smaller than this are embedded inline: a thread round trip is not worth it. */
const MIN_THREAD_BATCH = 256;
/** The thread is stopped after this long without work (it holds memory, and nothing else). */
const IDLE_MS = 10_000;

/**
 * The local embedder with embedDocuments in a worker thread, so indexing embeds on another core
 * while the main thread inserts vectors into HNSW (and a reindex in the server does not stall it).
 * Same id and the very same numbers as createLocalEmbedder (vectors come back as float64);
 * embedQuery stays inline (one short text, latency matters). The thread starts on first use,
 * never keeps the process alive, and stops when idle. If it fails, pending calls reject.
 */
export function createThreadedLocalEmbedder(opts: { dimensions?: number } = {}): Embedder {
  const inline = createLocalEmbedder(opts); // validates dimensions; used for queries and small batches
  const dims = inline.dimensions;
  let worker: Worker | null = null;
  let idle: NodeJS.Timeout | null = null;
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (v: number[][]) => void; reject: (e: Error) => void; n: number }
  >();

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const stop = () => {
    const w = worker;
    worker = null;
    if (w) void w.terminate();
  };
  const start = (): Worker => {
    const w = spawnWorker(new URL('./local-embed-worker.js', import.meta.url), {
      workerData: { dimensions: dims },
    });
    w.unref();
    w.on('message', (msg: EmbedReply) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if ('error' in msg) return p.reject(new Error(`Local embedding thread failed: ${msg.error}`));
      const out: number[][] = new Array(p.n);
      for (let i = 0; i < p.n; i++) {
        // A plain loop: Array.from on a typed array goes through the iterator, ~10x slower.
        const v = new Array<number>(dims);
        for (let d = 0, off = i * dims; d < dims; d++) v[d] = msg.data[off + d] as number;
        out[i] = v;
      }
      p.resolve(out);
      if (pending.size === 0) {
        w.unref(); // only pending work keeps the process alive
        armIdle();
      }
    });
    const die = (err: Error) => {
      if (worker === w) worker = null;
      failAll(err);
    };
    w.on('error', (err) => die(new Error(`Local embedding thread crashed: ${err.message}`, { cause: err })));
    w.on('exit', (code) => {
      if (worker === w) die(new Error(`Local embedding thread exited with code ${code}`));
    });
    return w;
  };
  const armIdle = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(stop, IDLE_MS);
    idle.unref();
  };

  return {
    id: inline.id,
    dimensions: dims,
    embedDocuments(texts) {
      if (texts.length < MIN_THREAD_BATCH) return inline.embedDocuments(texts);
      if (idle) clearTimeout(idle);
      worker ??= start();
      const w = worker;
      w.ref();
      return new Promise<number[][]>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject, n: texts.length });
        w.postMessage({ id, texts } satisfies EmbedRequest);
      });
    },
    embedQuery: (text) => inline.embedQuery(text),
    warm() {
      // Start the thread now (loading its modules takes a moment) so the first batch does not wait.
      if (worker) return;
      worker = start();
      armIdle();
    },
  };
}
