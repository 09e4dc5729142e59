import fs from 'node:fs';
import path from 'node:path';
import type { Chunk } from '../domain/documents.js';
import { CopilotError } from '../errors.js';
import { type HnswParams, HnswStore } from './hnsw-store.js';
import { linkOrCopy } from './index-names.js';
import { LexicalIndex, lexicalShardFile } from './lexical.js';
import { SpaceIndex, type SpaceManifest } from './space-index.js';

/**
 * On-disk layout:
 *   INDEX_DIR/CURRENT                     name of the version being served (swapped by rename)
 *   INDEX_DIR/versions/<v>/meta.json      embedder id, dimensions, HNSW params, spaces
 *   INDEX_DIR/versions/<v>/<space>/       manifest.json, hnsw.bin, lexical-<i>.json (BM25 shards),
 *                                         seg-*.jsonl (chunk records)
 *   INDEX_DIR/cache/                      embedding cache (survives versions)
 * A version directory is complete before CURRENT names it, so readers never see a partial index.
 * An incremental run hard-links every file it does not change (segments, untouched lexical
 * shards, whole unchanged spaces) from the previous version.
 *
 * Format 2 shards the lexical index; format 1 (one lexical.json) is still readable, and the
 * indexer rebuilds it in the current format (3 adds CJK character n-grams to the lexical shards).
 */
export { linkOrCopy, newSegmentName, newVersionName } from './index-names.js';

/** 3: CJK character unigrams and bigrams in the lexical shards (older indexes rebuild in full). */
export const INDEX_FORMAT = 3;
const READABLE_FORMATS = new Set([1, 2, 3]);

export interface IndexMeta {
  format: number;
  version: string;
  createdAt: string;
  embedderId: string;
  dimensions: number;
  hnsw: { m: number; efConstruction: number };
  knowledgeDir: string;
  spaces: Record<string, { documents: number; chunks: number }>;
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

export function readManifest(spaceDir: string): SpaceManifest {
  return JSON.parse(fs.readFileSync(path.join(spaceDir, 'manifest.json'), 'utf8')) as SpaceManifest;
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
  const vectors = HnswStore.load(path.join(spaceDir, 'hnsw.bin'), dimensions, params, live.size);
  const lexical = LexicalIndex.fromJSON(
    ...lexicalFiles(manifest).map((f) => fs.readFileSync(path.join(spaceDir, f), 'utf8')),
  );
  return { index: new SpaceIndex(manifest.space, vectors, lexical, chunks, manifest), deadRecords: dead };
}

/** Copy an unchanged space from the previous version without rewriting it. */
export function linkSpace(prevSpaceDir: string, spaceDir: string): void {
  fs.mkdirSync(spaceDir, { recursive: true });
  for (const name of fs.readdirSync(prevSpaceDir)) {
    linkOrCopy(path.join(prevSpaceDir, name), path.join(spaceDir, name));
  }
}
