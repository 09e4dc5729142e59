import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkDocument } from '../../src/ingest/chunker.js';
import { runIndex } from '../../src/ingest/indexer.js';
import { loadDocument } from '../../src/ingest/load.js';
import { scanKnowledge } from '../../src/ingest/scan.js';
import { createLocalEmbedder } from '../../src/retrieval/embedders/local.js';
import { openIndex } from '../../src/retrieval/index-reader.js';
import { makeDocx, makeXlsx } from '../helpers/office.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

const hnsw = { m: 16, efConstruction: 100, efSearch: 64 };
const root = tmpDir();
const knowledgeDir = path.join(root, 'knowledge');
const indexDir = path.join(root, 'index');
const MAX = 10 * 1024 * 1024;

const skus = Array.from({ length: 60 }, (_, i) => [`SKU-${1000 + i}`, `Widget model ${i}`, `${10 + i}.99`]);

beforeAll(async () => {
  writeFiles(knowledgeDir, {
    'handbook.docx': await makeDocx([
      { text: 'Seller handbook', style: 'Heading1' },
      { text: 'Payouts', style: 'Heading2' },
      { text: 'Payouts are sent every Tuesday to the bank account on file, minus the commission.' },
      { text: 'Disputes', style: 'Heading2' },
      { text: 'A chargeback dispute must be answered within seven days with proof of delivery.' },
    ]),
    'catalog.xlsx': await makeXlsx({
      FAQ: [
        ['Question', 'Answer'],
        ['Can I sell gift cards?', 'No, gift cards are a restricted category on the marketplace.'],
        ['How do I change my store name?', 'Open Settings, then Store profile, and edit the display name.'],
      ],
      Prices: [['SKU', 'Product', 'Price'], ...skus],
    }),
    'carriers.csv': `Carrier,Cutoff,Zone\n${['ParcelCo,14:00,domestic', 'ShipFast,11:00,international', 'Zoomer,16:30,local'].join('\n')}\n`,
    'broken.docx': Buffer.from('PK\u0003\u0004 this is not really a zip archive at all'),
    'broken.xlsx': Buffer.from('definitely not a spreadsheet'),
    'notes.md': '# Notes\n\nPlain notes still index next to the office files.\n',
  });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function load(name: string) {
  const scan = await scanKnowledge(knowledgeDir, { maxFileBytes: MAX });
  const file = scan.files.find((f) => f.source === name);
  if (!file) throw new Error(`not scanned: ${name}`);
  return loadDocument(file);
}

describe('office files', () => {
  it('reads .docx with Word headings as the heading path', async () => {
    const doc = await load('handbook.docx');
    expect(doc.format).toBe('docx');
    const chunks = chunkDocument(doc);
    const payout = chunks.find((c) => c.text.includes('every Tuesday'));
    expect(payout?.headingPath).toEqual(['Seller handbook', 'Payouts']);
    expect(chunks.find((c) => c.text.includes('chargeback'))?.headingPath).toEqual([
      'Seller handbook',
      'Disputes',
    ]);
  });

  it('makes one chunk per FAQ row and row groups with the header repeated for other sheets', async () => {
    const chunks = chunkDocument(await load('catalog.xlsx'));
    const faq = chunks.filter((c) => c.question !== undefined);
    expect(faq.map((c) => c.question)).toEqual(['Can I sell gift cards?', 'How do I change my store name?']);
    expect(faq[0]?.text).toBe(
      'Q: Can I sell gift cards?\nA: No, gift cards are a restricted category on the marketplace.',
    );
    const prices = chunks.filter((c) => c.headingPath?.[0] === 'Prices');
    expect(prices.length).toBeGreaterThan(1);
    for (const c of prices)
      expect(c.text.startsWith('| SKU | Product | Price |\n| --- | --- | --- |\n')).toBe(true);
    // Every row lands in exactly one group: nothing lost, nothing repeated but the header.
    const rows = prices.flatMap((c) => c.text.split('\n').slice(2));
    expect(rows).toEqual(skus.map((r) => `| ${r.join(' | ')} |`));
  });

  it('reads a CSV table that is not a FAQ as row groups with its header', async () => {
    const doc = await load('carriers.csv');
    expect(doc.format).toBe('table');
    const [chunk] = chunkDocument(doc);
    expect(chunk?.text).toContain('| Carrier | Cutoff | Zone |');
    expect(chunk?.text).toContain('| ShipFast | 11:00 | international |');
  });

  it('indexes office files, skips corrupt ones with a reason and finds them in search', async () => {
    const summary = await runIndex({
      knowledgeDir,
      indexDir,
      embedder: createLocalEmbedder(),
      hnsw,
      maxFileBytes: MAX,
    });
    const skipped = Object.fromEntries(summary.skipped.map((s) => [s.path, s.reason]));
    expect(skipped['broken.docx']).toMatch(/not a readable \.docx file/);
    expect(skipped['broken.xlsx']).toMatch(/not a readable \.xlsx file/);
    expect(summary.documents).toBe(4);
    const index = openIndex({ indexDir, embedder: createLocalEmbedder(), hnsw });
    const top = async (q: string) =>
      (await index.search(q, { space: 'default', k: 3, mode: 'hybrid' }))[0]?.chunk;
    expect((await top('when are payouts sent to my bank account'))?.source).toBe('handbook.docx');
    expect((await top('can I sell gift cards'))?.question).toBe('Can I sell gift cards?');
    expect((await top('price of SKU-1042'))?.text).toContain('SKU-1042');
    expect((await top('ShipFast cutoff time'))?.source).toBe('carriers.csv');
  });
});
