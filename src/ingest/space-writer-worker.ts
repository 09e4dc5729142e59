import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { Chunk } from '../domain/documents.js';
import { lexicalShardOf } from '../retrieval/lexical.js';
import { osThreadId } from '../retrieval/worker-spawn.js';
import type { LoadRequest, LoadResult } from './load-chunk.js';
import { SpaceWriter, type SpaceWriterSpec, type WriterRecord } from './space-writer.js';

/** Worker thread entry: runs SpaceWriter jobs and file loading for space-writer-thread.ts. */
export type WriterRequest =
  | { type: 'open'; job: number; spec: SpaceWriterSpec }
  | { type: 'add'; job: number; records: WriterRecord[] }
  | { type: 'close'; job: number }
  | { type: 'load'; job: number; files: LoadRequest[]; keep?: boolean; fault?: 'throw' | 'exit' }
  /** Index, as fresh records of the job, the chunks this thread loaded (kept) for these files. */
  | { type: 'adopt'; job: number; files: Array<[source: string, firstLabel: number]> };

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
/**
 * Chunks of files loaded with `keep` (a streamed build), until a job adopts them: the main thread
 * then sends only labels, not the chunks back.
 */
const kept = new Map<string, Chunk[]>();

// Loaders (PDF, HTML, ...) are imported on first use: a run that only patches shards never needs them.
let loader: Promise<typeof import('./load-chunk.js')> | null = null;

async function load(msg: Extract<WriterRequest, { type: 'load' }>): Promise<void> {
  try {
    if (msg.fault === 'throw') throw new Error('injected loader fault');
    if (msg.fault === 'exit') process.exit(70);
    loader ??= import('./load-chunk.js');
    const { loadAndChunk } = await loader;
    const results: LoadResult[] = [];
    for (const req of msg.files) {
      const result = await loadAndChunk(req, (abs) => fs.readFileSync(abs));
      if (msg.keep && result.kind === 'chunks') kept.set(req.file.source, result.chunks);
      results.push(result);
    }
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

// Load requests run one after another, in order: interleaved, every request would finish only
// near the end of all of them, and a streamed build needs the first files first.
let loading: Promise<void> = Promise.resolve();

port.on('message', (msg: WriterRequest) => {
  if (msg.type === 'load') {
    loading = loading.then(() => load(msg));
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
    } else if (msg.type === 'adopt') {
      writer.add(adopt(msg.files, writer.shardCount));
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

/** The kept chunks of `files` as records labelled from each file's first label, sorted by shard. */
function adopt(files: Array<[source: string, firstLabel: number]>, shardCount: number): WriterRecord[] {
  const records: WriterRecord[] = [];
  for (const [source, first] of files) {
    const chunks = kept.get(source);
    if (!chunks) throw new Error(`no loaded chunks kept for ${source}`);
    kept.delete(source);
    const shard = lexicalShardOf(source, shardCount);
    for (const [i, chunk] of chunks.entries()) records.push({ label: first + i, shard, chunk });
  }
  // A stable sort: within a shard, records stay in label order.
  return records.sort((a, b) => a.shard - b.shard);
}
