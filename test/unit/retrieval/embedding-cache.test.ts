import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withEmbeddingCache } from '../../../src/retrieval/embedders/cache.js';
import type { Embedder } from '../../../src/retrieval/types.js';

/** In-process embedder that records what it was asked to embed. */
function countingEmbedder(id = 'fake:4', dimensions = 4): Embedder & { calls: string[][] } {
  const calls: string[][] = [];
  // Quarter steps are exact in float32, which is what the cache stores.
  const vec = (t: string) => Array.from({ length: dimensions }, (_, d) => t.length + d / 4 + (id.length % 3));
  return {
    id,
    dimensions,
    calls,
    async embedDocuments(texts) {
      calls.push([...texts]);
      return texts.map(vec);
    },
    async embedQuery(text) {
      calls.push([text]);
      return vec(text);
    },
  };
}

describe('withEmbeddingCache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'emb-cache-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('embeds each distinct text once, preserving order, and serves repeats from memory', async () => {
    const inner = countingEmbedder();
    const cache = await withEmbeddingCache(inner, dir);
    expect(cache.id).toBe(inner.id);
    expect(cache.dimensions).toBe(4);
    const first = await cache.embedDocuments(['a', 'bb', 'a', 'ccc']);
    expect(inner.calls).toEqual([['a', 'bb', 'ccc']]);
    expect(first).toEqual(await inner.embedDocuments(['a', 'bb', 'a', 'ccc']));
    inner.calls.length = 0;
    expect(cache.stats()).toEqual({ hits: 1, misses: 3 });

    const second = await cache.embedDocuments(['ccc', 'a', 'bb']);
    expect(inner.calls).toEqual([]);
    expect(cache.stats()).toEqual({ hits: 4, misses: 3 });
    expect(second).toEqual([first[3], first[0], first[1]]);
  });

  it('does not cache queries', async () => {
    const inner = countingEmbedder();
    const cache = await withEmbeddingCache(inner, dir);
    await cache.embedQuery('q');
    await cache.embedQuery('q');
    expect(inner.calls).toEqual([['q'], ['q']]);
    expect(cache.stats()).toEqual({ hits: 0, misses: 0 });
  });

  it('persists across re-open after flush', async () => {
    const first = await withEmbeddingCache(countingEmbedder(), dir);
    const vectors = await first.embedDocuments(['one', 'two', 'three']);
    await first.flush();
    await first.flush(); // nothing pending: no duplicate records

    const inner = countingEmbedder();
    const reopened = await withEmbeddingCache(inner, dir);
    expect(await reopened.embedDocuments(['three', 'one', 'two'])).toEqual([
      vectors[2],
      vectors[0],
      vectors[1],
    ]);
    expect(inner.calls).toEqual([]);
    expect(reopened.stats()).toEqual({ hits: 3, misses: 0 });
    const [file] = await readdir(dir);
    expect((await stat(path.join(dir, file!))).size).toBe(3 * (32 + 4 * 4));
  });

  it('tolerates a truncated trailing record (crash during append)', async () => {
    const first = await withEmbeddingCache(countingEmbedder(), dir);
    await first.embedDocuments(['kept', 'torn']);
    await first.flush();
    const [file] = await readdir(dir);
    await truncate(path.join(dir, file!), 32 + 16 + 20); // second record cut in half

    const inner = countingEmbedder();
    const reopened = await withEmbeddingCache(inner, dir);
    await reopened.embedDocuments(['kept', 'torn']);
    expect(inner.calls).toEqual([['torn']]);
    expect(reopened.stats()).toEqual({ hits: 1, misses: 1 });
  });

  it('keeps entries of different embedder ids apart', async () => {
    const a = await withEmbeddingCache(countingEmbedder('model-a:4'), dir);
    await a.embedDocuments(['shared text']);
    await a.flush();
    const innerB = countingEmbedder('model-b:4');
    const b = await withEmbeddingCache(innerB, dir);
    await b.embedDocuments(['shared text']);
    expect(innerB.calls).toEqual([['shared text']]);
    expect(b.stats()).toEqual({ hits: 0, misses: 1 });
  });

  it('rejects vectors of the wrong size instead of storing garbage', async () => {
    const liar: Embedder = { ...countingEmbedder(), embedDocuments: async (t) => t.map(() => [1, 2]) };
    const cache = await withEmbeddingCache(liar, dir);
    await expect(cache.embedDocuments(['x'])).rejects.toMatchObject({ code: 'embed:dimension_mismatch' });
  });

  it('loads a large cache quickly from one read', async () => {
    const dims = 384;
    const inner: Embedder = {
      id: 'bulk:384',
      dimensions: dims,
      embedDocuments: async (texts) =>
        texts.map((t) => Array.from({ length: dims }, (_, d) => (t.length + d) % 7)),
      embedQuery: async () => [],
    };
    const writer = await withEmbeddingCache(inner, dir);
    const texts = Array.from({ length: 20_000 }, (_, i) => `chunk ${i}`);
    await writer.embedDocuments(texts);
    await writer.flush();
    const reader = await withEmbeddingCache({ ...inner, embedDocuments: async () => [] }, dir);
    const sample = await reader.embedDocuments([texts[0]!, texts[19_999]!]);
    expect(reader.stats()).toEqual({ hits: 2, misses: 0 });
    expect(sample[1]![1]).toBe(('chunk 19999'.length + 1) % 7);
  });
});
