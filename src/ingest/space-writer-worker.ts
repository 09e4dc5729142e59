import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { osThreadId } from '../retrieval/worker-spawn.js';
import type { LoadRequest, LoadResult } from './load-chunk.js';
import { SpaceWriter, type SpaceWriterSpec, type WriterRecord } from './space-writer.js';

/** Worker thread entry: runs SpaceWriter jobs and file loading for space-writer-thread.ts. */
export type WriterRequest =
  | { type: 'open'; job: number; spec: SpaceWriterSpec }
  | { type: 'add'; job: number; records: WriterRecord[] }
  | { type: 'close'; job: number }
  | { type: 'load'; job: number; files: LoadRequest[]; fault?: 'throw' | 'exit' };

export type WriterReply =
  | { type: 'thread'; job: 0; tid: number | null }
  | { type: 'closed'; job: number; result: ReturnType<SpaceWriter['finish']> }
  | { type: 'loaded'; job: number; results: LoadResult[] }
  | { type: 'failed'; job: number; message: string; stack?: string };

const port = parentPort;
if (!port) throw new Error('space-writer-worker must run in a worker thread');

// The main thread sets this thread's priority (low while it overlaps a long HNSW insertion).
port.postMessage({ type: 'thread', job: 0, tid: osThreadId() } satisfies WriterReply);

const writers = new Map<number, SpaceWriter>();
const failed = new Set<number>();

// Loaders (PDF, HTML, ...) are imported on first use: a run that only patches shards never needs them.
let loader: Promise<typeof import('./load-chunk.js')> | null = null;

async function load(msg: Extract<WriterRequest, { type: 'load' }>): Promise<void> {
  try {
    if (msg.fault === 'throw') throw new Error('injected loader fault');
    if (msg.fault === 'exit') process.exit(70);
    loader ??= import('./load-chunk.js');
    const { loadAndChunk } = await loader;
    const results: LoadResult[] = [];
    for (const req of msg.files) results.push(await loadAndChunk(req, (abs) => fs.readFileSync(abs)));
    port?.postMessage({ type: 'loaded', job: msg.job, results } satisfies WriterReply);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port?.postMessage({
      type: 'failed',
      job: msg.job,
      message: e.message,
      stack: e.stack,
    } satisfies WriterReply);
  }
}

port.on('message', (msg: WriterRequest) => {
  if (msg.type === 'load') {
    void load(msg);
    return;
  }
  if (failed.has(msg.job)) return;
  try {
    if (msg.type === 'open') {
      writers.set(msg.job, new SpaceWriter(msg.spec));
      return;
    }
    const writer = writers.get(msg.job);
    if (!writer) throw new Error(`no open space writer job ${msg.job}`);
    if (msg.type === 'add') {
      writer.add(msg.records);
    } else {
      writers.delete(msg.job);
      port.postMessage({ type: 'closed', job: msg.job, result: writer.finish() } satisfies WriterReply);
    }
  } catch (err) {
    failed.add(msg.job);
    writers.get(msg.job)?.abort();
    writers.delete(msg.job);
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({
      type: 'failed',
      job: msg.job,
      message: e.message,
      stack: e.stack,
    } satisfies WriterReply);
  }
});
