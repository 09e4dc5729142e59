import fs from 'node:fs';
import path from 'node:path';
import { type HnswParams, HnswStore } from '../retrieval/hnsw-store.js';
import {
  entryCount,
  INDEX_FORMAT,
  layout,
  linkOrCopy,
  linkSpace,
  ManifestView,
  newVersionName,
  readCurrentVersion,
  readMeta,
  vectorsOf,
  writeCurrentVersion,
  writeJsonSync,
} from '../retrieval/index-files.js';
import {
  FlatSegment,
  mergeDue,
  newSegmentFile,
  type VectorSegmentsManifest,
} from '../retrieval/vector-segments.js';
import { spawnWorker } from '../retrieval/worker-spawn.js';
import { acquireIndexLock } from './index-lock.js';
import { cleanupVersions } from './retention.js';

/** Deleted points in a base past this fraction of its live ones: the merge rebuilds it. */
const REBUILD_DEAD_RATIO = 0.3;

export interface MergeOptions {
  indexDir: string;
  hnsw: HnswParams;
  /** Merge every space that has deltas or tombstones, due or not. */
  force?: boolean;
  /** Test hook: runs after the merged base is written, before the new version is published. */
  beforePublish?: () => void;
}

export interface MergeResult {
  /** The published version, or null when no space was due (nothing written). */
  version: string | null;
  spaces: string[];
  ms: number;
}

/**
 * Fold each due space's deltas and tombstones into a new base HNSW and publish the result as a
 * new index version. Crash safe like an indexing run: everything is written into a temp version
 * directory (the old base is loaded, never modified), and only a complete version is renamed in
 * and named by CURRENT; a crash before that leaves the old version serving and the temp
 * directory for the next run's clean-up. Searches are unchanged by a merge: the same live labels
 * with the same vectors, in fewer segments.
 */
export async function mergeSegments(opts: MergeOptions): Promise<MergeResult> {
  const started = Date.now();
  const release = acquireIndexLock(opts.indexDir);
  try {
    const prev = readCurrentVersion(opts.indexDir);
    if (!prev) return { version: null, spaces: [], ms: Date.now() - started };
    const prevDir = layout.version(opts.indexDir, prev);
    const meta = readMeta(prevDir);
    // An older format is rebuilt in full by the next indexing run; nothing to merge into.
    if (meta.format !== INDEX_FORMAT) return { version: null, spaces: [], ms: Date.now() - started };
    const due = new Map<string, ManifestView>();
    for (const space of Object.keys(meta.spaces)) {
      const manifest = ManifestView.read(layout.space(prevDir, space));
      const v = vectorsOf(manifest);
      const any = v.deltas.length > 0 || v.tombstones.length > 0;
      if (opts.force ? any : mergeDue(v)) due.set(space, manifest);
    }
    if (due.size === 0) return { version: null, spaces: [], ms: Date.now() - started };

    const version = newVersionName();
    const tmpDir = path.join(layout.versions(opts.indexDir), `${version}.tmp-${process.pid}`);
    fs.mkdirSync(tmpDir, { recursive: true });
    try {
      const params = { ...opts.hnsw, m: meta.hnsw.m, efConstruction: meta.hnsw.efConstruction };
      for (const space of Object.keys(meta.spaces)) {
        const from = layout.space(prevDir, space);
        const to = layout.space(tmpDir, space);
        const manifest = due.get(space);
        if (!manifest) {
          linkSpace(from, to);
          continue;
        }
        const v = vectorsOf(manifest);
        fs.mkdirSync(to, { recursive: true });
        const segmentFiles = new Set([v.base, ...v.deltas.map((d) => d.file)]);
        for (const name of fs.readdirSync(from)) {
          if (name !== 'manifest.json' && !segmentFiles.has(name))
            linkOrCopy(path.join(from, name), path.join(to, name));
        }
        let live = 0;
        for (const f of Object.values(manifest.files)) live += entryCount(f);
        const base = newSegmentFile('hnsw', 'bin');
        await mergeSpace(from, v, meta.dimensions, params, path.join(to, base));
        const vectors: VectorSegmentsManifest = { base, baseCount: live, deltas: [], tombstones: [] };
        writeJsonSync(path.join(to, 'manifest.json'), manifest.storedWith({ vectors }));
      }
      opts.beforePublish?.();
      const spaces: typeof meta.spaces = {};
      for (const [name, info] of Object.entries(meta.spaces)) {
        spaces[name] = due.has(name) ? { documents: info.documents, chunks: info.chunks } : info;
      }
      writeJsonSync(path.join(tmpDir, 'meta.json'), {
        ...meta,
        spaces,
        version,
        createdAt: new Date().toISOString(),
      });
      fs.renameSync(tmpDir, layout.version(opts.indexDir, version));
      writeCurrentVersion(opts.indexDir, version);
    } catch (err) {
      fs.rmSync(tmpDir, { recursive: true, force: true });
      throw err;
    }
    cleanupVersions(opts.indexDir, version);
    return { version, spaces: [...due.keys()], ms: Date.now() - started };
  } finally {
    release();
  }
}

/**
 * The old base (read, not changed) with the tombstones deleted and every live delta point added.
 * Deleted points stay in the graph as routing nodes (their slots are not reused: that can leave
 * new points unreachable); once they outnumber REBUILD_DEAD_RATIO of the live ones, the base is
 * rebuilt from its live points instead, so it does not grow with churn.
 */
export async function mergeSpace(
  dir: string,
  v: VectorSegmentsManifest,
  dimensions: number,
  params: HnswParams,
  out: string,
  extra: { labels: number[]; vectors: number[][] } = { labels: [], vectors: [] },
): Promise<void> {
  const dead = new Set(v.tombstones);
  const base = await HnswStore.loadAsync(path.join(dir, v.base), dimensions, params, v.baseCount);
  for (const label of dead) base.removeIfPresent(label);
  const labels: number[] = [];
  const vectors: number[][] = [];
  for (const d of v.deltas) {
    const file = path.join(dir, d.file);
    if (d.kind === 'flat') {
      const seg = FlatSegment.read(file, dimensions);
      for (const label of seg.labels) {
        if (!dead.has(label)) {
          labels.push(label);
          vectors.push(seg.vector(label) as number[]);
        }
      }
    } else {
      const seg = HnswStore.load(file, dimensions, params, d.count);
      for (const label of seg.labels()) {
        const vec = dead.has(label) ? null : seg.vectorIfPresent(label);
        if (vec) {
          labels.push(label);
          vectors.push(vec);
        }
      }
    }
  }
  for (let i = 0; i < extra.labels.length; i++) {
    labels.push(extra.labels[i] as number);
    vectors.push(extra.vectors[i] as number[]);
  }
  const deadPoints = base.stored - base.size;
  if (deadPoints > REBUILD_DEAD_RATIO * (base.size + labels.length)) {
    const fresh = HnswStore.create(dimensions, params, base.size + labels.length);
    const keepLabels: number[] = [];
    const keepVectors: number[][] = [];
    for (const label of base.labels()) {
      const vec = base.vectorIfPresent(label);
      if (vec) {
        keepLabels.push(label);
        keepVectors.push(vec);
      }
    }
    fresh.addMany([...keepLabels, ...labels], [...keepVectors, ...vectors], false);
    await fresh.saveAsync(out);
    return;
  }
  base.addMany(labels, vectors, false);
  await base.saveAsync(out);
}

function anyMergeDue(indexDir: string): boolean {
  const v = readCurrentVersion(indexDir);
  if (!v) return false;
  try {
    return Object.values(readMeta(layout.version(indexDir, v)).spaces).some((s) => s.mergeDue);
  } catch {
    return false; // an unreadable or old-format index: the next run rebuilds it
  }
}

/**
 * mergeSegments in a worker thread, so the insertion of the delta points never blocks the
 * server's event loop (queries keep being answered from the current version meanwhile).
 */
export function mergeInWorker(opts: Omit<MergeOptions, 'beforePublish'>): Promise<MergeResult> {
  // The run that published the current version noted in meta.json whether a space is due:
  // usually none is, and no thread is started.
  if (!opts.force && !anyMergeDue(opts.indexDir))
    return Promise.resolve({ version: null, spaces: [], ms: 0 });
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(new URL('./merge-worker.js', import.meta.url), { workerData: opts });
    let result: MergeResult | null = null;
    worker.on('message', (msg: { ok: true; result: MergeResult } | { ok: false; message: string }) => {
      if (msg.ok) result = msg.result;
      else reject(new Error(`Segment merge failed: ${msg.message}`));
    });
    worker.on('error', (err) =>
      reject(new Error(`Segment merge thread crashed: ${err.message}`, { cause: err })),
    );
    worker.on('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`Segment merge thread exited with code ${code}`));
    });
  });
}
