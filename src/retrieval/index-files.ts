import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CopilotError } from '../errors.js';
import type { Chunk } from '../ingest/types.js';
import { type HnswParams, HnswStore } from './hnsw-store.js';
import { LexicalIndex } from './lexical.js';
import { SpaceIndex, type SpaceManifest } from './space-index.js';

/**
 * On-disk layout (DESIGN §4):
 *   INDEX_DIR/CURRENT                     name of the version being served (swapped by rename)
 *   INDEX_DIR/versions/<v>/meta.json      embedder id, dimensions, HNSW params, spaces
 *   INDEX_DIR/versions/<v>/<space>/       hnsw.bin, lexical.json, manifest.json, seg-*.jsonl
 *   INDEX_DIR/cache/                      embedding cache (survives versions)
 * A version directory is complete before CURRENT names it, so readers never see a partial index.
 */
export const INDEX_FORMAT = 1;

export interface IndexMeta {
  format: number;
  version: string;
  createdAt: string;
  embedderId: string;
  dimensions: number;
  hnsw: { m: number; efConstruction: number };
  knowledgeDir: string;
  spaces: Record<string, { documents: number; chunks: number }>;
}

export const layout = {
  current: (indexDir: string) => path.join(indexDir, 'CURRENT'),
  versions: (indexDir: string) => path.join(indexDir, 'versions'),
  version: (indexDir: string, v: string) => path.join(indexDir, 'versions', v),
  space: (versionDir: string, space: string) => path.join(versionDir, space),
  cache: (indexDir: string) => path.join(indexDir, 'cache'),
};

export function newVersionName(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

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
  if (meta.format !== INDEX_FORMAT) {
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

export function loadSpace(spaceDir: string, dimensions: number, params: HnswParams): LoadedSpace {
  const manifest = JSON.parse(fs.readFileSync(path.join(spaceDir, 'manifest.json'), 'utf8')) as SpaceManifest;
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
  const lexical = LexicalIndex.fromJSON(fs.readFileSync(path.join(spaceDir, 'lexical.json'), 'utf8'));
  return { index: new SpaceIndex(manifest.space, vectors, lexical, chunks, manifest), deadRecords: dead };
}

/**
 * Write a space into `spaceDir`. Segments that already exist in `prevSpaceDir` are hard-linked
 * (cost grows with what changed, not with the size of the space); `fresh` chunks go into a new
 * segment. With `compact`, all live chunks are rewritten into one segment instead.
 */
export function saveSpace(
  spaceDir: string,
  index: SpaceIndex,
  opts: { prevSpaceDir: string | null; fresh: Array<{ label: number; chunk: Chunk }>; compact: boolean },
): void {
  fs.mkdirSync(spaceDir, { recursive: true });
  const manifest = index.manifest;
  const writeSegment = (records: Array<{ label: number; chunk: Chunk }>): string => {
    const name = `seg-${newVersionName()}.jsonl`;
    const body = records.map((r) => JSON.stringify({ label: r.label, ...r.chunk })).join('\n');
    fs.writeFileSync(path.join(spaceDir, name), body ? `${body}\n` : '');
    return name;
  };
  if (opts.compact || !opts.prevSpaceDir) {
    manifest.segments = [writeSegment([...index.chunks].map(([label, chunk]) => ({ label, chunk })))];
  } else {
    for (const seg of manifest.segments)
      linkOrCopy(path.join(opts.prevSpaceDir, seg), path.join(spaceDir, seg));
    if (opts.fresh.length > 0) manifest.segments.push(writeSegment(opts.fresh));
  }
  index.vectors.save(path.join(spaceDir, 'hnsw.bin'));
  fs.writeFileSync(path.join(spaceDir, 'lexical.json'), index.lexical.toJSON());
  writeJsonSync(path.join(spaceDir, 'manifest.json'), manifest);
}

/** Copy an unchanged space from the previous version without rewriting it. */
export function linkSpace(prevSpaceDir: string, spaceDir: string): void {
  fs.mkdirSync(spaceDir, { recursive: true });
  for (const name of fs.readdirSync(prevSpaceDir)) {
    linkOrCopy(path.join(prevSpaceDir, name), path.join(spaceDir, name));
  }
}

function linkOrCopy(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}
