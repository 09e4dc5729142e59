import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIndex } from '../../src/ingest/indexer.js';
import { createLocalEmbedder } from '../../src/retrieval/embedders/local.js';
import { type LoadedIndex, openIndex } from '../../src/retrieval/index-reader.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

const root = tmpDir();
const hnsw = { m: 16, efConstruction: 100, efSearch: 64 };
const WORDS =
  'refund return shipping parcel payout fee coupon dispute account password listing 退款 发货 结算 优惠券 纠纷 SKU-1001 BZ-2024-000123 kettle shirt size'.split(
    ' ',
  );
let index: LoadedIndex;

beforeAll(async () => {
  // Spaces are declared (a declared space owns the folder of its name); the rest is default.
  const files: Record<string, string> = {
    'spaces.json': JSON.stringify({ spaces: { alpha: {}, beta: {} } }),
  };
  // Both spaces talk about the same things in the same words: only the space boundary separates them.
  for (const space of ['default', 'alpha', 'beta']) {
    for (let i = 0; i < 12; i++) {
      const words = Array.from({ length: 40 }, (_, j) => WORDS[(i * 7 + j * 3) % WORDS.length]).join(' ');
      const rel = space === 'default' ? `doc-${i}.md` : `${space}/doc-${i}.md`;
      files[rel] = `# ${space} document ${i}\n\n${words}.\n`;
    }
  }
  writeFiles(path.join(root, 'kb'), files);
  await runIndex({
    knowledgeDir: path.join(root, 'kb'),
    indexDir: path.join(root, 'idx'),
    embedder: createLocalEmbedder(),
    hnsw,
    maxFileBytes: 1 << 20,
  });
  index = openIndex({ indexDir: path.join(root, 'idx'), embedder: createLocalEmbedder(), hnsw });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('space isolation', () => {
  it('no query in one space ever returns a chunk of another space', async () => {
    expect(index.spaces()).toEqual(['alpha', 'beta', 'default']);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('default', 'alpha', 'beta'),
        fc.oneof(
          fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 8 }).map((w) => w.join(' ')),
          fc.string(),
        ),
        fc.constantFrom('hybrid' as const, 'vector' as const, 'lexical' as const),
        fc.integer({ min: 1, max: 50 }),
        async (space, query, mode, k) => {
          const hits = await index.search(query, { space, k, mode });
          for (const h of hits) {
            expect(h.chunk.space).toBe(space);
            expect(h.chunk.source.startsWith(space === 'default' ? 'doc-' : `${space}/`)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an unknown space is an error, not a search of everything', async () => {
    await expect(index.search('refund', { space: 'gamma' })).rejects.toMatchObject({ code: 'space:unknown' });
  });
});
