import path from 'node:path';
import { CopilotError } from '../errors.js';
import type { HnswParams } from './hnsw-store.js';
import { type IndexMeta, layout, loadSpace, readCurrentVersion, readMeta } from './index-files.js';
import type { SpaceIndex } from './space-index.js';
import type { Embedder, Retriever, SearchHit, SearchOptions } from './types.js';

/**
 * A loaded, immutable index version. Each space is its own SpaceIndex, so a search in one space
 * has no code path to another space's chunks (isolation by construction).
 */
export class LoadedIndex implements Retriever {
  constructor(
    readonly meta: IndexMeta,
    private readonly spaceIndexes: Map<string, SpaceIndex>,
    private readonly embedder: Embedder,
  ) {}

  get version(): string {
    return this.meta.version;
  }

  spaces(): string[] {
    return [...this.spaceIndexes.keys()].sort();
  }

  space(name: string): SpaceIndex | undefined {
    return this.spaceIndexes.get(name);
  }

  /** Changes whenever a passage of `space` starts or stops being citable (answer-cache keys). */
  validityEpoch(space: string, now: number): number {
    return this.spaceIndexes.get(space)?.validity.epoch(now) ?? 0;
  }

  async search(query: string, opts: SearchOptions): Promise<SearchHit[]> {
    const space = this.spaceIndexes.get(opts.space);
    if (!space) {
      throw new CopilotError('space:unknown', `Unknown space "${opts.space}".`, {
        hint: `Known spaces: ${this.spaces().join(', ') || '(none)'}.`,
        status: 400,
      });
    }
    const mode = opts.mode ?? 'hybrid';
    const k = opts.k ?? 8;
    const vector = mode === 'lexical' ? null : (opts.queryVector ?? (await this.embedder.embedQuery(query)));
    return space.search(query, vector, k, mode, opts.now ?? Date.now());
  }
}

export interface OpenIndexOptions {
  indexDir: string;
  embedder: Embedder;
  hnsw: Pick<HnswParams, 'efSearch'>;
  /** Pin a version instead of following CURRENT (in-flight answers keep theirs). */
  version?: string;
}

export function openIndex(opts: OpenIndexOptions): LoadedIndex {
  const version = opts.version ?? readCurrentVersion(opts.indexDir);
  if (!version) {
    throw new CopilotError(
      'index:missing',
      `No index found in ${path.relative('.', opts.indexDir) || '.'}.`,
      {
        hint: 'Build it with `npm run ingest`.',
      },
    );
  }
  const dir = layout.version(opts.indexDir, version);
  const meta = readMeta(dir);
  assertEmbedderMatches(meta, opts.embedder);
  const spaces = new Map<string, SpaceIndex>();
  const params = { m: meta.hnsw.m, efConstruction: meta.hnsw.efConstruction, efSearch: opts.hnsw.efSearch };
  for (const name of Object.keys(meta.spaces)) {
    spaces.set(name, loadSpace(layout.space(dir, name), meta.dimensions, params).index);
  }
  return new LoadedIndex(meta, spaces, opts.embedder);
}

export function assertEmbedderMatches(meta: IndexMeta, embedder: Embedder): void {
  if (meta.embedderId !== embedder.id || meta.dimensions !== embedder.dimensions) {
    throw new CopilotError(
      'index:embedder_mismatch',
      `The index was built with embeddings "${meta.embedderId}" (${meta.dimensions} dimensions), but the configured embedder is "${embedder.id}" (${embedder.dimensions}).`,
      {
        hint: 'Run `npm run ingest` to rebuild the index for the current EMBEDDINGS setting, or switch it back.',
      },
    );
  }
}
