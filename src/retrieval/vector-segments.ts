import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CopilotError } from '../errors.js';
import { type HnswParams, HnswStore, type VectorHit } from './hnsw-store.js';

/**
 * A space's vectors as segments (index format 4): one base HNSW, small delta segments written by
 * incremental runs, and tombstones (labels deleted or replaced since the base was written).
 * A one-file change writes a delta of its fresh chunks only; the base is never rewritten on the
 * incremental path. A merge (src/ingest/merge.ts) folds deltas and tombstones into a new base,
 * in the background, once they pass MERGE_RATIO of the base.
 *
 * Segment files have unique names and never change once written: a version's space directory
 * hard-links the ones it shares with the previous version, so they are stored once and go away
 * with the last version that names them.
 */
export interface VectorSegmentsManifest {
  /** Base HNSW file (hnsw-<id>.bin). */
  base: string;
  /** Live points in the base when it was written. */
  baseCount: number;
  /** Delta segments, oldest first. */
  deltas: Array<{ file: string; kind: 'flat' | 'hnsw'; count: number }>;
  /** Labels, in the base or a delta, that are no longer live. */
  tombstones: number[];
}

/** A delta of at most this many vectors is a flat file searched exactly; larger ones are HNSW. */
export const FLAT_DELTA_MAX = 512;
/** Deltas plus tombstones past this fraction of the base make the space due for a merge. */
export const MERGE_RATIO = 0.1;
/** More deltas than this make the space due for a merge (each delta is one more search per query). */
export const MAX_DELTAS = 16;
/** Below this many base points a merge is always allowed (tiny spaces merge on any delta). */
const MERGE_MIN_BASE = 2_000;

export const newSegmentFile = (prefix: 'hnsw' | 'vflat' | 'vdelta', ext: string): string =>
  `${prefix}-${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}.${ext}`;

/** Format 1-3 spaces: one hnsw.bin, no deltas. */
export function legacyVectors(liveCount: number): VectorSegmentsManifest {
  return { base: 'hnsw.bin', baseCount: liveCount, deltas: [], tombstones: [] };
}

export function deltaPoints(v: VectorSegmentsManifest): number {
  return v.deltas.reduce((n, d) => n + d.count, 0);
}

/** Whether a space's segments should be merged into a new base. */
export function mergeDue(v: VectorSegmentsManifest): boolean {
  if (v.deltas.length === 0 && v.tombstones.length === 0) return false;
  if (v.deltas.length > MAX_DELTAS) return true;
  const extra = deltaPoints(v) + v.tombstones.length;
  return extra > MERGE_RATIO * Math.max(v.baseCount, MERGE_MIN_BASE);
}

/**
 * A small delta segment: labels and unit-length float32 vectors, searched exactly.
 * File: "CVF1", uint32 count, uint32 dimensions, count int32 labels, count × dims float32.
 */
export class FlatSegment {
  private readonly row = new Map<number, number>();

  constructor(
    readonly labels: Int32Array,
    readonly data: Float32Array,
    readonly dimensions: number,
  ) {
    for (let i = 0; i < labels.length; i++) this.row.set(labels[i] as number, i);
  }

  static fromVectors(
    labels: readonly number[],
    vectors: readonly number[][],
    dimensions: number,
  ): FlatSegment {
    const data = new Float32Array(labels.length * dimensions);
    vectors.forEach((v, i) => {
      if (v?.length !== dimensions) {
        throw new CopilotError(
          'index:dimension_mismatch',
          `Vector has ${v?.length ?? 0} dimensions, index has ${dimensions}.`,
        );
      }
      let n = 0;
      for (const x of v) n += x * x;
      const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
      for (let j = 0; j < dimensions; j++) data[i * dimensions + j] = (v[j] as number) * inv;
    });
    return new FlatSegment(Int32Array.from(labels), data, dimensions);
  }

  static read(file: string, dimensions: number): FlatSegment {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch (cause) {
      throw corruptSegment(file, cause);
    }
    if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'CVF1') throw corruptSegment(file);
    const count = buf.readUInt32LE(4);
    const dims = buf.readUInt32LE(8);
    if (dims !== dimensions || buf.length !== 12 + count * 4 + count * dims * 4) throw corruptSegment(file);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.length).slice(12);
    const labels = new Int32Array(bytes.buffer, 0, count);
    const data = new Float32Array(bytes.buffer, count * 4, count * dims);
    return new FlatSegment(labels, data, dims);
  }

  write(file: string): void {
    const head = Buffer.alloc(12);
    head.write('CVF1', 0, 'latin1');
    head.writeUInt32LE(this.labels.length, 4);
    head.writeUInt32LE(this.dimensions, 8);
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, head);
      fs.writeSync(fd, new Uint8Array(this.labels.buffer, this.labels.byteOffset, this.labels.byteLength));
      fs.writeSync(fd, new Uint8Array(this.data.buffer, this.data.byteOffset, this.data.byteLength));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  get count(): number {
    return this.labels.length;
  }

  has(label: number): boolean {
    return this.row.has(label);
  }

  vector(label: number): number[] | null {
    const i = this.row.get(label);
    if (i === undefined) return null;
    return Array.from(this.data.subarray(i * this.dimensions, (i + 1) * this.dimensions));
  }

  /** Exact top-k by cosine similarity; `dead` labels are skipped. */
  search(query: number[], k: number, dead: ReadonlySet<number>): VectorHit[] {
    const d = this.dimensions;
    let qn = 0;
    for (const x of query) qn += x * x;
    const inv = qn > 0 ? 1 / Math.sqrt(qn) : 0;
    const hits: VectorHit[] = [];
    for (let i = 0; i < this.labels.length; i++) {
      const label = this.labels[i] as number;
      if (dead.has(label)) continue;
      let dot = 0;
      const off = i * d;
      for (let j = 0; j < d; j++) dot += (this.data[off + j] as number) * (query[j] as number);
      hits.push({ label, similarity: dot * inv });
    }
    return hits.sort((a, b) => b.similarity - a.similarity).slice(0, k);
  }
}

/** Vectors of one space as the searcher sees them: the union of live points of every segment. */
export interface VectorSearch {
  readonly size: number;
  setEf(ef: number): void;
  search(query: number[], k: number): VectorHit[];
  vector(label: number): number[];
}

/**
 * Base + deltas + tombstones, searched together. Tombstoned labels are marked deleted in the
 * HNSW segments as they load (in memory only: hnswlib then skips them during the search) and
 * skipped in flat ones; each segment's top k are merged by similarity. A label lives in one
 * segment only (labels are never reused), so the merge needs no de-duplication.
 */
export class SegmentedVectors implements VectorSearch {
  constructor(
    private readonly hnsw: HnswStore[],
    private readonly flat: FlatSegment[],
    private readonly dead: ReadonlySet<number>,
    readonly size: number,
  ) {}

  static load(
    dir: string,
    v: VectorSegmentsManifest,
    dimensions: number,
    params: HnswParams,
    liveCount: number,
  ): SegmentedVectors {
    const dead = new Set(v.tombstones);
    const hnsw: HnswStore[] = [];
    const flat: FlatSegment[] = [];
    const base = HnswStore.load(path.join(dir, v.base), dimensions, params, v.baseCount);
    hnsw.push(base);
    for (const d of v.deltas) {
      const file = path.join(dir, d.file);
      if (d.kind === 'flat') flat.push(FlatSegment.read(file, dimensions));
      else hnsw.push(HnswStore.load(file, dimensions, params, d.count));
    }
    for (const label of dead) {
      for (const seg of hnsw) if (seg.removeIfPresent(label)) break;
    }
    return new SegmentedVectors(hnsw, flat, dead, liveCount);
  }

  setEf(ef: number): void {
    for (const seg of this.hnsw) seg.setEf(ef);
  }

  search(query: number[], k: number): VectorHit[] {
    if (this.size === 0 || k <= 0) return [];
    const first = this.hnsw[0]?.search(query, k) ?? [];
    if (this.hnsw.length === 1 && this.flat.length === 0) return first;
    const all = [first];
    for (let i = 1; i < this.hnsw.length; i++) all.push((this.hnsw[i] as HnswStore).search(query, k));
    for (const seg of this.flat) all.push(seg.search(query, k, this.dead));
    return all
      .flat()
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, k);
  }

  vector(label: number): number[] {
    for (const seg of this.flat) {
      const v = seg.vector(label);
      if (v) return v;
    }
    for (const seg of this.hnsw) {
      const v = seg.vectorIfPresent(label);
      if (v) return v;
    }
    throw new Error(`label ${label} is in no vector segment`);
  }
}

function corruptSegment(file: string, cause?: unknown): CopilotError {
  return new CopilotError('index:corrupt', `Cannot read the vector segment at ${file}.`, {
    ...(cause ? { cause } : {}),
    hint: 'Rebuild it with `npm run ingest -- --full`.',
  });
}
