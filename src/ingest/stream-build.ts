import type { SkippedFile } from '../domain/documents.js';
import type { HnswParams } from '../retrieval/hnsw-store.js';
import { HnswStore } from '../retrieval/hnsw-store.js';
import type { ManifestEntry } from '../retrieval/index-files.js';
import { lexicalShardCount, sourceHash } from '../retrieval/lexical.js';
import type { SpaceManifest } from '../retrieval/space-index.js';
import type { Embedder } from '../retrieval/types.js';
import type { LoadResult } from './load-chunk.js';
import type { KnowledgeFile } from './scan.js';
import type { SpaceWriterSpec } from './space-writer.js';
import type { SpaceWriterThread, ThreadWriterHandle } from './space-writer-thread.js';

/** Texts per embedding request. */
export const EMBED_BATCH = 512;
/** Batches being embedded while one is inserted. */
export const EMBED_AHEAD = 3;
/** Files per load request to the helper thread. */
const LOAD_BATCH = 16;
/**
 * The HNSW's first capacity, from the files' size (it grows by half when exceeded): bytes of
 * source per chunk, roughly, and a ceiling so that large binary files (PDFs) do not reserve
 * gigabytes up front.
 */
const BYTES_PER_CHUNK = 600;
const MAX_FIRST_CAPACITY = 262_144;

export interface StreamedSpace {
  documents: number;
  chunkCount: number;
  added: number;
  /** Manifest entries of the files indexed, labels assigned. */
  files: Record<string, ManifestEntry>;
  skippedFiles: NonNullable<SpaceManifest['skipped']>;
  shardCount: number;
  /** Every chunk inserted, labels 0..chunkCount-1. */
  vectors: HnswStore;
  /** The lexical writer job, fed every chunk; the caller closes it. */
  writer: ThreadWriterHandle;
}

export interface StreamOptions {
  files: KnowledgeFile[];
  embedder: Embedder;
  hnsw: HnswParams;
  thread: SpaceWriterThread;
  spaceDir: string;
  lexicalShardTarget?: number;
  fault?: SpaceWriterSpec['fault'];
  skipped: SkippedFile[];
  onLoaded: () => void;
  /** Loading has ended with this many chunks. */
  onLoadDone: (chunks: number) => void;
  onIndexed: (n: number) => void;
}

/**
 * A new space's build with loading and insertion overlapped (a full build of many files).
 *
 * The plain path loads every file, then embeds and inserts: the HNSW insertion, the longest part
 * of a build and one that only this thread can do, would wait seconds for loading. Here the
 * helper thread loads (and keeps) the files while this thread takes their chunks in order as
 * they arrive, assigns labels, and embeds and inserts them; loading is the helper's alone, at
 * normal priority, until it ends. Then the shard count is known (it depends on the chunk count),
 * the lexical writer job opens in the same thread, at low priority, and adopts the chunks it
 * loaded: only labels cross back, never the chunks.
 */
export async function streamFreshSpace(opts: StreamOptions): Promise<StreamedSpace> {
  const { embedder, thread } = opts;
  // Files load, and their chunks are labelled and inserted, in the order of their path's hash, not
  // the scan's: the scan's order has structure (folders, numbered series), and on the bench corpus
  // an HNSW built in it had lower recall than one built in a hash order (docs/performance.md). The
  // plain path inserts in shard order, also a hash order.
  const files = opts.files
    .map((file) => ({ file, hash: sourceHash(file.source) }))
    .sort((a, b) => a.hash - b.hash || (a.file.source < b.file.source ? -1 : 1))
    .map((f) => f.file);
  const out = {
    documents: 0,
    chunkCount: 0,
    added: 0,
    files: {} as Record<string, ManifestEntry>,
    skippedFiles: {} as NonNullable<SpaceManifest['skipped']>,
  };
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const vectors = HnswStore.create(
    embedder.dimensions,
    opts.hnsw,
    Math.min(MAX_FIRST_CAPACITY, Math.max(1024, Math.ceil(totalBytes / BYTES_PER_CHUNK))),
  );
  /** Texts to embed, by label (a slot is cleared once sent). */
  const texts: Array<string | undefined> = [];
  /** [source, first label] of each file with chunks, for the writer to adopt. */
  const adopted: Array<[string, number]> = [];

  const accept = (file: KnowledgeFile, result: LoadResult) => {
    opts.onLoaded();
    if (result.kind === 'chunks') {
      const first = texts.length;
      for (const c of result.chunks) texts.push(c.embedText);
      out.files[file.source] = {
        hash: result.hash,
        size: file.size,
        mtimeMs: file.mtimeMs,
        title: result.chunks[0]?.title ?? '',
        chunks: result.chunks.map((c, i) => ({ id: c.id, label: first + i })),
      };
      adopted.push([file.source, first]);
      out.added++;
      out.documents++;
      out.chunkCount += result.chunks.length;
      return;
    }
    const reason =
      result.kind === 'unreadable' || result.kind === 'failed'
        ? result.reason
        : 'unchanged content reported as changed';
    opts.skipped.push({ path: file.source, reason });
    // A file read but not indexable is remembered, so the next run skips it until it changes.
    if (result.kind !== 'unreadable')
      out.skippedFiles[file.source] = { size: file.size, mtimeMs: file.mtimeMs, reason };
  };

  // Loading: in the helper thread, results taken in that order (labels follow it).
  const results: Array<LoadResult | undefined> = new Array(files.length);
  let accepted = 0;
  let loadDone = false;
  let loadError: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  // Every request is sent at once: this thread answers messages only between insertion batches
  // (a few tenths of a second each), and the helper must not wait for it to ask for more.
  const requests: Array<Promise<void>> = [];
  for (let start = 0; start < files.length; start += LOAD_BATCH) {
    const batch = files.slice(start, start + LOAD_BATCH);
    requests.push(
      thread
        .load(
          batch.map((file) => ({ file })),
          opts.fault,
          true,
        )
        .then((got) => {
          got.forEach((r, j) => {
            results[start + j] = r;
          });
          for (; accepted < files.length && results[accepted]; accepted++) {
            accept(files[accepted] as KnowledgeFile, results[accepted] as LoadResult);
            results[accepted] = undefined;
          }
          notify();
        }),
    );
  }

  let writer = null as ThreadWriterHandle | null;
  let shardCount = 1;
  const loading = Promise.all(requests)
    .then(() => {
      loadDone = true;
      opts.onLoadDone(out.chunkCount);
      // Every chunk is known: the shard count follows, and the writer takes what the thread loaded.
      shardCount = lexicalShardCount(out.chunkCount, opts.lexicalShardTarget);
      writer = thread.open({
        spaceDir: opts.spaceDir,
        prevSpaceDir: null,
        shardCount,
        mode: 'build',
        prevSegments: [],
        deletes: [],
        freshShards: [],
        keep: [],
        background: true,
        ...(opts.fault ? { fault: opts.fault } : {}),
      });
      writer.adopt(adopted);
    })
    .catch((err: unknown) => {
      loadError = err instanceof Error ? err : new Error(String(err));
    })
    .finally(notify);

  // Embedding and insertion, up to EMBED_AHEAD batches embedded ahead of the insertion; a partial
  // batch only once loading is done.
  const ahead: Array<{ start: number; count: number; embedded: Promise<number[][]> }> = [];
  let sent = 0;
  const fill = () => {
    while (ahead.length < EMBED_AHEAD) {
      const ready = texts.length - sent;
      if (ready <= 0 || (ready < EMBED_BATCH && !loadDone)) return;
      const count = Math.min(EMBED_BATCH, ready);
      const batch = texts.slice(sent, sent + count) as string[];
      texts.fill(undefined, sent, sent + count);
      const embedded = embedder.embedDocuments(batch);
      embedded.catch(() => {}); // awaited below; never an unhandled rejection if the run fails first
      ahead.push({ start: sent, count, embedded });
      sent += count;
    }
  };
  try {
    for (;;) {
      if (loadError) throw loadError;
      fill();
      const next = ahead.shift();
      if (!next) {
        if (loadDone) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      const embedded = await next.embedded;
      fill();
      writer?.check(); // fail fast if the writer thread has failed
      const labels = Array.from({ length: next.count }, (_, i) => next.start + i);
      vectors.addMany(labels, embedded);
      opts.onIndexed(next.count);
    }
    await loading;
    if (loadError) throw loadError;
    if (!writer) throw new Error('the lexical writer did not open');
    return { ...out, shardCount, vectors, writer };
  } catch (err) {
    writer?.abort();
    throw err;
  }
}
