import fs from 'node:fs';
import path from 'node:path';
import type { Chunk, IndexSummary, IngestProgress, SkippedFile } from '../domain/documents.js';
import type { HnswParams } from '../retrieval/hnsw-store.js';
import { HnswStore } from '../retrieval/hnsw-store.js';
import {
  entryCount,
  INCREMENTAL_FORMATS,
  INDEX_FORMAT,
  type IndexMeta,
  layout,
  linkOrCopy,
  linkSpace,
  type ManifestEntry,
  ManifestView,
  newVersionName,
  readCurrentVersion,
  readMeta,
  vectorsOf,
  writeCurrentVersion,
  writeJsonSync,
  writeManifest,
} from '../retrieval/index-files.js';
import { lexicalShardCount, lexicalShardOf } from '../retrieval/lexical.js';
import type { SpaceManifest } from '../retrieval/space-index.js';
import { loadSpacePolicy, spaceResolver } from '../retrieval/spaces.js';
import type { Embedder } from '../retrieval/types.js';
import {
  FLAT_DELTA_MAX,
  FlatSegment,
  MERGE_RATIO,
  mergeDue,
  newSegmentFile,
  type VectorSegmentsManifest,
} from '../retrieval/vector-segments.js';
import { acquireIndexLock } from './index-lock.js';
import { type LoadRequest, type LoadResult, loadFiles } from './load-chunk.js';
import { mergeSpace } from './merge.js';
import { cleanupVersions } from './retention.js';
import { type KnowledgeFile, scanKnowledge } from './scan.js';
import type { SpaceWriterSpec, WriterRecord } from './space-writer.js';
import { inlineSpaceWriter, type SpaceWriterHandle, SpaceWriterThread } from './space-writer-thread.js';
import { EMBED_AHEAD, EMBED_BATCH, type StreamedSpace, streamFreshSpace } from './stream-build.js';

export interface IndexOptions {
  knowledgeDir: string;
  indexDir: string;
  embedder: Embedder & { stats?: () => { misses: number }; flush?: () => Promise<void> };
  hnsw: HnswParams;
  maxFileBytes: number;
  /** Ignore the previous version and rebuild every space (the embedding cache still applies). */
  full?: boolean;
  onProgress?: (p: IngestProgress) => void;
  warn?: (msg: string, data?: Record<string, unknown>) => void;
  /**
   * Where the lexical shards and chunk segments are built and written: in a worker thread,
   * overlapping the HNSW insertion on this thread ('auto' does so when a space has enough
   * lexical work to repay starting the thread), or inline. Not 'inline': a full build of a space
   * of many files streams (stream-build.ts), and its lexical writer is always the thread's.
   */
  writer?: 'auto' | 'worker' | 'inline';
  /** Chunks per lexical shard in a large space (default LEXICAL_SHARD_TARGET); tests make it small. */
  lexicalShardTarget?: number;
  /** Test hook: make the space writer fail ('throw') or its worker thread die ('exit'). */
  writerFault?: SpaceWriterSpec['fault'];
}

/** A run whose own change passes MERGE_RATIO of max(base, this) writes a new base, not a delta. */
const FOLD_MIN_BASE = 10_000;
/** Lexical documents to (re)index below which the writer runs inline (a thread costs ~0.3 s to start). */
const WORKER_MIN_DOCS = 3000;

/** Build or incrementally update the index, then atomically publish it as the current version. */
export async function runIndex(opts: IndexOptions): Promise<IndexSummary> {
  const started = Date.now();
  const release = acquireIndexLock(opts.indexDir);
  const thread = new WriterThreadHolder();
  try {
    return await build(opts, started, thread);
  } finally {
    await thread.stop();
    release();
  }
}

/** The run's writer thread, started on first use (or early, when it will surely be needed). */
class WriterThreadHolder {
  private thread: SpaceWriterThread | null = null;

  get(): SpaceWriterThread {
    this.thread ??= SpaceWriterThread.start();
    return this.thread;
  }

  async stop(): Promise<void> {
    const t = this.thread;
    this.thread = null;
    await t?.stop();
  }
}

async function build(opts: IndexOptions, started: number, thread: WriterThreadHolder): Promise<IndexSummary> {
  const { indexDir, embedder } = opts;
  const progress = opts.onProgress ?? (() => {});
  const prevVersion = readCurrentVersion(indexDir);
  const prevDir = prevVersion ? layout.version(indexDir, prevVersion) : null;
  const prevMeta = prevDir ? readMeta(prevDir) : null;
  const sameEmbedder = prevMeta?.embedderId === embedder.id && prevMeta.dimensions === embedder.dimensions;
  if (prevMeta && !sameEmbedder) {
    opts.warn?.('embedder changed since the last index: rebuilding every space', {
      was: prevMeta.embedderId,
      now: embedder.id,
    });
  }
  // A format-4 space is read as it is and written in the current layout when it changes.
  const sameFormat = prevMeta !== null && INCREMENTAL_FORMATS.has(prevMeta.format);
  if (prevMeta && sameEmbedder && !sameFormat) {
    opts.warn?.('index format changed since the last index: rebuilding every space', {
      was: prevMeta.format,
      now: INDEX_FORMAT,
    });
  }
  const full = Boolean(opts.full) || !prevMeta || !sameEmbedder || !sameFormat;
  // An incremental run whose lexical patch will run in the writer thread (a shard of at least
  // WORKER_MIN_DOCS documents): start it now, so its startup overlaps the scan. With the default
  // shard size a one-file patch runs inline, and starting a thread would only cost CPU.
  const writerMode = opts.writer ?? 'auto';
  const perShard = Math.max(
    0,
    ...Object.values(prevMeta?.spaces ?? {}).map(
      (s) => s.chunks / lexicalShardCount(s.chunks, opts.lexicalShardTarget),
    ),
  );
  if (!full && writerMode === 'auto' && perShard >= WORKER_MIN_DOCS) thread.get();
  // A full build embeds everything: start the embedder's thread now, during the scan and load.
  if (full) embedder.warm?.();
  // Read (and validate) the space policy first: a broken spaces.json fails the run with a clear
  // error and the previous version keeps serving. The policy is stored in the version itself.
  const policy = loadSpacePolicy(opts.knowledgeDir).file;
  const policyChanged = JSON.stringify(prevMeta?.policy ?? null) !== JSON.stringify(policy);
  progress({ phase: 'scan', done: 0, total: 0 });
  const scan = await scanKnowledge(opts.knowledgeDir, {
    maxFileBytes: opts.maxFileBytes,
    spaceOf: spaceResolver(policy),
  });
  const skipped: SkippedFile[] = [...scan.skipped];
  const bySpace = new Map<string, KnowledgeFile[]>();
  for (const f of scan.files) {
    const list = bySpace.get(f.space);
    if (list) list.push(f);
    else bySpace.set(f.space, [f]);
  }

  const summary = { documents: 0, chunks: 0, added: 0, updated: 0, removed: 0, unchanged: 0, embedded: 0 };
  const missesBefore = embedder.stats?.().misses ?? 0;
  let textsEmbedded = 0;
  const spaces = new Map<string, { plan: SpacePlan; prevSpaceDir: string | null }>();
  const prevSpaces = new Set(Object.keys(prevMeta?.spaces ?? {}));

  // A full build of a space of many files streams: its files load in the helper thread while
  // this thread already embeds and inserts their chunks (stream-build.ts). It is planned and
  // applied in one go, below.
  const streamed = new Set(
    [...bySpace]
      .filter(([, files]) => full && writerMode !== 'inline' && files.length >= HELPER_MIN_FILES)
      .map(([space]) => space),
  );
  if (streamed.size > 0) thread.get();
  let loaded = 0;
  for (const [space, files] of bySpace) {
    if (streamed.has(space)) continue;
    const prevSpaceDir = !full && prevDir && prevSpaces.has(space) ? layout.space(prevDir, space) : null;
    const plan = await planSpace(
      space,
      files,
      prevSpaceDir,
      skipped,
      () => progress({ phase: 'load', done: ++loaded, total: scan.files.length }),
      writerMode === 'inline' ? null : () => (batch) => thread.get().load(batch, opts.writerFault),
    );
    summary.added += plan.added;
    summary.updated += plan.updated;
    summary.removed += plan.removedFiles.length;
    summary.unchanged += plan.unchangedFiles;
    spaces.set(space, { plan, prevSpaceDir });
  }
  for (const s of prevSpaces) {
    if (!bySpace.has(s) && prevDir && !full) {
      summary.removed += Object.keys(ManifestView.read(layout.space(prevDir, s)).files).length;
    }
  }
  const spaceSetChanged =
    [...prevSpaces].some((s) => !bySpace.has(s)) || [...bySpace.keys()].some((s) => !prevSpaces.has(s));
  const anyChange =
    full || spaceSetChanged || policyChanged || [...spaces.values()].some(({ plan }) => plan.changed);
  if (!anyChange && prevVersion && prevMeta) {
    for (const { plan } of spaces.values()) {
      summary.documents += plan.documents;
      summary.chunks += plan.chunkCount;
    }
    return { ...summary, skipped, ms: Date.now() - started, version: prevVersion };
  }

  const version = newVersionName();
  const tmpDir = path.join(layout.versions(indexDir), `${version}.tmp-${process.pid}`);
  fs.mkdirSync(tmpDir, { recursive: true });
  const meta: IndexMeta = {
    format: INDEX_FORMAT,
    version,
    createdAt: new Date().toISOString(),
    embedderId: embedder.id,
    dimensions: embedder.dimensions,
    hnsw: { m: opts.hnsw.m, efConstruction: opts.hnsw.efConstruction },
    knowledgeDir: path.resolve(opts.knowledgeDir),
    spaces: {},
    policy,
  };
  const ctx: ApplyContext = {
    opts,
    writerFor(spec, docs) {
      if (writerMode === 'inline' || (writerMode === 'auto' && docs < WORKER_MIN_DOCS))
        return inlineSpaceWriter(spec);
      return thread.get().open(spec);
    },
  };
  try {
    let totalFresh = [...spaces.values()].reduce((n, s) => n + s.plan.fresh.length, 0);
    let indexed = 0;
    const record = (space: string, documents: number, chunks: number, due: boolean) => {
      // mergeDue lets the background merge see from meta.json alone whether it has work.
      meta.spaces[space] = { documents, chunks, ...(due ? { mergeDue: true } : {}) };
      summary.documents += documents;
      summary.chunks += chunks;
    };
    for (const space of streamed) {
      const files = bySpace.get(space) as KnowledgeFile[];
      const spaceDir = layout.space(tmpDir, space);
      let loading = true;
      const s = await streamFreshSpace({
        files,
        embedder,
        hnsw: opts.hnsw,
        thread: thread.get(),
        spaceDir,
        ...(opts.lexicalShardTarget ? { lexicalShardTarget: opts.lexicalShardTarget } : {}),
        ...(opts.writerFault ? { fault: opts.writerFault } : {}),
        skipped,
        onLoaded: () => progress({ phase: 'load', done: ++loaded, total: scan.files.length }),
        onLoadDone: (chunks) => {
          loading = false;
          totalFresh += chunks;
        },
        onIndexed: (n) => {
          indexed += n;
          textsEmbedded += n;
          // While loading, the load phase is what progress shows.
          if (!loading) progress({ phase: 'index', done: indexed, total: totalFresh });
        },
      });
      const vectors = await writeStreamedSpace(space, spaceDir, s, opts.onProgress);
      record(space, s.documents, s.chunkCount, mergeDue(vectors));
      summary.added += s.added;
    }
    for (const [space, { plan, prevSpaceDir }] of spaces) {
      const spaceDir = layout.space(tmpDir, space);
      let due = false;
      if (!plan.changed && prevSpaceDir) {
        linkSpace(prevSpaceDir, spaceDir);
        due = Boolean(prevMeta?.spaces[space]?.mergeDue);
      } else {
        const vectors = await applyPlan(plan, prevSpaceDir, spaceDir, ctx, (n) => {
          indexed += n;
          textsEmbedded += n;
          progress({ phase: 'index', done: indexed, total: totalFresh });
        });
        due = mergeDue(vectors);
      }
      record(space, plan.documents, plan.chunkCount, due);
    }
    await embedder.flush?.();
    writeJsonSync(path.join(tmpDir, 'meta.json'), meta);
    fs.renameSync(tmpDir, layout.version(indexDir, version));
    writeCurrentVersion(indexDir, version);
  } catch (err) {
    // Stop the writer thread before removing the directory it may still be writing into.
    await thread.stop();
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
  await thread.stop();
  cleanupVersions(indexDir, version);
  summary.embedded = embedder.stats ? embedder.stats().misses - missesBefore : textsEmbedded;
  progress({ phase: 'done', done: 1, total: 1 });
  return { ...summary, skipped, ms: Date.now() - started, version };
}

/** Write a streamed space's base HNSW, lexical shards and segments (closing its writer), and manifest. */
async function writeStreamedSpace(
  space: string,
  spaceDir: string,
  s: StreamedSpace,
  onProgress: IndexOptions['onProgress'],
): Promise<VectorSegmentsManifest> {
  const vectors: VectorSegmentsManifest = {
    base: newSegmentFile('hnsw', 'bin'),
    baseCount: s.chunkCount,
    deltas: [],
    tombstones: [],
  };
  const manifest: Omit<SpaceManifest, 'files'> = {
    space,
    nextLabel: s.chunkCount,
    segments: [],
    skipped: s.skippedFiles,
    deadRecords: 0,
    lexicalShards: s.shardCount,
    vectors,
  };
  onProgress?.({ phase: 'write', done: 0, total: 1, message: space });
  fs.mkdirSync(spaceDir, { recursive: true }); // the writer thread may not have made it yet
  try {
    const [written] = await Promise.all([
      s.writer.close(),
      s.vectors.saveAsync(path.join(spaceDir, vectors.base)),
    ]);
    manifest.segments = written.segments;
  } catch (err) {
    s.writer.abort();
    throw err;
  }
  writeManifest(spaceDir, manifest, s.files, () => []);
  return vectors;
}

interface SpacePlan {
  space: string;
  changed: boolean;
  documents: number;
  chunkCount: number;
  added: number;
  updated: number;
  unchangedFiles: number;
  removedFiles: string[];
  /** The previous version's manifest of this space (null for a new space or a full build). */
  prev: ManifestView | null;
  /** Labels of the previous index to delete, by source file (a file's chunks share a lexical shard). */
  deletes: Map<string, number[]>;
  /** New chunks to embed and insert (label assigned at apply time). */
  fresh: Chunk[];
  /**
   * Manifest entries for the new version: changed files with their chunk lists (labels of fresh
   * chunks filled in at apply time), unchanged ones as the previous manifest has them.
   */
  files: Record<string, ManifestEntry>;
  /** Files whose chunk lists changed (new content, or removed): their manifest parts are rewritten. */
  touched: string[];
  skippedFiles: NonNullable<SpaceManifest['skipped']>;
}

async function planSpace(
  space: string,
  files: KnowledgeFile[],
  prevSpaceDir: string | null,
  skipped: SkippedFile[],
  tick: () => void,
  helper: LoadHelper | null,
): Promise<SpacePlan> {
  const prevManifest = prevSpaceDir ? ManifestView.read(prevSpaceDir) : null;
  const prevFiles = prevManifest?.files ?? {};
  const prevSkipped = prevManifest?.head.skipped ?? {};
  const plan: SpacePlan = {
    space,
    changed: !prevSpaceDir,
    documents: 0,
    chunkCount: 0,
    added: 0,
    updated: 0,
    unchangedFiles: 0,
    removedFiles: [],
    prev: prevManifest,
    deletes: new Map(),
    fresh: [],
    files: {},
    touched: [],
    skippedFiles: {},
  };
  // Same size and mtime: unchanged without reading it (as git does); otherwise read and compare
  // content. Reading, hashing, parsing and chunking is the slow part: for many files a helper
  // thread takes part of it.
  const sameStat = (a: { size: number; mtimeMs: number } | undefined, f: KnowledgeFile) =>
    a !== undefined && a.size === f.size && a.mtimeMs === f.mtimeMs;
  const toLoad = files.filter(
    (f) => !sameStat(prevSkipped[f.source], f) && !sameStat(prevFiles[f.source], f),
  );
  const remote = helper && toLoad.length >= HELPER_MIN_FILES ? helper() : undefined;
  const results = await loadFiles(
    toLoad.map((file) => {
      const prevHash = prevFiles[file.source]?.hash;
      return prevHash ? { file, prevHash } : { file };
    }),
    tick,
    remote,
  );
  const loaded = new Map(toLoad.map((f, i) => [f.source, results[i] as LoadResult]));

  const seen = new Set<string>();
  for (const file of files) {
    seen.add(file.source);
    const prev = prevFiles[file.source];
    const prevSkip = prevSkipped[file.source];
    const result = loaded.get(file.source);
    if (!result) {
      tick();
      if (prevSkip && sameStat(prevSkip, file)) {
        skipped.push({ path: file.source, reason: prevSkip.reason });
        plan.skippedFiles[file.source] = prevSkip;
      } else if (prev) {
        keep(plan, file.source, prev);
      }
      continue;
    }
    if (prevSkip) plan.changed = true;
    if (result.kind === 'unreadable') {
      skipFile(plan, skipped, file.source, prev, result.reason);
      continue;
    }
    if (prev && prev.hash === result.hash) {
      keep(plan, file.source, { ...prev, size: file.size, mtimeMs: file.mtimeMs });
      plan.changed = true; // mtime changed: the manifest must be rewritten
      continue;
    }
    plan.changed = true;
    if (result.kind !== 'chunks') {
      const reason = result.kind === 'failed' ? result.reason : 'unchanged content reported as changed';
      skipFile(plan, skipped, file.source, prev, reason);
      if (!prev) plan.skippedFiles[file.source] = { size: file.size, mtimeMs: file.mtimeMs, reason };
      continue;
    }
    const { chunks, hash } = result;
    if (prev) plan.updated++;
    else plan.added++;
    const prevById = new Map(
      (prev ? (prevManifest as ManifestView).chunks(file.source) : []).map((c) => [c.id, c.label]),
    );
    const entry: ManifestEntry & { chunks: NonNullable<ManifestEntry['chunks']> } = {
      hash,
      size: file.size,
      mtimeMs: file.mtimeMs,
      title: chunks[0]?.title ?? '',
      chunks: [],
    };
    for (const c of chunks) {
      const label = prevById.get(c.id);
      if (label !== undefined) {
        entry.chunks.push({ id: c.id, label });
        prevById.delete(c.id);
      } else {
        entry.chunks.push({ id: c.id, label: -1 });
        plan.fresh.push(c);
      }
    }
    if (prevById.size > 0) plan.deletes.set(file.source, [...prevById.values()]);
    plan.files[file.source] = entry;
    plan.touched.push(file.source);
    plan.documents++;
    plan.chunkCount += chunks.length;
  }
  if (Object.keys(prevSkipped).some((s) => !seen.has(s))) plan.changed = true;
  for (const source of Object.keys(prevFiles)) {
    if (seen.has(source)) continue;
    plan.changed = true;
    plan.removedFiles.push(source);
    plan.touched.push(source);
    plan.deletes.set(
      source,
      (prevManifest as ManifestView).chunks(source).map((c) => c.label),
    );
  }
  return plan;
}

/** Gives the helper-thread loader for a planning run (starting the thread if need be). */
type LoadHelper = () => (batch: LoadRequest[]) => Promise<LoadResult[]>;

/** Files to read in one space before a helper thread takes part. */
const HELPER_MIN_FILES = 64;

function keep(plan: SpacePlan, source: string, entry: ManifestEntry): void {
  plan.files[source] = entry;
  plan.unchangedFiles++;
  plan.documents++;
  plan.chunkCount += entryCount(entry);
}

/** A file that fails to load keeps its previous content in the index rather than vanishing. */
function skipFile(
  plan: SpacePlan,
  skipped: SkippedFile[],
  source: string,
  prev: ManifestEntry | undefined,
  reason: string,
): void {
  if (prev) {
    skipped.push({ path: source, reason: `${reason} (the previously indexed version is kept)` });
    plan.files[source] = prev;
    plan.documents++;
    plan.chunkCount += entryCount(prev);
  } else {
    skipped.push({ path: source, reason });
  }
}

interface ApplyContext {
  opts: IndexOptions;
  /** A space writer for this job: inline, or in the shared worker thread when `docs` is large. */
  writerFor(spec: SpaceWriterSpec, docs: number): SpaceWriterHandle;
}

/**
 * Write one changed space into `spaceDir`. Cost grows with what changed: only the previous
 * manifest is loaded (never the vectors, the chunk records or the whole BM25 index); fresh
 * chunks are embedded into a new vector delta and deletes become tombstones here, while the
 * space writer (usually in a worker thread) patches the touched lexical shards and writes the
 * fresh chunks to a new segment. Everything else is hard-linked from the previous version.
 */
async function applyPlan(
  plan: SpacePlan,
  prevSpaceDir: string | null,
  spaceDir: string,
  ctx: ApplyContext,
  onIndexed: (n: number) => void,
): Promise<VectorSegmentsManifest> {
  const { embedder, hnsw } = ctx.opts;
  fs.mkdirSync(spaceDir, { recursive: true });
  // A previous space is in format 4 or 5 here: an older format makes the run a full build.
  const prevView = prevSpaceDir ? plan.prev : null;
  const prev = prevView?.head ?? null;
  const live = plan.chunkCount;
  const deleted = [...plan.deletes.values()].reduce((n, l) => n + l.length, 0);
  const prevLive = live + deleted - plan.fresh.length;

  // Lexical plan: patch the touched shards, or rebuild them all when the segments are mostly dead
  // records (compaction) or the space has outgrown its shard count.
  let mode: SpaceWriterSpec['mode'] = 'build';
  let shardCount = lexicalShardCount(live, ctx.opts.lexicalShardTarget);
  let deadRecords = 0;
  if (prev && prevSpaceDir) {
    deadRecords = (prev.deadRecords ?? 0) + deleted;
    const shards = prev.lexicalShards ?? 1;
    if (deadRecords > live || shardCount >= 2 * shards) {
      mode = 'rebuild';
      deadRecords = 0;
    } else {
      mode = 'patch';
      shardCount = shards;
    }
  }
  const shardOf = (source: string) => lexicalShardOf(source, shardCount);

  // Labels for fresh chunks; fresh records go out sorted by shard so the writer can finish
  // each shard as soon as the next one starts.
  const manifest: Omit<SpaceManifest, 'files'> = {
    space: plan.space,
    nextLabel: prev?.nextLabel ?? 0,
    segments: [],
    skipped: plan.skippedFiles,
    deadRecords,
    lexicalShards: shardCount,
  };
  const fresh: WriterRecord[] = plan.fresh.map((chunk) => ({
    label: manifest.nextLabel++,
    shard: shardOf(chunk.source),
    chunk,
  }));
  fresh.sort((a, b) => a.shard - b.shard);
  const keep: number[] = [];
  const labelOf = new Map<string, number>(fresh.map((r) => [`${r.chunk.source}\0${r.chunk.id}`, r.label]));
  // Fresh chunks are in the files whose content changed; a rebuild also keeps every other label.
  const chunksOf = (source: string) => prevView?.chunks(source) ?? [];
  for (const source of plan.touched) {
    for (const c of plan.files[source]?.chunks ?? []) {
      if (c.label === -1) c.label = labelOf.get(`${source}\0${c.id}`) ?? -1;
    }
  }
  if (mode === 'rebuild') {
    for (const [source, entry] of Object.entries(plan.files))
      for (const c of entry.chunks ?? chunksOf(source)) keep.push(c.label);
  }

  const deletes = new Map<number, number[]>();
  if (mode === 'patch') {
    for (const [source, labels] of plan.deletes) {
      const shard = shardOf(source);
      const list = deletes.get(shard);
      if (list) list.push(...labels);
      else deletes.set(shard, [...labels]);
    }
  }
  const freshShards = [...new Set(fresh.map((r) => r.shard))];
  const touched = new Set([...freshShards, ...deletes.keys()]);
  // Documents the writer will index: fresh ones, plus those of touched shards it loads (patch)
  // or every kept one (rebuild).
  const lexicalDocs =
    fresh.length + (mode === 'patch' ? Math.round((touched.size * prevLive) / shardCount) : keep.length);
  const writer = ctx.writerFor(
    {
      spaceDir,
      prevSpaceDir: prev ? prevSpaceDir : null,
      shardCount,
      mode,
      prevSegments: prev?.segments ?? [],
      deletes: [...deletes],
      freshShards,
      keep,
      background: fresh.length >= WORKER_MIN_DOCS,
      ...(ctx.opts.writerFault ? { fault: ctx.opts.writerFault } : {}),
    },
    lexicalDocs,
  );
  try {
    // The writer needs only the chunks: embedAndInsert hands them over as it starts embedding.
    // Vectors: a new space (or a full build) gets a base HNSW of every chunk. An incremental run
    // never loads or rewrites the previous base: it hard-links the existing segments, writes the
    // fresh chunks as one small delta and tombstones the deleted labels (vector-segments.ts).
    const prevVectors = prevView && prevSpaceDir ? vectorsOf(prevView) : null;
    let saved: Promise<void> = Promise.resolve();
    if (prevVectors && prevSpaceDir) {
      for (const file of [prevVectors.base, ...prevVectors.deltas.map((d) => d.file)])
        linkOrCopy(path.join(prevSpaceDir, file), path.join(spaceDir, file));
      const tombstones = [...prevVectors.tombstones];
      for (const labels of plan.deletes.values()) tombstones.push(...labels);
      const deltas = [...prevVectors.deltas];
      const foldNow =
        fresh.length + tombstones.length > MERGE_RATIO * Math.max(prevVectors.baseCount, FOLD_MIN_BASE);
      if (foldNow) {
        // A large change (a new folder, a rewrite): a delta would be merged right after anyway,
        // inserting every point twice. Fold it into a new base now (the old one is only read).
        const added = await embedToArrays(fresh, embedder, writer, onIndexed);
        const base = newSegmentFile('hnsw', 'bin');
        const next = { ...prevVectors, tombstones };
        await mergeSpace(prevSpaceDir, next, embedder.dimensions, hnsw, path.join(spaceDir, base), added);
        for (const file of [prevVectors.base, ...prevVectors.deltas.map((d) => d.file)])
          fs.rmSync(path.join(spaceDir, file), { force: true });
        manifest.vectors = { base, baseCount: live, deltas: [], tombstones: [] };
      } else if (fresh.length > 0) {
        const delta = await embedDelta(fresh, embedder, hnsw, writer, onIndexed);
        const file = newSegmentFile(delta.kind === 'flat' ? 'vflat' : 'vdelta', 'bin');
        if (delta.kind === 'flat') delta.segment.write(path.join(spaceDir, file));
        else saved = delta.segment.saveAsync(path.join(spaceDir, file));
        deltas.push({ file, kind: delta.kind, count: fresh.length });
      }
      if (!foldNow) manifest.vectors = { ...prevVectors, deltas, tombstones };
    } else {
      const vectors = HnswStore.create(
        embedder.dimensions,
        hnsw,
        Math.max(1024, Math.ceil(fresh.length * 1.05)),
      );
      await embedAndInsert(fresh, embedder, vectors, writer, onIndexed);
      const base = newSegmentFile('hnsw', 'bin');
      saved = vectors.saveAsync(path.join(spaceDir, base));
      manifest.vectors = { base, baseCount: fresh.length, deltas: [], tombstones: [] };
    }
    ctx.opts.onProgress?.({ phase: 'write', done: 0, total: 1, message: plan.space });
    const [written] = await Promise.all([writer.close(), saved]);
    manifest.segments = written.segments;
    // The file table is rewritten; of the chunk-list parts only those of changed files are (a
    // patch of a space already in this layout), the others are hard-linked.
    const reuse =
      mode === 'patch' && prevSpaceDir && prevView?.chunkParts === shardCount
        ? { fromDir: prevSpaceDir, dirty: new Set(plan.touched.map(shardOf)) }
        : undefined;
    writeManifest(spaceDir, manifest, plan.files, chunksOf, reuse);
    return manifest.vectors as VectorSegmentsManifest;
  } catch (err) {
    writer.abort();
    throw err;
  }
}

/** Embed the fresh chunks of an incremental run into a delta: exact (flat) when small, else HNSW. */
async function embedDelta(
  fresh: WriterRecord[],
  embedder: Embedder,
  hnsw: HnswParams,
  writer: SpaceWriterHandle,
  onIndexed: (n: number) => void,
): Promise<{ kind: 'flat'; segment: FlatSegment } | { kind: 'hnsw'; segment: HnswStore }> {
  if (fresh.length > FLAT_DELTA_MAX) {
    const segment = HnswStore.create(embedder.dimensions, hnsw, fresh.length);
    await embedAndInsert(fresh, embedder, segment, writer, onIndexed);
    return { kind: 'hnsw', segment };
  }
  const { labels, vectors } = await embedToArrays(fresh, embedder, writer, onIndexed);
  return { kind: 'flat', segment: FlatSegment.fromVectors(labels, vectors, embedder.dimensions) };
}

/** Embed the fresh chunks into plain arrays (for a flat delta or a fold into a new base). */
async function embedToArrays(
  fresh: WriterRecord[],
  embedder: Embedder,
  writer: SpaceWriterHandle,
  onIndexed: (n: number) => void,
): Promise<{ labels: number[]; vectors: number[][] }> {
  const labels: number[] = [];
  const vectors: number[][] = [];
  const collect = {
    addMany(l: number[], v: number[][]) {
      labels.push(...l);
      vectors.push(...v);
    },
  };
  await embedAndInsert(fresh, embedder, collect, writer, onIndexed);
  return { labels, vectors };
}

/**
 * Hand the fresh records to the writer, and embed and insert them, embedding up to EMBED_AHEAD
 * batches ahead of the insertion.
 */
async function embedAndInsert(
  fresh: WriterRecord[],
  embedder: Embedder,
  vectors: Pick<HnswStore, 'addMany'>,
  writer: SpaceWriterHandle,
  onIndexed: (n: number) => void,
): Promise<void> {
  const ahead: Array<Promise<number[][]>> = [];
  let next = 0;
  const fill = () => {
    while (next < fresh.length && ahead.length < EMBED_AHEAD) {
      const p = embedder.embedDocuments(fresh.slice(next, next + EMBED_BATCH).map((r) => r.chunk.embedText));
      p.catch(() => {}); // awaited below; never an unhandled rejection if the run fails first
      ahead.push(p);
      next += EMBED_BATCH;
    }
  };
  fill();
  // Copying the records to the writer thread is work for this thread (a large part of a second at
  // 100,000 chunks): done while the first batches are being embedded, it overlaps them instead of
  // delaying the first insertion.
  for (let i = 0; i < fresh.length; i += EMBED_BATCH) writer.add(fresh.slice(i, i + EMBED_BATCH));
  for (let i = 0; i < fresh.length; i += EMBED_BATCH) {
    const embedded = await (ahead.shift() as Promise<number[][]>);
    // An embedder that works off this thread (a worker, a remote API) embeds the next batches
    // while this one is inserted.
    fill();
    writer.check(); // fail fast if the writer thread has failed
    const labels: number[] = [];
    for (let j = i; j < Math.min(i + EMBED_BATCH, fresh.length); j++)
      labels.push((fresh[j] as WriterRecord).label);
    vectors.addMany(labels, embedded);
    onIndexed(labels.length);
  }
}
