import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isCopilotError } from '../errors.js';
import type { HnswParams } from '../retrieval/hnsw-store.js';
import { HnswStore } from '../retrieval/hnsw-store.js';
import {
  INDEX_FORMAT,
  type IndexMeta,
  layout,
  linkSpace,
  loadSpace,
  newVersionName,
  readCurrentVersion,
  readMeta,
  saveSpace,
  writeCurrentVersion,
  writeJsonSync,
} from '../retrieval/index-files.js';
import { LexicalIndex } from '../retrieval/lexical.js';
import { type ManifestFile, SpaceIndex, type SpaceManifest } from '../retrieval/space-index.js';
import type { Embedder } from '../retrieval/types.js';
import { chunkDocument } from './chunker.js';
import { acquireIndexLock } from './index-lock.js';
import { loadDocument } from './load.js';
import { cleanupVersions } from './retention.js';
import { type KnowledgeFile, scanKnowledge } from './scan.js';
import type { Chunk, IndexSummary, IngestProgress, SkippedFile } from './types.js';

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
}

const EMBED_BATCH = 512;

/** Build or incrementally update the index, then atomically publish it as the current version. */
export async function runIndex(opts: IndexOptions): Promise<IndexSummary> {
  const started = Date.now();
  const release = acquireIndexLock(opts.indexDir);
  try {
    return await build(opts, started);
  } finally {
    release();
  }
}

async function build(opts: IndexOptions, started: number): Promise<IndexSummary> {
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
  const full = Boolean(opts.full) || !prevMeta || !sameEmbedder;

  progress({ phase: 'scan', done: 0, total: 0 });
  const scan = await scanKnowledge(opts.knowledgeDir, { maxFileBytes: opts.maxFileBytes });
  const skipped: SkippedFile[] = [...scan.skipped];
  const bySpace = new Map<string, KnowledgeFile[]>();
  for (const f of scan.files) bySpace.set(f.space, [...(bySpace.get(f.space) ?? []), f]);

  const summary = { documents: 0, chunks: 0, added: 0, updated: 0, removed: 0, unchanged: 0, embedded: 0 };
  const missesBefore = embedder.stats?.().misses ?? 0;
  let textsEmbedded = 0;
  const spaces = new Map<string, { plan: SpacePlan; prevSpaceDir: string | null }>();
  const prevSpaces = new Set(Object.keys(prevMeta?.spaces ?? {}));

  let loaded = 0;
  for (const [space, files] of bySpace) {
    const prevSpaceDir = !full && prevDir && prevSpaces.has(space) ? layout.space(prevDir, space) : null;
    const plan = await planSpace(space, files, prevSpaceDir, skipped, () =>
      progress({ phase: 'load', done: ++loaded, total: scan.files.length }),
    );
    summary.added += plan.added;
    summary.updated += plan.updated;
    summary.removed += plan.removedFiles.length;
    summary.unchanged += plan.unchangedFiles;
    spaces.set(space, { plan, prevSpaceDir });
  }
  for (const s of prevSpaces) {
    if (!bySpace.has(s) && prevDir && !full) {
      const m = JSON.parse(
        fs.readFileSync(path.join(layout.space(prevDir, s), 'manifest.json'), 'utf8'),
      ) as SpaceManifest;
      summary.removed += Object.keys(m.files).length;
    }
  }

  const spaceSetChanged =
    [...prevSpaces].some((s) => !bySpace.has(s)) || [...bySpace.keys()].some((s) => !prevSpaces.has(s));
  const anyChange = full || spaceSetChanged || [...spaces.values()].some(({ plan }) => plan.changed);
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
  };
  try {
    const totalFresh = [...spaces.values()].reduce((n, s) => n + s.plan.fresh.length, 0);
    let indexed = 0;
    for (const [space, { plan, prevSpaceDir }] of spaces) {
      const spaceDir = layout.space(tmpDir, space);
      if (!plan.changed && prevSpaceDir) {
        linkSpace(prevSpaceDir, spaceDir);
      } else {
        const index = await applyPlan(plan, prevSpaceDir, opts, (n) => {
          indexed += n;
          textsEmbedded += n;
          progress({ phase: 'index', done: indexed, total: totalFresh });
        });
        progress({ phase: 'write', done: 0, total: 1, message: space });
        saveSpace(spaceDir, index.space, {
          prevSpaceDir,
          fresh: index.fresh,
          compact: index.deadRecords > index.space.size,
        });
      }
      meta.spaces[space] = { documents: plan.documents, chunks: plan.chunkCount };
      summary.documents += plan.documents;
      summary.chunks += plan.chunkCount;
    }
    await embedder.flush?.();
    writeJsonSync(path.join(tmpDir, 'meta.json'), meta);
    fs.renameSync(tmpDir, layout.version(indexDir, version));
    writeCurrentVersion(indexDir, version);
  } catch (err) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
  cleanupVersions(indexDir, version);
  summary.embedded = embedder.stats ? embedder.stats().misses - missesBefore : textsEmbedded;
  progress({ phase: 'done', done: 1, total: 1 });
  return { ...summary, skipped, ms: Date.now() - started, version };
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
  /** Labels of the previous index to delete. */
  deleteLabels: number[];
  /** New chunks to embed and insert (label assigned at apply time). */
  fresh: Chunk[];
  /** Manifest entries for the new version (labels of fresh chunks filled in at apply time). */
  files: Record<string, ManifestFile>;
  skippedFiles: NonNullable<SpaceManifest['skipped']>;
}

async function planSpace(
  space: string,
  files: KnowledgeFile[],
  prevSpaceDir: string | null,
  skipped: SkippedFile[],
  tick: () => void,
): Promise<SpacePlan> {
  const prevManifest: SpaceManifest | null = prevSpaceDir
    ? (JSON.parse(fs.readFileSync(path.join(prevSpaceDir, 'manifest.json'), 'utf8')) as SpaceManifest)
    : null;
  const prevFiles = prevManifest?.files ?? {};
  const prevSkipped = prevManifest?.skipped ?? {};
  const plan: SpacePlan = {
    space,
    changed: !prevSpaceDir,
    documents: 0,
    chunkCount: 0,
    added: 0,
    updated: 0,
    unchangedFiles: 0,
    removedFiles: [],
    deleteLabels: [],
    fresh: [],
    files: {},
    skippedFiles: {},
  };
  const seen = new Set<string>();
  for (const file of files) {
    tick();
    seen.add(file.source);
    const prev = prevFiles[file.source];
    const prevSkip = prevSkipped[file.source];
    if (prevSkip && prevSkip.size === file.size && prevSkip.mtimeMs === file.mtimeMs) {
      skipped.push({ path: file.source, reason: prevSkip.reason });
      plan.skippedFiles[file.source] = prevSkip;
      continue;
    }
    if (prevSkip) plan.changed = true;
    // Same size and mtime: unchanged without reading it (as git does); otherwise compare content.
    if (prev && prev.size === file.size && prev.mtimeMs === file.mtimeMs) {
      keep(plan, file.source, prev);
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(file.abs);
    } catch (err) {
      skipFile(plan, skipped, file.source, prev, `cannot read: ${(err as Error).message}`);
      continue;
    }
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (prev && prev.hash === hash) {
      keep(plan, file.source, { ...prev, size: file.size, mtimeMs: file.mtimeMs });
      plan.changed = true; // mtime changed: the manifest must be rewritten
      continue;
    }
    let chunks: Chunk[];
    try {
      const doc = await loadDocument(file, bytes);
      // A passage repeated verbatim in one file has one id: index it once.
      const ids = new Set<string>();
      chunks = chunkDocument(doc).filter((c) => !ids.has(c.id) && ids.add(c.id));
      if (chunks.length === 0) throw new Error('no text to index');
    } catch (err) {
      const reason = isCopilotError(err) ? err.message : `could not be read: ${(err as Error).message}`;
      skipFile(plan, skipped, file.source, prev, reason);
      if (!prev) plan.skippedFiles[file.source] = { size: file.size, mtimeMs: file.mtimeMs, reason };
      plan.changed = true;
      continue;
    }
    plan.changed = true;
    if (prev) plan.updated++;
    else plan.added++;
    const prevById = new Map((prev?.chunks ?? []).map((c) => [c.id, c.label]));
    const entry: ManifestFile = {
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
    plan.deleteLabels.push(...prevById.values());
    plan.files[file.source] = entry;
    plan.documents++;
    plan.chunkCount += chunks.length;
  }
  if (Object.keys(prevSkipped).some((s) => !seen.has(s))) plan.changed = true;
  for (const [source, prev] of Object.entries(prevFiles)) {
    if (seen.has(source)) continue;
    plan.changed = true;
    plan.removedFiles.push(source);
    plan.deleteLabels.push(...prev.chunks.map((c) => c.label));
  }
  return plan;
}

function keep(plan: SpacePlan, source: string, entry: ManifestFile): void {
  plan.files[source] = entry;
  plan.unchangedFiles++;
  plan.documents++;
  plan.chunkCount += entry.chunks.length;
}

/** A file that fails to load keeps its previous content in the index rather than vanishing. */
function skipFile(
  plan: SpacePlan,
  skipped: SkippedFile[],
  source: string,
  prev: ManifestFile | undefined,
  reason: string,
): void {
  if (prev) {
    skipped.push({ path: source, reason: `${reason} (the previously indexed version is kept)` });
    plan.files[source] = prev;
    plan.documents++;
    plan.chunkCount += prev.chunks.length;
  } else {
    skipped.push({ path: source, reason });
  }
}

async function applyPlan(
  plan: SpacePlan,
  prevSpaceDir: string | null,
  opts: IndexOptions,
  onIndexed: (n: number) => void,
): Promise<{ space: SpaceIndex; fresh: Array<{ label: number; chunk: Chunk }>; deadRecords: number }> {
  const { embedder, hnsw } = opts;
  let space: SpaceIndex;
  let deadRecords = 0;
  if (prevSpaceDir) {
    const loaded = loadSpace(prevSpaceDir, embedder.dimensions, hnsw);
    space = loaded.index;
    deadRecords = loaded.deadRecords;
  } else {
    const manifest: SpaceManifest = { space: plan.space, nextLabel: 0, segments: [], files: {} };
    const capacity = Math.max(1024, Math.ceil(plan.fresh.length * 1.1));
    space = new SpaceIndex(
      plan.space,
      HnswStore.create(embedder.dimensions, hnsw, capacity),
      LexicalIndex.create(),
      new Map(),
      manifest,
    );
  }
  for (const label of plan.deleteLabels) {
    if (!space.chunks.has(label)) continue;
    space.vectors.remove(label);
    space.lexical.remove(label);
    space.chunks.delete(label);
    deadRecords++;
  }
  const manifest = space.manifest;
  const labelOf = new Map<string, number>();
  const fresh: Array<{ label: number; chunk: Chunk }> = [];
  for (const chunk of plan.fresh) {
    const label = manifest.nextLabel++;
    labelOf.set(`${chunk.source}\0${chunk.id}`, label);
    fresh.push({ label, chunk });
  }
  space.vectors.reserve(fresh.length);
  for (let i = 0; i < fresh.length; i += EMBED_BATCH) {
    const batch = fresh.slice(i, i + EMBED_BATCH);
    const vectors = await embedder.embedDocuments(batch.map((f) => f.chunk.embedText));
    batch.forEach((f, j) => {
      space.vectors.add(f.label, vectors[j] as number[]);
      space.chunks.set(f.label, f.chunk);
    });
    space.lexical.addAll(
      batch.map((f) => ({ label: f.label, title: f.chunk.title, text: lexicalText(f.chunk) })),
    );
    onIndexed(batch.length);
  }
  for (const [source, entry] of Object.entries(plan.files)) {
    for (const c of entry.chunks) {
      if (c.label === -1) c.label = labelOf.get(`${source}\0${c.id}`) ?? -1;
    }
  }
  manifest.files = plan.files;
  manifest.skipped = plan.skippedFiles;
  return { space, fresh, deadRecords };
}

/** What BM25 sees: heading path and passage (the title is its own field). */
function lexicalText(chunk: Chunk): string {
  return chunk.headingPath?.length ? `${chunk.headingPath.join(' ')}\n${chunk.text}` : chunk.text;
}
