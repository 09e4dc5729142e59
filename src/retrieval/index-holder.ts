import type { HnswParams } from './hnsw-store.js';
import { readCurrentVersion } from './index-files.js';
import { type LoadedIndex, openIndex } from './index-reader.js';
import type { Embedder } from './types.js';

/**
 * Holds the index version being served and swaps to a newer one without a restart.
 * Callers take `current()` once per answer, so an in-flight answer finishes on the version it
 * started with while new answers use the new one.
 */
export class IndexHolder {
  private loaded: LoadedIndex;
  private readonly listeners = new Set<(index: LoadedIndex) => void>();

  constructor(
    private readonly opts: { indexDir: string; embedder: Embedder; hnsw: Pick<HnswParams, 'efSearch'> },
    initial?: LoadedIndex,
  ) {
    this.loaded = initial ?? openIndex(opts);
  }

  current(): LoadedIndex {
    return this.loaded;
  }

  /** Load the version CURRENT points to if it differs. Returns true when it swapped. */
  reload(version?: string): boolean {
    const next = version ?? readCurrentVersion(this.opts.indexDir);
    if (!next || next === this.loaded.version) return false;
    this.loaded = openIndex({ ...this.opts, version: next });
    for (const l of this.listeners) l(this.loaded);
    return true;
  }

  onSwap(listener: (index: LoadedIndex) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
