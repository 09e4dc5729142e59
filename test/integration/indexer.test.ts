import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIndex } from '../../src/ingest/indexer.js';
import { withEmbeddingCache } from '../../src/retrieval/embedders/cache.js';
import { createLocalEmbedder } from '../../src/retrieval/embedders/local.js';
import { layout, readCurrentVersion } from '../../src/retrieval/index-files.js';
import { openIndex } from '../../src/retrieval/index-reader.js';
import type { SearchMode } from '../../src/retrieval/types.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

const hnsw = { m: 16, efConstruction: 100, efSearch: 64 };
const root = tmpDir();
const knowledgeDir = path.join(root, 'knowledge');
const indexDir = path.join(root, 'index');

async function ingest(full = false) {
  const embedder = await withEmbeddingCache(
    createLocalEmbedder(),
    path.join(layout.cache(indexDir), 'embeddings'),
  );
  return runIndex({ knowledgeDir, indexDir, embedder, hnsw, maxFileBytes: 10 * 1024 * 1024, full });
}

function open() {
  return openIndex({ indexDir, embedder: createLocalEmbedder(), hnsw });
}

async function sourcesFor(query: string, space = 'default', mode: SearchMode = 'hybrid'): Promise<string[]> {
  return (await open().search(query, { space, k: 20, mode })).map((h) => h.chunk.source);
}

beforeAll(() => {
  writeFiles(knowledgeDir, {
    'returns.md':
      '---\ntitle: Returns\ntags: [returns]\n---\n# Returns\n\n## Window\n\nItems can be returned within 30 days of delivery for a full refund.\n\n## Damaged items\n\nSend a photo of the damage; we replace the item or refund it.\n',
    'shipping.md':
      '# Shipping\n\nOrders placed before 2pm ship the same day with ParcelCo. Tracking numbers start with PC.\n',
    'fees.txt':
      'Fees\nThe marketplace commission is 8% of the item price plus a fixed fee of 0.30 per order.\n',
    'apparel/returns.md':
      '# Apparel returns\n\nClothing can be returned within 60 days, and size exchanges are free.\n',
  });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('incremental indexing', () => {
  it('builds, then a second run embeds and changes nothing and keeps the version', async () => {
    const first = await ingest();
    expect(first).toMatchObject({ documents: 4, added: 4, updated: 0, removed: 0 });
    expect(first.embedded).toBe(first.chunks);
    const second = await ingest();
    expect(second).toMatchObject({
      embedded: 0,
      added: 0,
      updated: 0,
      removed: 0,
      unchanged: 4,
      version: first.version,
    });
    expect(await sourcesFor('how long do I have to return something?')).toContain('returns.md');
  });

  it('re-embeds only the changed chunks of an edited file', async () => {
    const file = path.join(knowledgeDir, 'returns.md');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('Send a photo', 'Send two photos'));
    const run = await ingest();
    expect(run).toMatchObject({ updated: 1, added: 0, unchanged: 3 });
    expect(run.embedded).toBe(1);
    const hits = await open().search('two photos of the damage', { space: 'default', k: 3 });
    expect(hits[0]?.chunk.text).toContain('two photos');
  });

  it('removes a deleted file from every search mode', async () => {
    fs.rmSync(path.join(knowledgeDir, 'shipping.md'));
    const run = await ingest();
    expect(run.removed).toBe(1);
    for (const mode of ['hybrid', 'vector', 'lexical'] as const) {
      expect(await sourcesFor('ParcelCo same day shipping tracking', 'default', mode)).not.toContain(
        'shipping.md',
      );
    }
    expect(readCurrentVersion(indexDir)).toBe(run.version);
  });

  it('keeps spaces apart: an apparel question in default never sees apparel chunks', async () => {
    const sources = await sourcesFor('clothing size exchange 60 days');
    expect(sources.every((s) => !s.startsWith('apparel/'))).toBe(true);
    expect(await sourcesFor('clothing size exchange 60 days', 'apparel')).toEqual(['apparel/returns.md']);
  });

  it('skips bad files with reasons and indexes the rest', async () => {
    writeFiles(knowledgeDir, {
      'broken.pdf': Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nthis is not a real pdf'),
      'empty.md': '',
      'binary.md': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 1, 2]),
      'notes.docx': 'not supported',
      'good.md': '# Warranty\n\nKettles carry a two-year warranty against defects.\n',
    });
    fs.writeFileSync(
      path.join(knowledgeDir, 'huge.txt'),
      Buffer.alloc(20 * 1024 * 1024, 'a big file line\n'),
    );
    const run = await ingest();
    const reasons = Object.fromEntries(run.skipped.map((s) => [s.path, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual([
      'binary.md',
      'broken.pdf',
      'empty.md',
      'huge.txt',
      'notes.docx',
    ]);
    for (const reason of Object.values(reasons)) expect(reason.length).toBeGreaterThan(5);
    expect(reasons['huge.txt']).toMatch(/MAX_FILE_BYTES/);
    expect(await sourcesFor('two-year warranty on kettles')).toContain('good.md');
    // The bad files are remembered: an unchanged bad file does not make the next run rebuild.
    const again = await ingest();
    expect(again).toMatchObject({ added: 0, updated: 0, embedded: 0, version: run.version });
    expect(again.skipped.map((s) => s.path).sort()).toEqual(Object.keys(reasons).sort());
  });

  it('a full rebuild takes every embedding from the cache', async () => {
    const run = await ingest(true);
    expect(run.embedded).toBe(0);
    expect(run.chunks).toBeGreaterThan(0);
  });
});
