import fs from 'node:fs';
import path from 'node:path';
import type { Chunk } from '../domain/documents.js';
import { CopilotError } from '../errors.js';
import type { HnswParams } from './hnsw-store.js';
import { linkOrCopy } from './index-names.js';
import { LexicalIndex, lexicalShardFile, lexicalShardOf } from './lexical.js';
import { type ManifestFile, SpaceIndex, type SpaceManifest } from './space-index.js';
import { legacyVectors, SegmentedVectors, type VectorSegmentsManifest } from './vector-segments.js';

/**
 * On-disk layout:
 *   INDEX_DIR/CURRENT                     name of the version being served (swapped by rename)
 *   INDEX_DIR/versions/<v>/meta.json      embedder id, dimensions, HNSW params, spaces
 *   INDEX_DIR/versions/<v>/<space>/       manifest.json (files, their stats and hashes),
 *                                         chunks-<i>.json (the chunk ids and labels of the
 *                                         files of lexical shard i), lexical-<i>.json (BM25 shards),
 *                                         seg-*.jsonl (chunk records), vector segments: base
 *                                         hnsw-*.bin, deltas vflat-*.bin / vdelta-*.bin
 *                                         (vector-segments.ts; formats 1-3: one hnsw.bin)
 *   INDEX_DIR/cache/                      embedding cache (survives versions)
 * A version directory is complete before CURRENT names it, so readers never see a partial index.
 * An incremental run hard-links every file it does not change (segments, untouched lexical
 * shards, whole unchanged spaces) from the previous version.
 *
 * Format 2 shards the lexical index; format 1 (one lexical.json) is still readable, and the
 * indexer rebuilds it in the current format (3 adds CJK character n-grams to the lexical shards;
 * 4 stores vectors as a base plus delta segments and tombstones; 5 moves each file's chunk list
 * out of manifest.json into per-shard `chunks-<i>.json`, so a one-file change reads and writes
 * the file table and one part instead of a list of every chunk; a format-4 space is still read,
 * and updated incrementally, its manifest rewritten in the new layout when it changes).
 */
export { linkOrCopy, newSegmentName, newVersionName } from './index-names.js';

/**
 * 3: CJK character unigrams and bigrams in the lexical shards. 4: vector segments (base + deltas +
 * tombstones). 5: chunk lists in per-shard part files. Older indexes are still served; the next
 * run rebuilds formats 1-3 in full and updates format 4 in place (INCREMENTAL_FORMATS).
 */
export const INDEX_FORMAT = 5;
const READABLE_FORMATS = new Set([1, 2, 3, 4, 5]);
/** Formats an incremental run can continue from (their spaces are read by ManifestView). */
export const INCREMENTAL_FORMATS = new Set([4, 5]);

export interface IndexMeta {
  format: number;
  version: string;
  createdAt: string;
  embedderId: string;
  dimensions: number;
  hnsw: { m: number; efConstruction: number };
  knowledgeDir: string;
  /** mergeDue: the space's vector deltas and tombstones are past the merge ratio (format 4). */
  spaces: Record<string, { documents: number; chunks: number; mergeDue?: boolean }>;
  /** knowledge/spaces.json as parsed when this version was built (absent in older versions). */
  policy?: unknown;
}

export const layout = {
  current: (indexDir: string) => path.join(indexDir, 'CURRENT'),
  versions: (indexDir: string) => path.join(indexDir, 'versions'),
  version: (indexDir: string, v: string) => path.join(indexDir, 'versions', v),
  space: (versionDir: string, space: string) => path.join(versionDir, space),
  cache: (indexDir: string) => path.join(indexDir, 'cache'),
};

export function readCurrentVersion(indexDir: string): string | null {
  try {
    const v = fs.readFileSync(layout.current(indexDir), 'utf8').trim();
    return v && fs.existsSync(path.join(layout.version(indexDir, v), 'meta.json')) ? v : null;
  } catch {
    return null;
  }
}

/** Atomic pointer swap: write a temp file, fsync, rename over CURRENT. */
export function writeCurrentVersion(indexDir: string, version: string): void {
  const tmp = `${layout.current(indexDir)}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, `${version}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, layout.current(indexDir));
}

export function readMeta(versionDir: string): IndexMeta {
  const meta = JSON.parse(fs.readFileSync(path.join(versionDir, 'meta.json'), 'utf8')) as IndexMeta;
  if (!READABLE_FORMATS.has(meta.format)) {
    throw new CopilotError('index:format', `Index format ${meta.format} is not supported by this version.`, {
      hint: 'Rebuild it with `npm run ingest -- --full`.',
    });
  }
  return meta;
}

export function writeJsonSync(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value));
}

export interface LoadedSpace {
  index: SpaceIndex;
  /** Records in segment files that are no longer live (drives compaction). */
  deadRecords: number;
}

/**
 * A file as manifest.json stores it: from format 5 with its chunk count (the ids and labels are in
 * its part file), before that with its chunk list inline.
 */
export type ManifestEntry = Omit<ManifestFile, 'chunks'> & {
  count?: number;
  chunks?: ManifestFile['chunks'];
};

type StoredManifest = Omit<SpaceManifest, 'files'> & {
  files: Record<string, ManifestEntry>;
  /** Number of chunks-<i>.json part files (format 5); absent when chunk lists are inline. */
  chunkParts?: number;
};

/** The part file holding the chunk lists of the files of lexical shard `i`. */
export const chunkPartFile = (i: number): string => `chunks-${i}.json`;
type ChunkPart = Record<string, { ids: string[]; labels: number[] }>;

export function entryCount(e: ManifestEntry): number {
  return e.chunks?.length ?? e.count ?? 0;
}

/**
 * A space's manifest as an incremental run needs it: the file table (stats, hashes, chunk counts)
 * read whole, and chunk lists read per part, only for the files that changed.
 */
export class ManifestView {
  private readonly parts = new Map<number, ChunkPart>();

  private constructor(
    readonly spaceDir: string,
    private readonly stored: StoredManifest,
  ) {}

  static read(spaceDir: string): ManifestView {
    const stored = JSON.parse(
      fs.readFileSync(path.join(spaceDir, 'manifest.json'), 'utf8'),
    ) as StoredManifest;
    return new ManifestView(spaceDir, stored);
  }

  /** Everything but the files. */
  get head(): Omit<SpaceManifest, 'files'> {
    const { files: _files, chunkParts: _parts, ...head } = this.stored;
    return head;
  }

  get files(): Readonly<Record<string, ManifestEntry>> {
    return this.stored.files;
  }

  /** The space's vector segments as stored (absent before format 4: see vectorsOf). */
  get vectors(): VectorSegmentsManifest | undefined {
    return this.stored.vectors;
  }

  /** manifest.json as stored, with some of its head fields replaced (a merge's new vectors). */
  storedWith(patch: Partial<Omit<SpaceManifest, 'files'>>): unknown {
    return { ...this.stored, ...patch };
  }

  /** Number of part files, or null when the chunk lists are inline (format 4 and older). */
  get chunkParts(): number | null {
    return this.stored.chunkParts ?? null;
  }

  /** The chunk ids and labels of an indexed file. */
  chunks(source: string): ManifestFile['chunks'] {
    const entry = this.stored.files[source];
    if (!entry) return [];
    if (entry.chunks) return entry.chunks;
    const parts = this.stored.chunkParts ?? 1;
    const listed = this.part(lexicalShardOf(source, parts))[source];
    if (!listed || listed.ids.length !== entryCount(entry)) {
      throw new CopilotError(
        'index:corrupt',
        `The index's chunk list of ${source} is missing or incomplete.`,
        {
          hint: 'Rebuild it with `npm run ingest -- --full`.',
        },
      );
    }
    return listed.ids.map((id, i) => ({ id, label: listed.labels[i] as number }));
  }

  private part(i: number): ChunkPart {
    let part = this.parts.get(i);
    if (!part) {
      part = JSON.parse(fs.readFileSync(path.join(this.spaceDir, chunkPartFile(i)), 'utf8')) as ChunkPart;
      this.parts.set(i, part);
    }
    return part;
  }

  /** The whole manifest, chunk lists included (what serving loads). */
  full(): SpaceManifest {
    const files: Record<string, ManifestFile> = {};
    for (const [source, entry] of Object.entries(this.stored.files)) {
      const { count: _count, chunks: _chunks, ...rest } = entry;
      files[source] = { ...rest, chunks: this.chunks(source) };
    }
    return { ...this.head, files };
  }
}

export function readManifest(spaceDir: string): SpaceManifest {
  return ManifestView.read(spaceDir).full();
}

/**
 * Write a space's manifest in the current layout: manifest.json with the file table, and one
 * chunks-<i>.json per lexical shard. With `reuse`, the parts not in `reuse.dirty` are hard-linked
 * from the previous version (which must have the same part count); `chunksOf` gives the chunk list
 * of an entry stored without one.
 */
export function writeManifest(
  spaceDir: string,
  head: Omit<SpaceManifest, 'files'>,
  files: Readonly<Record<string, ManifestEntry>>,
  chunksOf: (source: string) => ManifestFile['chunks'],
  reuse?: { fromDir: string; dirty: ReadonlySet<number> },
): void {
  const parts = head.lexicalShards ?? 1;
  const write = new Map<number, ChunkPart>();
  for (let i = 0; i < parts; i++) {
    if (reuse && !reuse.dirty.has(i))
      linkOrCopy(path.join(reuse.fromDir, chunkPartFile(i)), path.join(spaceDir, chunkPartFile(i)));
    else write.set(i, {});
  }
  const table: Record<string, ManifestEntry> = {};
  for (const source in files) {
    const entry = files[source] as ManifestEntry;
    const part = write.size ? write.get(lexicalShardOf(source, parts)) : undefined;
    if (part) {
      const list = entry.chunks ?? chunksOf(source);
      part[source] = { ids: list.map((c) => c.id), labels: list.map((c) => c.label) };
    }
    // An entry read from a manifest in this layout is stored as it is (most of them, unchanged).
    if (entry.chunks) {
      const { chunks, count: _count, ...rest } = entry;
      table[source] = { ...rest, count: chunks.length };
    } else table[source] = entry;
  }
  for (const [i, part] of write) writeJsonSync(path.join(spaceDir, chunkPartFile(i)), part);
  writeJsonSync(path.join(spaceDir, 'manifest.json'), { ...head, chunkParts: parts, files: table });
}

/** Names of a space's lexical shard files, in shard order. */
export function lexicalFiles(manifest: SpaceManifest): string[] {
  if (manifest.lexicalShards === undefined) return ['lexical.json']; // format 1
  return Array.from({ length: manifest.lexicalShards }, (_, i) => lexicalShardFile(i));
}

/** Load a whole space for searching: chunk records, vectors and every lexical shard. */
export function loadSpace(spaceDir: string, dimensions: number, params: HnswParams): LoadedSpace {
  const manifest = readManifest(spaceDir);
  const live = new Set<number>();
  for (const f of Object.values(manifest.files)) for (const c of f.chunks) live.add(c.label);
  const chunks = new Map<number, Chunk>();
  let dead = 0;
  for (const seg of manifest.segments) {
    const text = fs.readFileSync(path.join(spaceDir, seg), 'utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      const rec = JSON.parse(line) as Chunk & { label: number };
      if (!live.has(rec.label)) {
        dead++;
        continue;
      }
      const { label, ...chunk } = rec;
      chunks.set(label, chunk);
    }
  }
  const vectors = SegmentedVectors.load(spaceDir, vectorsOf(manifest), dimensions, params, live.size);
  const lexical = LexicalIndex.fromJSON(
    ...lexicalFiles(manifest).map((f) => fs.readFileSync(path.join(spaceDir, f), 'utf8')),
  );
  return { index: new SpaceIndex(manifest.space, vectors, lexical, chunks, manifest), deadRecords: dead };
}

/** The space's vector segments (a format 1-3 space has one hnsw.bin holding every live label). */
export function vectorsOf(manifest: {
  vectors?: VectorSegmentsManifest;
  files: Readonly<Record<string, ManifestEntry>>;
}): VectorSegmentsManifest {
  if (manifest.vectors) return manifest.vectors;
  let live = 0;
  for (const f of Object.values(manifest.files)) live += entryCount(f);
  return legacyVectors(live);
}

/** Copy an unchanged space from the previous version without rewriting it. */
export function linkSpace(prevSpaceDir: string, spaceDir: string): void {
  fs.mkdirSync(spaceDir, { recursive: true });
  for (const name of fs.readdirSync(prevSpaceDir)) {
    linkOrCopy(path.join(prevSpaceDir, name), path.join(spaceDir, name));
  }
}
