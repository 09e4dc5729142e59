import fs from 'node:fs';
import hnswlib from 'hnswlib-node';
import { CopilotError } from '../errors.js';
import { assertNativeBuildRuns } from './native-build.js';

const { HierarchicalNSW } = hnswlib;
type Native = InstanceType<typeof HierarchicalNSW>;

export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
}

export interface VectorHit {
  label: number;
  /** Cosine similarity (1 - cosine distance). */
  similarity: number;
}

/**
 * hnswlib-node behind a small interface. Labels are ours (stable per chunk); deleted
 * labels are only marked, and their slots are reused by later inserts (allowReplaceDeleted),
 * so an index that churns does not grow without bound.
 */
export class HnswStore {
  private live: number;

  private constructor(
    private readonly index: Native,
    readonly dimensions: number,
    live: number,
  ) {
    this.live = live;
  }

  static create(dimensions: number, params: HnswParams, capacity = 1024): HnswStore {
    assertNativeBuildRuns();
    const index = new HierarchicalNSW('cosine', dimensions);
    index.initIndex(Math.max(16, capacity), params.m, params.efConstruction, 100, true);
    index.setEf(params.efSearch);
    return new HnswStore(index, dimensions, 0);
  }

  static load(file: string, dimensions: number, params: HnswParams, liveCount: number): HnswStore {
    assertNativeBuildRuns();
    const index = new HierarchicalNSW('cosine', dimensions);
    try {
      index.readIndexSync(file, true);
    } catch (cause) {
      throw corrupt(file, cause);
    }
    index.setEf(params.efSearch);
    return new HnswStore(index, dimensions, liveCount);
  }

  /** load() on the libuv thread pool: the main thread goes on with other work meanwhile. */
  static async loadAsync(
    file: string,
    dimensions: number,
    params: HnswParams,
    liveCount: number,
  ): Promise<HnswStore> {
    assertNativeBuildRuns();
    const index = new HierarchicalNSW('cosine', dimensions);
    try {
      await index.readIndex(file, true);
    } catch (cause) {
      throw corrupt(file, cause);
    }
    index.setEf(params.efSearch);
    return new HnswStore(index, dimensions, liveCount);
  }

  get size(): number {
    return this.live;
  }

  setEf(ef: number): void {
    this.index.setEf(ef);
  }

  /** Make room for `extra` more points (hnswlib needs an explicit capacity). */
  reserve(extra: number): void {
    const needed = this.index.getCurrentCount() + extra;
    const max = this.index.getMaxElements();
    if (needed > max) this.index.resizeIndex(Math.max(needed, Math.ceil(max * 1.5)));
  }

  add(label: number, vector: number[]): void {
    this.reserve(1);
    this.insert(label, vector);
  }

  /**
   * Insert many points: one capacity check, then plain addPoint calls (the build's hot loop).
   * `replaceDeleted: false` keeps deleted points as routing nodes instead of reusing their slots
   * (a merge: reusing slots of a small graph can leave new points unreachable by the search).
   */
  addMany(labels: readonly number[], vectors: readonly number[][], replaceDeleted = true): void {
    this.reserve(labels.length);
    for (let i = 0; i < labels.length; i++)
      this.insert(labels[i] as number, vectors[i] as number[], replaceDeleted);
  }

  /** Points stored, deleted ones included. */
  get stored(): number {
    return this.index.getCurrentCount();
  }

  private insert(label: number, vector: number[], replaceDeleted = true): void {
    if (vector?.length !== this.dimensions) {
      throw new CopilotError(
        'index:dimension_mismatch',
        `Vector has ${vector?.length ?? 0} dimensions, index has ${this.dimensions}.`,
      );
    }
    this.index.addPoint(vector, label, replaceDeleted);
    this.live++;
  }

  remove(label: number): void {
    this.index.markDelete(label);
    this.live--;
  }

  /** Mark `label` deleted if this index holds it live; false if it does not. */
  removeIfPresent(label: number): boolean {
    try {
      this.index.markDelete(label);
    } catch {
      return false;
    }
    this.live--;
    return true;
  }

  vector(label: number): number[] {
    return this.index.getPoint(label);
  }

  /** The stored (unit) vector of a live label, or null when this index does not hold it. */
  vectorIfPresent(label: number): number[] | null {
    try {
      return this.index.getPoint(label);
    } catch {
      return null;
    }
  }

  /** Every label stored, deleted ones included. */
  labels(): number[] {
    return this.index.getIdsList();
  }

  search(query: number[], k: number, filter?: (label: number) => boolean): VectorHit[] {
    if (this.live === 0 || k <= 0) return [];
    const n = Math.min(k, this.live);
    const res = filter ? this.index.searchKnn(query, n, filter) : this.index.searchKnn(query, n);
    return res.neighbors.map((label, i) => ({ label, similarity: 1 - (res.distances[i] ?? 1) }));
  }

  save(file: string): void {
    this.index.writeIndexSync(file);
    assertWritten(file);
  }

  /** Write on the libuv thread pool, so the main thread can do other work meanwhile. */
  async saveAsync(file: string): Promise<void> {
    await this.index.writeIndex(file);
    assertWritten(file);
  }
}

function corrupt(file: string, cause: unknown): CopilotError {
  return new CopilotError('index:corrupt', `Cannot read the vector index at ${file}.`, {
    cause,
    hint: 'Rebuild it with `npm run ingest -- --full`.',
  });
}

/** hnswlib does not check that its output file opened: an unwritable path fails silently. */
function assertWritten(file: string): void {
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    /* missing */
  }
  if (size === 0)
    throw new CopilotError('index:write_failed', `Could not write the vector index to ${file}.`);
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
